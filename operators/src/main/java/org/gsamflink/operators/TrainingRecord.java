package org.gsamflink.operators;

import java.util.Arrays;
import java.util.Objects;

/**
 * One input record of the training operator: either a single example (assembled into minibatches per model id by
 * the operator) or a pre-batched minibatch (trained as it is).
 *
 * <p>A Flink POJO (public fields, no-argument constructor), so streams of it never fall back to Kryo; in keyed
 * state it is written by the explicit {@link TrainingRecordSerializer}. Features are row-major
 * {@code rows × numFeatures} float32; labels are class indices; weights are optional per-example loss weights
 * (null means all 1).
 */
public class TrainingRecord {

    public String modelId;
    public int rows;
    public int numFeatures;
    public float[] features;
    public int[] labels;
    public float[] weights;
    public boolean preBatched;

    public TrainingRecord() {}

    public TrainingRecord(String modelId, int rows, int numFeatures, float[] features, int[] labels, float[] weights,
                          boolean preBatched) {
        this.modelId = modelId;
        this.rows = rows;
        this.numFeatures = numFeatures;
        this.features = features;
        this.labels = labels;
        this.weights = weights;
        this.preBatched = preBatched;
    }

    /** A single example with weight 1. */
    public static TrainingRecord example(String modelId, float[] features, int label) {
        return new TrainingRecord(modelId, 1, features.length, features, new int[] {label}, null, false);
    }

    /** A single weighted example. */
    public static TrainingRecord example(String modelId, float[] features, int label, float weight) {
        return new TrainingRecord(modelId, 1, features.length, features, new int[] {label}, new float[] {weight},
                false);
    }

    /** A minibatch trained as one step. */
    public static TrainingRecord minibatch(String modelId, int numFeatures, float[] features, int[] labels) {
        return new TrainingRecord(modelId, labels.length, numFeatures, features, labels, null, true);
    }

    /** Why this record cannot be trained on, or null when it is well-formed. */
    public String problem(int expectedFeatures, int numClasses) {
        if (modelId == null || modelId.isEmpty()) {
            return "missing model id";
        }
        if (rows <= 0) {
            return "rows must be > 0, got " + rows;
        }
        if (numFeatures != expectedFeatures) {
            return "feature count " + numFeatures + " does not match the model's " + expectedFeatures;
        }
        if (features == null || features.length != (long) rows * numFeatures) {
            return "features hold " + (features == null ? 0 : features.length) + " values, expected "
                    + (long) rows * numFeatures;
        }
        if (labels == null || labels.length != rows) {
            return "labels hold " + (labels == null ? 0 : labels.length) + " values, expected " + rows;
        }
        if (weights != null && weights.length != rows) {
            return "weights hold " + weights.length + " values, expected " + rows;
        }
        for (int label : labels) {
            if (label < 0 || label >= numClasses) {
                return "label " + label + " out of range [0, " + numClasses + ")";
            }
        }
        for (float f : features) {
            if (!Float.isFinite(f)) {
                return "non-finite feature value " + f;
            }
        }
        if (weights != null) {
            for (float w : weights) {
                if (!Float.isFinite(w) || w < 0) {
                    return "weight must be finite and >= 0, got " + w;
                }
            }
        }
        return null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrainingRecord r && rows == r.rows && numFeatures == r.numFeatures
                && preBatched == r.preBatched && Objects.equals(modelId, r.modelId)
                && Arrays.equals(features, r.features) && Arrays.equals(labels, r.labels)
                && Arrays.equals(weights, r.weights);
    }

    @Override
    public int hashCode() {
        return Objects.hash(modelId, rows, numFeatures, preBatched, Arrays.hashCode(features), Arrays.hashCode(labels));
    }

    @Override
    public String toString() {
        return "TrainingRecord{model=" + modelId + ", rows=" + rows + ", features=" + numFeatures
                + (preBatched ? ", minibatch" : "") + '}';
    }
}
