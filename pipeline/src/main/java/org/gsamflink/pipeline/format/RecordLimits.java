package org.gsamflink.pipeline.format;

import org.gsamflink.modelstore.ModelIds;
import org.gsamflink.operators.ModelSpec;
import org.gsamflink.operators.TrainingRecord;
import org.gsamflink.operators.serve.PredictionRequest;

import java.io.Serializable;

/**
 * The rules every decoded record must satisfy before it reaches training: the model's feature count and class
 * count, finite values, non-negative finite weights, bounds on |feature|, on the weight and on the rows of a
 * minibatch record, a bounded record size and a safe model id (the model store's rule, {@link ModelIds}: a model id
 * names files in the store).
 *
 * <pre>{@code
 * RecordLimits limits = RecordLimits.builder().numFeatures(784).numClasses(10)
 *         .maxRecordBytes(16 << 20).maxAbsFeature(1e6).maxWeight(1000).maxRowsPerRecord(4096).build();
 * }</pre>
 * numFeatures and numClasses are required; the others default to the {@code DEFAULT_*} constants (rows: no bound).
 */
public final class RecordLimits implements Serializable {

    private static final long serialVersionUID = 2L;
    public static final int DEFAULT_MAX_RECORD_BYTES = 16 << 20;
    /**
     * Largest |feature|: far beyond normalised or raw real-world inputs (pixels ≤ 255, standardised values of a
     * few units), while a float32 network's activations and gradients stay finite with inputs this size.
     */
    public static final double DEFAULT_MAX_ABS_FEATURE = 1e6;
    /**
     * Largest loss weight: inverse-frequency class weights of a 1-in-1000 class; one example's loss (≈ ln(classes)
     * at the start) times this stays finite even in float16 (65504).
     */
    public static final double DEFAULT_MAX_WEIGHT = 1000;

    private final int numFeatures;
    private final int numClasses;
    private final int maxRecordBytes;
    private final double maxAbsFeature;
    private final double maxWeight;
    private final int maxRowsPerRecord;
    /** Prediction requests: any feature count here; the served model checks its own. */
    private final boolean anyWidth;

    /** Limits with the default bounds on features and weights and no bound on rows. */
    public RecordLimits(int numFeatures, int numClasses, int maxRecordBytes) {
        this(builder().numFeatures(numFeatures).numClasses(numClasses).maxRecordBytes(maxRecordBytes));
    }

    private RecordLimits(Builder b) {
        this.numFeatures = b.numFeatures;
        this.numClasses = b.numClasses;
        this.maxRecordBytes = b.maxRecordBytes;
        this.maxAbsFeature = b.maxAbsFeature;
        this.maxWeight = b.maxWeight;
        this.maxRowsPerRecord = b.maxRowsPerRecord;
        this.anyWidth = b.anyWidth;
    }

    public static Builder builder() {
        return new Builder();
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

    public double maxAbsFeature() {
        return maxAbsFeature;
    }

    public double maxWeight() {
        return maxWeight;
    }

    public int maxRowsPerRecord() {
        return maxRowsPerRecord;
    }

    /** The rows check, for decoders that know the row count before they allocate (the binary minibatch). */
    void checkRows(int rows) throws RecordRejectedException {
        if (rows > maxRowsPerRecord) {
            throw new RecordRejectedException(RejectReason.TOO_MANY_ROWS,
                    rows + " rows exceed the limit of " + maxRowsPerRecord + " per record");
        }
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

    /** Whether the feature count is checked here (training) or left to the served model (requests). */
    public boolean checksWidth() {
        return !anyWidth;
    }

    /** The width check, for decoders that know the width before they allocate (the binary minibatch). */
    void checkWidth(int width) throws RecordRejectedException {
        if (!anyWidth && width != numFeatures) {
            throw new RecordRejectedException(RejectReason.WRONG_DIMENSION,
                    width + " features, the model takes " + numFeatures);
        }
    }

    /** Content checks of a prediction request after decoding: model id, width, rows, features. */
    PredictionRequest check(PredictionRequest r) throws RecordRejectedException {
        checkShapeAndFeatures(r.modelId, r.numFeatures, r.rows, r.features);
        return r;
    }

    private void checkShapeAndFeatures(String modelId, int width, int rows, float[] features)
            throws RecordRejectedException {
        String badId = ModelIds.problem(modelId);
        if (badId != null) {
            throw new RecordRejectedException(RejectReason.BAD_MODEL_ID, "model id: " + badId);
        }
        checkWidth(width);
        checkRows(rows);
        for (int i = 0; i < features.length; i++) {
            float f = features[i];
            if (!Float.isFinite(f)) {
                throw new RecordRejectedException(RejectReason.NON_FINITE,
                        "feature " + (i % width) + " of row " + (i / width) + " is " + f);
            }
            if (Math.abs(f) > maxAbsFeature) {
                throw new RecordRejectedException(RejectReason.OUT_OF_RANGE, "feature " + (i % width)
                        + " of row " + (i / width) + " is " + f + ", beyond ±" + maxAbsFeature);
            }
        }
    }

    /** Content checks after decoding. */
    TrainingRecord check(TrainingRecord r) throws RecordRejectedException {
        checkShapeAndFeatures(r.modelId, r.numFeatures, r.rows, r.features);
        for (int label : r.labels) {
            if (label < 0 || label >= numClasses) {
                throw new RecordRejectedException(RejectReason.LABEL_OUT_OF_RANGE,
                        "label " + label + " outside [0, " + numClasses + ")");
            }
        }
        if (r.weights != null) {
            for (int i = 0; i < r.weights.length; i++) {
                float w = r.weights[i];
                if (!Float.isFinite(w) || w < 0) {
                    throw new RecordRejectedException(RejectReason.BAD_WEIGHT, "weight " + w + " is not finite and >= 0");
                }
                if (w > maxWeight) {
                    throw new RecordRejectedException(RejectReason.OUT_OF_RANGE,
                            "weight " + w + " of row " + i + " exceeds the limit of " + maxWeight);
                }
            }
        }
        return r;
    }

    /** Builds {@link RecordLimits}; every setter checks its own value. */
    public static final class Builder {
        private int numFeatures;
        private int numClasses;
        private int maxRecordBytes = DEFAULT_MAX_RECORD_BYTES;
        private double maxAbsFeature = DEFAULT_MAX_ABS_FEATURE;
        private double maxWeight = DEFAULT_MAX_WEIGHT;
        private int maxRowsPerRecord = Integer.MAX_VALUE;
        private boolean anyWidth;

        private Builder() {}

        /**
         * Limits of prediction requests: any feature count and no labels here, since the model that answers is
         * only known when it answers (and checks its own width); numFeatures and numClasses are not needed.
         */
        public Builder anyWidth() {
            this.anyWidth = true;
            return this;
        }

        public Builder numFeatures(int numFeatures) {
            this.numFeatures = ModelSpec.checkNumFeatures(numFeatures);
            return this;
        }

        public Builder numClasses(int numClasses) {
            this.numClasses = ModelSpec.checkNumClasses(numClasses);
            return this;
        }

        public Builder maxRecordBytes(int maxRecordBytes) {
            if (maxRecordBytes <= 0) {
                throw new IllegalArgumentException("maxRecordBytes must be > 0, got " + maxRecordBytes);
            }
            this.maxRecordBytes = maxRecordBytes;
            return this;
        }

        public Builder maxAbsFeature(double maxAbsFeature) {
            if (!(maxAbsFeature > 0) || !Double.isFinite(maxAbsFeature)) {
                throw new IllegalArgumentException("maxAbsFeature must be finite and > 0, got " + maxAbsFeature);
            }
            this.maxAbsFeature = maxAbsFeature;
            return this;
        }

        public Builder maxWeight(double maxWeight) {
            if (!(maxWeight > 0) || !Double.isFinite(maxWeight)) {
                throw new IllegalArgumentException("maxWeight must be finite and > 0, got " + maxWeight);
            }
            this.maxWeight = maxWeight;
            return this;
        }

        public Builder maxRowsPerRecord(int maxRowsPerRecord) {
            if (maxRowsPerRecord <= 0) {
                throw new IllegalArgumentException("maxRowsPerRecord must be > 0, got " + maxRowsPerRecord);
            }
            this.maxRowsPerRecord = maxRowsPerRecord;
            return this;
        }

        /** @throws IllegalStateException if numFeatures or numClasses was not set (unless {@link #anyWidth}) */
        public RecordLimits build() {
            if (!anyWidth && (numFeatures == 0 || numClasses == 0)) {
                throw new IllegalStateException("numFeatures and numClasses are required");
            }
            return new RecordLimits(this);
        }
    }
}
