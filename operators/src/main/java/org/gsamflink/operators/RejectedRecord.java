package org.gsamflink.operators;

/**
 * A well-formed record the operator did not train on, emitted on the side output {@link
 * GsamTrainingOperator#REJECTED}: today only {@link #TOO_MANY_MODELS}, a record of a new model id when the subtask
 * admitted its share of {@link TrainingOptions#maxModels()} already. It carries the model id and the record's size,
 * not its features (a rejected stream of new ids must not cost memory or bandwidth). A Flink POJO.
 */
public class RejectedRecord {

    /** The reason code of a record of a model id beyond {@code training.max-models}. */
    public static final String TOO_MANY_MODELS = "too-many-models";

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
