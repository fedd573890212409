package org.gsamflink.operators;

/**
 * Something went wrong with a model and the operator acted on it, emitted on the side output {@link
 * GsamTrainingOperator#ALERTS} (and logged, rate-limited): which model, at which step, why ({@link #reason}, e.g.
 * {@code non-finite-parameters}), what was done ({@link #action}: {@link #ROLLED_BACK}, {@link #SNAPSHOT_REFUSED},
 * {@link #RESET}) and a human-readable detail. A Flink POJO.
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

    public String modelId;
    /** The step counter the problem was found at. */
    public long step;
    public String reason;
    public String action;
    public String detail;
    public long timestampMs;

    public TrainingAlert() {}

    public TrainingAlert(String modelId, long step, String reason, String action, String detail, long timestampMs) {
        this.modelId = modelId;
        this.step = step;
        this.reason = reason;
        this.action = action;
        this.detail = detail;
        this.timestampMs = timestampMs;
    }

    @Override
    public String toString() {
        return "TrainingAlert{model=" + modelId + ", step=" + step + ", " + reason + " -> " + action + ": " + detail
                + '}';
    }
}
