package org.gsamflink.cli.data.generators;

import java.util.Random;

/**
 * One SEA concept: three attributes uniform in [0, 10), of which only the first two matter; the class is 0 when
 * {@code x1 + x2 ≤ θ} and 1 otherwise, with θ = 8, 9, 7, 9.5 for the classification functions 1 to 4; then the
 * label is flipped with probability {@code noisePercentage} %. Chain concepts with {@link ConceptDriftStream} for
 * the abrupt drifts of the original benchmark.
 *
 * <pre>
 * W. N. Street and Y. Kim. A streaming ensemble algorithm (SEA) for large-scale classification.
 * Proc. 7th ACM SIGKDD Int. Conf. on Knowledge Discovery and Data Mining (KDD 2001), pp. 377–382.
 * MOA: moa.streams.generators.SEAGenerator (Bifet et al., https://moa.cms.waikato.ac.nz).
 * </pre>
 *
 * <p>Parameters as MOA names them, with MOA's defaults: {@code function} ({@code -f}, 1..4, default
 * {@value #DEFAULT_FUNCTION}), {@code noisePercentage} (0..100, default {@value #DEFAULT_NOISE_PERCENTAGE}),
 * {@code instanceRandomSeed} ({@code -i}, default {@value #DEFAULT_SEED}). MOA's {@code balanceClasses} flag
 * (rejection sampling towards alternating classes) is not offered: it changes the distribution SEA is known by.
 * The random numbers are drawn in MOA's order (three {@code nextDouble}, one {@code nextInt(100)} per example)
 * from a {@link Random} seeded alike, so a seed should give MOA's examples; this was not checked against MOA.
 *
 * <p>Memory: constant. Not thread-safe.
 */
public final class SeaGenerator implements ExampleStream {

    /** θ of the classification functions 1 to 4 (index 0 to 3), as in the paper and MOA. */
    private static final double[] THRESHOLDS = {8, 9, 7, 9.5};
    public static final int DEFAULT_FUNCTION = 1;
    public static final int DEFAULT_NOISE_PERCENTAGE = 10;
    public static final long DEFAULT_SEED = 1;
    public static final int FEATURES = 3;

    private final int function;
    private final int noisePercentage;
    private final Random random;

    private SeaGenerator(Builder b) {
        this.function = b.function;
        this.noisePercentage = b.noisePercentage;
        this.random = new Random(b.seed);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** θ of classification function {@code function} (1..4). */
    public static double threshold(int function) {
        checkFunction(function);
        return THRESHOLDS[function - 1];
    }

    /** The noise-free class of function {@code function}: 0 when {@code x1 + x2 ≤ θ}, else 1. */
    public static int classOf(int function, double x1, double x2) {
        return x1 + x2 <= threshold(function) ? 0 : 1;
    }

    public int function() {
        return function;
    }

    @Override
    public int numFeatures() {
        return FEATURES;
    }

    @Override
    public int numClasses() {
        return 2;
    }

    @Override
    public int next(double[] x) {
        for (int i = 0; i < FEATURES; i++) {
            x[i] = 10 * random.nextDouble();
        }
        int label = classOf(function, x[0], x[1]);
        return Percentages.draw(random, noisePercentage) ? 1 - label : label;
    }

    private static int checkFunction(int function) {
        if (function < 1 || function > THRESHOLDS.length) {
            throw new IllegalArgumentException("SEA function must be 1..4, got " + function);
        }
        return function;
    }

    @Override
    public String toString() {
        return "SEA(function " + function + ", noise " + noisePercentage + " %)";
    }

    /** Builder with MOA's defaults; each setter checks its value. */
    public static final class Builder {
        private int function = DEFAULT_FUNCTION;
        private int noisePercentage = DEFAULT_NOISE_PERCENTAGE;
        private long seed = DEFAULT_SEED;

        private Builder() {}

        /** Classification function 1..4 (θ = 8, 9, 7, 9.5). */
        public Builder function(int function) {
            this.function = checkFunction(function);
            return this;
        }

        /** Labels flipped, in percent (0..100). */
        public Builder noisePercentage(int percentage) {
            this.noisePercentage = Percentages.check("noise percentage", percentage);
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public SeaGenerator build() {
            return new SeaGenerator(this);
        }
    }
}
