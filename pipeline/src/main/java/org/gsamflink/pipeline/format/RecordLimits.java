package org.gsamflink.pipeline.format;

import org.gsamflink.operators.TrainingRecord;

import java.io.Serializable;
import java.util.regex.Pattern;

/**
 * The rules every decoded record must satisfy before it reaches training: the model's feature count and class
 * count, finite values, non-negative finite weights, a bounded record size and a safe model id (letters, digits,
 * {@code . _ -}, at most {@link #MAX_MODEL_ID_LENGTH} characters: it names files in the model store).
 */
public final class RecordLimits implements Serializable {

    private static final long serialVersionUID = 1L;
    public static final int MAX_MODEL_ID_LENGTH = 128;
    public static final int DEFAULT_MAX_RECORD_BYTES = 16 << 20;
    private static final Pattern MODEL_ID = Pattern.compile("[A-Za-z0-9._-]{1," + MAX_MODEL_ID_LENGTH + "}");

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

    public static boolean isValidModelId(String id) {
        return id != null && MODEL_ID.matcher(id).matches() && !id.equals(".") && !id.equals("..");
    }

    /**
     * {@code id} if it is a valid model id.
     *
     * @throws IllegalArgumentException naming the rule otherwise
     */
    public static String requireValidModelId(String id) {
        if (!isValidModelId(id)) {
            throw new IllegalArgumentException("model id '" + id + "' must match [A-Za-z0-9._-]{1,"
                    + MAX_MODEL_ID_LENGTH + "} and not be . or ..");
        }
        return id;
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
        if (!isValidModelId(r.modelId)) {
            throw new RecordRejectedException(RejectReason.BAD_MODEL_ID, "model id must match [A-Za-z0-9._-]{1,"
                    + MAX_MODEL_ID_LENGTH + "} and not be . or ..");
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
