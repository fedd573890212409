package org.gsamflink.cli.data.generators;

import static org.assertj.core.api.Assertions.assertThat;

/** Measures label noise by running a clean and a noisy stream of one seed side by side. */
final class NoiseShare {

    private NoiseShare() {}

    /**
     * The share of the first {@code n} labels on which the two streams differ. Checks that their features agree:
     * the generators draw the noise coin whatever the percentage, so one seed gives the same attributes.
     */
    static double of(ExampleStream clean, ExampleStream noisy, int n) {
        double[] x = new double[clean.numFeatures()];
        double[] y = new double[noisy.numFeatures()];
        int flipped = 0;
        for (int i = 0; i < n; i++) {
            int a = clean.next(x);
            int b = noisy.next(y);
            assertThat(y).containsExactly(x);
            flipped += a != b ? 1 : 0;
        }
        return flipped / (double) n;
    }
}
