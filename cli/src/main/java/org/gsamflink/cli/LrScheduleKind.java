package org.gsamflink.cli;

import org.gsamflink.optimizer.schedule.ConstantScheduler;
import org.gsamflink.optimizer.schedule.CosineScheduler;
import org.gsamflink.optimizer.schedule.LinearScheduler;
import org.gsamflink.optimizer.schedule.PolyScheduler;
import org.gsamflink.optimizer.schedule.Scheduler;
import org.gsamflink.optimizer.schedule.StepScheduler;

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

    /** The step schedule: ×0.2 at 30 %, 60 % and 80 % of the steps (the GSAM authors' example). */
    static final double STEP_FACTOR = 0.2;
    static final double[] STEP_FRACTIONS = {0.3, 0.6, 0.8};

    /**
     * This schedule from peak {@code lr} to {@code lrMin} (linear, cosine and poly only) over {@code totalSteps}
     * steps after a linear warm-up from 0 over {@code warmup} steps.
     *
     * @throws IllegalArgumentException or IllegalStateException if a scheduler's rule is broken
     */
    Scheduler scheduler(double lr, double lrMin, long totalSteps, long warmup) {
        return switch (this) {
            case CONSTANT -> ConstantScheduler.builder().value(lr).warmupSteps(warmup).build();
            case LINEAR -> LinearScheduler.builder().maxValue(lr).minValue(lrMin).totalSteps(totalSteps)
                    .warmupSteps(warmup).build();
            case COSINE -> CosineScheduler.builder().maxValue(lr).minValue(lrMin).totalSteps(totalSteps)
                    .warmupSteps(warmup).build();
            case POLY -> PolyScheduler.builder().maxValue(lr).minValue(lrMin).totalSteps(totalSteps)
                    .warmupSteps(warmup).build();
            case STEP -> {
                StepScheduler s = StepScheduler.decayAtFractions(lr, totalSteps, STEP_FACTOR, STEP_FRACTIONS);
                yield warmup == 0 ? s : StepScheduler.builder().values(s.values()).milestones(s.milestones())
                        .totalSteps(totalSteps).warmupSteps(warmup).build();
            }
        };
    }

    /** The lowest learning rate {@code scheduler} (built by {@link #scheduler}) reaches after the warm-up. */
    double lowest(Scheduler scheduler, double lr, double lrMin) {
        return switch (this) {
            case CONSTANT -> lr;
            case STEP -> {
                double[] values = ((StepScheduler) scheduler).values();
                yield values[values.length - 1];
            }
            default -> lrMin;
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase();
    }
}
