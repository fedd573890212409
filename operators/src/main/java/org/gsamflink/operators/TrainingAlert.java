package org.gsamflink.operators;

/**
 * Something went wrong with a model and the operator acted on it, emitted on the side output {@link
 * GsamTrainingOperator#ALERTS} (and logged, rate-limited): which model, at which step, why ({@link #reason}, e.g.
 * {@code non-finite-parameters}), what was done ({@link #action}: {@link #ROLLED_BACK}, {@link #SNAPSHOT_REFUSED},
 * {@link #RESET}, {@link #ALARMED}, {@link #REWARMED}, {@link #UPDATER_RESET}) and a human-readable detail. A
 * detector's alarm ({@code drift}, {@code sharpness-jump}, {@code alignment-collapse} as the reason) also carries the
 * statistic that fired and the threshold it crossed; other alerts have NaN there. A Flink POJO.
 */
public class TrainingAlert {

    /** The model was rolled back to its last good state (parameters, updater state and counters). */
    public static final String ROLLED_BACK = "rolled-back";
    /** A snapshot was not emitted (or not written to the store). */
    public static final String SNAPSHOT_REFUSED = "snapshot-refused";
    /** State restored from a checkpoint was broken and had no good state to go back to: re-initialised weights. */
    public static final String RESET = "reset";
    /** Serving: a new version was not swapped in; the served one stays ({@code step} is the refused version). */
    public static final String KEPT_SERVING = "kept-serving";

    /** A detector fired; {@code training.on-drift: none}: nothing else was done. */
    public static final String ALARMED = "alarmed";
    /** A detector fired and the lr and ρ schedules restarted from this step ({@code training.on-drift: rewarm}). */
    public static final String REWARMED = "rewarmed";
    /** A detector fired and the updater state was zeroed ({@code training.on-drift: reset}). */
    public static final String UPDATER_RESET = "updater-reset";

    public String modelId;
    /** The step counter the problem was found at. */
    public long step;
    public String reason;
    public String action;
    public String detail;
    public long timestampMs;
    /** The detector's statistic that fired (NaN: not a detector's alarm). */
    public double statistic = Double.NaN;
    /** The threshold it crossed (NaN: not a detector's alarm). */
    public double threshold = Double.NaN;

    public TrainingAlert() {}

    public TrainingAlert(String modelId, long step, String reason, String action, String detail, long timestampMs) {
        this.modelId = modelId;
        this.step = step;
        this.reason = reason;
        this.action = action;
        this.detail = detail;
        this.timestampMs = timestampMs;
    }

    /** This alert with a detector's figures. */
    public TrainingAlert withFigures(double statistic, double threshold) {
        this.statistic = statistic;
        this.threshold = threshold;
        return this;
    }

    @Override
    public String toString() {
        return "TrainingAlert{model=" + modelId + ", step=" + step + ", " + reason + " -> " + action + ": " + detail
                + '}';
    }
}
