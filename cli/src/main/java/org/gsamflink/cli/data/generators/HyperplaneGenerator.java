package org.gsamflink.cli.data.generators;

import java.util.Arrays;
import java.util.Random;

/**
 * The rotating hyperplane: {@code d} attributes uniform in [0, 1) and weights {@code w_i} (drawn uniform in
 * [0, 1) at the start); the class is 1 when {@code Σ w_i x_i ≥ ½ Σ w_i}, else 0, and the label is flipped with
 * probability {@code noisePercentage} %. Gradual drift: after each example every one of the first {@code k}
 * weights moves by {@code d_i · t} ({@code d_i} = ±1, +1 at the start) and its direction {@code d_i} reverses with
 * probability {@code sigmaPercentage} %, so the plane turns a little with every example.
 *
 * <pre>
 * G. Hulten, L. Spencer and P. Domingos. Mining time-changing data streams.
 * Proc. 7th ACM SIGKDD Int. Conf. on Knowledge Discovery and Data Mining (KDD 2001), pp. 97–106.
 * MOA: moa.streams.generators.HyperplaneGenerator (Bifet et al., https://moa.cms.waikato.ac.nz).
 * </pre>
 *
 * <p>Parameters as MOA names them, with MOA's defaults: {@code numAtts} ({@code -a}, default
 * {@value #DEFAULT_FEATURES}), {@code numDriftAtts} ({@code -k}, {@value #DEFAULT_DRIFT_FEATURES}), {@code
 * magChange} ({@code -t}, in [0, 1], {@value #DEFAULT_MAG_CHANGE}: no drift), {@code sigmaPercentage} ({@code
 * -s}, {@value #DEFAULT_SIGMA_PERCENTAGE}), {@code noisePercentage} ({@code -n}, {@value
 * #DEFAULT_NOISE_PERCENTAGE}), {@code instanceRandomSeed} ({@code -i}, {@value #DEFAULT_SEED}). MOA's {@code
 * numClasses} only names more classes than the rule can produce, so there are two. As in MOA the weights are not
 * bounded: a drifting weight is a random walk. Random numbers are drawn in MOA's order ({@code d} weights at the
 * start; per example {@code d nextDouble}, one {@code nextInt(100)} for noise, one per drifting weight), so a seed
 * should give MOA's examples; this was not checked against MOA.
 *
 * <p>Memory: two arrays of {@code d}. Not thread-safe.
 */
public final class HyperplaneGenerator implements ExampleStream {

    public static final int DEFAULT_FEATURES = 10;
    public static final int DEFAULT_DRIFT_FEATURES = 2;
    public static final double DEFAULT_MAG_CHANGE = 0.0;
    public static final int DEFAULT_SIGMA_PERCENTAGE = 10;
    public static final int DEFAULT_NOISE_PERCENTAGE = 5;
    public static final long DEFAULT_SEED = 1;

    private final int driftFeatures;
    private final double magChange;
    private final int sigmaPercentage;
    private final int noisePercentage;
    private final Random random;
    private final double[] weights;
    private final int[] directions;

    private HyperplaneGenerator(Builder b) {
        this.driftFeatures = b.driftFeatures;
        this.magChange = b.magChange;
        this.sigmaPercentage = b.sigmaPercentage;
        this.noisePercentage = b.noisePercentage;
        this.random = new Random(b.seed);
        this.weights = new double[b.features];
        this.directions = new int[b.features];
        for (int i = 0; i < b.features; i++) {
            weights[i] = random.nextDouble();
            directions[i] = i < driftFeatures ? 1 : 0;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The noise-free class of {@code x} under {@code weights}: 1 when {@code Σ w_i x_i ≥ ½ Σ w_i}, else 0. */
    public static int classOf(double[] weights, double[] x) {
        double sum = 0;
        double sumWeights = 0;
        for (int i = 0; i < weights.length; i++) {
            sum += weights[i] * x[i];
            sumWeights += weights[i];
        }
        return sum >= 0.5 * sumWeights ? 1 : 0;
    }

    /** A copy of the current weights: those the next example is labelled with. */
    public double[] weights() {
        return weights.clone();
    }

    @Override
    public int numFeatures() {
        return weights.length;
    }

    @Override
    public int numClasses() {
        return 2;
    }

    @Override
    public int next(double[] x) {
        for (int i = 0; i < weights.length; i++) {
            x[i] = random.nextDouble();
        }
        int label = classOf(weights, x);
        if (Percentages.draw(random, noisePercentage)) {
            label = 1 - label;
        }
        for (int i = 0; i < driftFeatures; i++) {
            weights[i] += directions[i] * magChange;
            if (Percentages.draw(random, sigmaPercentage)) {
                directions[i] = -directions[i];
            }
        }
        return label;
    }

    @Override
    public String toString() {
        return "Hyperplane(" + weights.length + " features, " + driftFeatures + " drifting by " + magChange
                + ", sigma " + sigmaPercentage + " %, noise " + noisePercentage + " %, weights "
                + Arrays.toString(weights) + ")";
    }

    /** Builder with MOA's defaults; each setter checks its own value, {@link #build} the rule across them. */
    public static final class Builder {
        private int features = DEFAULT_FEATURES;
        private int driftFeatures = DEFAULT_DRIFT_FEATURES;
        private double magChange = DEFAULT_MAG_CHANGE;
        private int sigmaPercentage = DEFAULT_SIGMA_PERCENTAGE;
        private int noisePercentage = DEFAULT_NOISE_PERCENTAGE;
        private long seed = DEFAULT_SEED;

        private Builder() {}

        /** Attributes d, ≥ 1. */
        public Builder features(int features) {
            if (features < 1) {
                throw new IllegalArgumentException("features must be >= 1, got " + features);
            }
            this.features = features;
            return this;
        }

        /** Drifting attributes k (the first k), 0..features. */
        public Builder driftFeatures(int driftFeatures) {
            if (driftFeatures < 0) {
                throw new IllegalArgumentException("drift features must be >= 0, got " + driftFeatures);
            }
            this.driftFeatures = driftFeatures;
            return this;
        }

        /** How far a drifting weight moves per example, t in [0, 1] (MOA's range). */
        public Builder magChange(double magChange) {
            if (!(magChange >= 0 && magChange <= 1)) {
                throw new IllegalArgumentException("magnitude of change must be in [0, 1], got " + magChange);
            }
            this.magChange = magChange;
            return this;
        }

        /** Chance per example and drifting weight that its direction reverses, in percent. */
        public Builder sigmaPercentage(int percentage) {
            this.sigmaPercentage = Percentages.check("sigma percentage", percentage);
            return this;
        }

        /** Labels flipped, in percent. */
        public Builder noisePercentage(int percentage) {
            this.noisePercentage = Percentages.check("noise percentage", percentage);
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public HyperplaneGenerator build() {
            if (driftFeatures > features) {
                throw new IllegalArgumentException("drift features (" + driftFeatures + ") must not exceed features ("
                        + features + ")");
            }
            return new HyperplaneGenerator(this);
        }
    }
}
