package org.gsamflink.pipeline.format;

import org.gsamflink.modelstore.ModelIds;
import org.gsamflink.operators.TrainingRecord;

import java.io.Serializable;

/**
 * The rules every decoded record must satisfy before it reaches training: the model's feature count and class
 * count, finite values, non-negative finite weights, a bounded record size and a safe model id (the model store's
 * rule, {@link ModelIds}: a model id names files in the store).
 */
public final class RecordLimits implements Serializable {

    private static final long serialVersionUID = 1L;
    public static final int DEFAULT_MAX_RECORD_BYTES = 16 << 20;

    private final int numFeatures;
    private final int numClasses;
    private final int maxRecordBytes;

    public RecordLimits(int numFeatures, int numClasses, int maxRecordBytes) {
        if (numFeatures <= 0) {
            throw new IllegalArgumentException("numFeatures must be > 0, got " + numFeatures);
        }
        if (numClasses < 2) {
            throw new IllegalArgumentException("numClasses must be >= 2, got " + numClasses);
        }
        if (maxRecordBytes <= 0) {
            throw new IllegalArgumentException("maxRecordBytes must be > 0, got " + maxRecordBytes);
        }
        this.numFeatures = numFeatures;
        this.numClasses = numClasses;
        this.maxRecordBytes = maxRecordBytes;
    }

    public int numFeatures() {
        return numFeatures;
    }

    public int numClasses() {
        return numClasses;
    }

    public int maxRecordBytes() {
        return maxRecordBytes;
    }

    /** Size checks before decoding. */
    void checkSize(byte[] value) throws RecordRejectedException {
        if (value == null || value.length == 0) {
            throw new RecordRejectedException(RejectReason.EMPTY, "empty record");
        }
        if (value.length > maxRecordBytes) {
            throw new RecordRejectedException(RejectReason.OVERSIZED,
                    value.length + " bytes exceed the limit of " + maxRecordBytes);
        }
    }

    /** Content checks after decoding. */
    TrainingRecord check(TrainingRecord r) throws RecordRejectedException {
        String badId = ModelIds.problem(r.modelId);
        if (badId != null) {
            throw new RecordRejectedException(RejectReason.BAD_MODEL_ID, "model id: " + badId);
        }
        if (r.numFeatures != numFeatures) {
            throw new RecordRejectedException(RejectReason.WRONG_DIMENSION,
                    r.numFeatures + " features, the model takes " + numFeatures);
        }
        for (int i = 0; i < r.features.length; i++) {
            if (!Float.isFinite(r.features[i])) {
                throw new RecordRejectedException(RejectReason.NON_FINITE,
                        "feature " + (i % numFeatures) + " of row " + (i / numFeatures) + " is " + r.features[i]);
            }
        }
        for (int label : r.labels) {
            if (label < 0 || label >= numClasses) {
                throw new RecordRejectedException(RejectReason.LABEL_OUT_OF_RANGE,
                        "label " + label + " outside [0, " + numClasses + ")");
            }
        }
        if (r.weights != null) {
            for (float w : r.weights) {
                if (!Float.isFinite(w) || w < 0) {
                    throw new RecordRejectedException(RejectReason.BAD_WEIGHT, "weight " + w + " is not finite and >= 0");
                }
            }
        }
        return r;
    }
}
