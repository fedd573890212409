package org.gsamflink.operators;

/**
 * A well-formed record the operator did not train on, emitted on the side output {@link
 * GsamTrainingOperator#REJECTED}: {@link #TOO_MANY_MODELS}, a record of a new model id when the subtask admitted its
 * share of {@link TrainingOptions#maxModels()} already, or {@link #SPEC_CHANGED}, a record pending in a savepoint
 * that does not fit the spec of the job restored from it. It carries the model id and the record's size,
 * not its features (a rejected stream of new ids must not cost memory or bandwidth). A Flink POJO.
 */
public class RejectedRecord {

    /** The reason code of a record of a model id beyond {@code training.max-models}. */
    public static final String TOO_MANY_MODELS = "too-many-models";

    /** The reason code of a pending record that no longer fits its model's spec after a restore. */
    public static final String SPEC_CHANGED = "spec-changed";

    public String modelId;
    public String reason;
    public String detail;
    public int rows;
    public long timestampMs;

    public RejectedRecord() {}

    public RejectedRecord(String modelId, String reason, String detail, int rows, long timestampMs) {
        this.modelId = modelId;
        this.reason = reason;
        this.detail = detail;
        this.rows = rows;
        this.timestampMs = timestampMs;
    }

    @Override
    public String toString() {
        return "RejectedRecord{" + modelId + ": " + reason + " (" + detail + ")}";
    }
}
