package org.gsamflink.cli;

/** The {@code --lr-schedule} choices (the GSAM authors' schedulers; T = epochs × batches per epoch). */
public enum LrScheduleKind {
    /** lr throughout (after the warm-up). */
    CONSTANT,
    /** Linear decay from lr to lr-min at T. */
    LINEAR,
    /** Cosine decay from lr to lr-min at T. */
    COSINE,
    /** The authors' example: lr × 0.2 at 30 %, 60 % and 80 % of T. */
    STEP,
    /** lr-min + (lr − lr-min)·(t − warmup)^−0.5, lr-min at T. */
    POLY;

    @Override
    public String toString() {
        return name().toLowerCase();
    }
}
