package org.gsamflink.cli.data.generators;

import org.gsamflink.cli.data.LabeledData;

/**
 * An endless, deterministic stream of labelled examples, as MOA's {@code InstanceStream}: each {@link #next} draws
 * one example from the stream's own seeded random generator, so a seed names one stream.
 *
 * <p>Lifecycle: build (seeded), then any number of {@link #next} or {@link #take} calls, each continuing where the
 * last one stopped. Not thread-safe.
 */
public interface ExampleStream {

    /** Features per example. */
    int numFeatures();

    /** Labels lie in [0, numClasses). */
    int numClasses();

    /**
     * Draws the next example.
     *
     * @param x receives the {@link #numFeatures()} feature values (its length must be at least that)
     * @return the example's label
     */
    int next(double[] x);

    /**
     * The next {@code n} examples as an in-memory data set, so that they travel the same way as a file's data.
     * Memory: {@code n × (4 × numFeatures() + 4)} bytes.
     *
     * @param source names the stream in messages and summaries
     * @throws IllegalArgumentException if {@code n < 1} or the examples do not fit in one Java array
     */
    default LabeledData take(int n, String source) {
        int width = numFeatures();
        if (n < 1 || (long) n * width > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("cannot take " + n + " examples of " + width
                    + " features (1 to " + (Integer.MAX_VALUE - 8) / width + ")");
        }
        float[] features = new float[n * width];
        int[] labels = new int[n];
        double[] x = new double[width];
        for (int i = 0; i < n; i++) {
            labels[i] = next(x);
            for (int f = 0; f < width; f++) {
                features[i * width + f] = (float) x[f];
            }
        }
        return new LabeledData(source, features, labels, width, numClasses(), null);
    }
}
