package org.gsamflink.cli.data;

import org.gsamflink.pipeline.model.ImageShape;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * An in-memory classification data set: {@code size()} examples of {@code numFeatures()} float features each
 * (stored flat, row-major, on the Java heap) and an integer class label in [0, {@code numClasses()}) per example.
 * Immutable once built (the arrays are owned, never handed out).
 *
 * <p>Minibatches are copied out as ND4J {@link DataSet}s (float32 features [n, numFeatures], one-hot labels [n,
 * classes]) by {@link #batch}. Memory: 4 bytes per feature value plus 4 per label, e.g. 188 MB for the 60,000
 * Fashion-MNIST training images.
 */
public final class LabeledData {

    private final String source;
    private final float[] features;
    private final int[] labels;
    private final int numFeatures;
    private final int numClasses;
    private final ImageShape imageShape;

    /**
     * Takes ownership of the arrays (callers must not modify them afterwards).
     *
     * @param source      where the data came from, for messages (a file or directory)
     * @param features    {@code labels.length × numFeatures} values, row-major
     * @param labels      class per example, each in [0, numClasses)
     * @param numFeatures features per example, ≥ 1
     * @param numClasses  number of classes, ≥ 1
     * @param imageShape  the image layout of the features, or {@code null} if they are not an image
     * @throws IllegalArgumentException if the sizes disagree or a label is out of range
     */
    public LabeledData(String source, float[] features, int[] labels, int numFeatures, int numClasses,
                       ImageShape imageShape) {
        this.source = Objects.requireNonNull(source, "source");
        this.features = Objects.requireNonNull(features, "features");
        this.labels = Objects.requireNonNull(labels, "labels");
        if (numFeatures < 1) {
            throw new IllegalArgumentException("numFeatures must be >= 1, got " + numFeatures);
        }
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be >= 1, got " + numClasses);
        }
        if ((long) labels.length * numFeatures != features.length) {
            throw new IllegalArgumentException(source + ": " + features.length + " feature values are not "
                    + labels.length + " examples x " + numFeatures + " features");
        }
        if (imageShape != null && imageShape.size() != numFeatures) {
            throw new IllegalArgumentException(source + ": image shape " + imageShape + " does not have "
                    + numFeatures + " values");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException(source + ": label " + labels[i] + " of example " + i
                        + " is outside [0, " + numClasses + ")");
            }
        }
        this.numFeatures = numFeatures;
        this.numClasses = numClasses;
        this.imageShape = imageShape;
    }

    /** Where the data came from (file or directory), for messages. */
    public String source() {
        return source;
    }

    public int size() {
        return labels.length;
    }

    public int numFeatures() {
        return numFeatures;
    }

    /** Number of classes: given by the reader, or the largest label + 1. */
    public int numClasses() {
        return numClasses;
    }

    public Optional<ImageShape> imageShape() {
        return Optional.ofNullable(imageShape);
    }

    public int label(int example) {
        return labels[example];
    }

    public float feature(int example, int feature) {
        Objects.checkIndex(feature, numFeatures);
        return features[example * numFeatures + feature];
    }

    /** The largest label present, or −1 if the data set is empty. */
    public int maxLabel() {
        int max = -1;
        for (int label : labels) {
            max = Math.max(max, label);
        }
        return max;
    }

    /** The first {@code n} examples (all of them if {@code n ≥ size()}). */
    public LabeledData limit(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, got " + n);
        }
        if (n >= size()) {
            return this;
        }
        return new LabeledData(source, Arrays.copyOf(features, n * numFeatures), Arrays.copyOf(labels, n),
                numFeatures, numClasses, imageShape);
    }

    /**
     * A copy holding the examples {@code order[from] … order[to − 1]}, in that order (e.g. a shuffled split).
     *
     * @throws IllegalArgumentException if the range is empty or outside {@code order}, or an index is out of range
     */
    public LabeledData select(int[] order, int from, int to) {
        if (from < 0 || to > order.length || from >= to) {
            throw new IllegalArgumentException("bad range [" + from + ", " + to + ") of " + order.length + " indices");
        }
        int n = to - from;
        float[] x = new float[n * numFeatures];
        int[] y = new int[n];
        for (int r = 0; r < n; r++) {
            int example = order[from + r];
            if (example < 0 || example >= size()) {
                throw new IllegalArgumentException("example index " + example + " outside [0, " + size() + ")");
            }
            System.arraycopy(features, example * numFeatures, x, r * numFeatures, numFeatures);
            y[r] = labels[example];
        }
        return new LabeledData(source, x, y, numFeatures, numClasses, imageShape);
    }

    /**
     * Copies the examples {@code order[from] … order[to − 1]} into a minibatch with float32 features [n,
     * numFeatures] and one-hot labels [n, outputs].
     *
     * @param order   example indices (e.g. a shuffled permutation), or {@code null} for the identity
     * @param outputs width of the one-hot labels (the network's output size), ≥ {@code numClasses()}
     */
    public DataSet batch(int[] order, int from, int to, int outputs) {
        if (from < 0 || to > (order == null ? size() : order.length) || from >= to) {
            throw new IllegalArgumentException("bad batch range [" + from + ", " + to + ")");
        }
        int n = to - from;
        float[] x = new float[n * numFeatures];
        float[] y = new float[n * outputs];
        for (int r = 0; r < n; r++) {
            int example = order == null ? from + r : order[from + r];
            System.arraycopy(features, example * numFeatures, x, r * numFeatures, numFeatures);
            y[r * outputs + labels[example]] = 1f;
        }
        INDArray xs = Nd4j.create(x, new long[] {n, numFeatures}, DataType.FLOAT);
        INDArray ys = Nd4j.create(y, new long[] {n, outputs}, DataType.FLOAT);
        return new DataSet(xs, ys);
    }

    /**
     * The same examples with other labels (e.g. corrupted ones); the features are shared, not copied (both are
     * immutable). Takes ownership of {@code newLabels}.
     *
     * @throws IllegalArgumentException if {@code newLabels} has another length or a label is out of range
     */
    public LabeledData withLabels(int[] newLabels) {
        if (newLabels.length != labels.length) {
            throw new IllegalArgumentException(source + ": " + newLabels.length + " labels for " + labels.length
                    + " examples");
        }
        return new LabeledData(source, features, newLabels, numFeatures, numClasses, imageShape);
    }

    /** The labels of {@code order[from] … order[to − 1]} (identity order if {@code order} is null). */
    public int[] labels(int[] order, int from, int to) {
        int[] out = new int[to - from];
        for (int r = 0; r < out.length; r++) {
            out[r] = labels[order == null ? from + r : order[from + r]];
        }
        return out;
    }

    @Override
    public String toString() {
        return source + " (" + size() + " examples, " + numFeatures + " features"
                + (imageShape == null ? "" : " = " + imageShape) + ", " + numClasses + " classes)";
    }
}
