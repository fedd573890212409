package org.gsamflink.cli.report;

/** Why a streaming run stopped; {@link #description()} is the phrase the summary shows. */
public enum StopReason {
    ALL_DATA_TRAINED("every produced example was trained"),
    MAX_STEPS("reached --max-steps"),
    DURATION("reached --duration"),
    IDLE("the producer finished and nothing new was trained for 30 s"),
    INTERRUPTED("interrupted (Ctrl-C)"),
    JOB_ENDED("the Flink job ended by itself");

    private final String description;

    StopReason(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
