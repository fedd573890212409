package org.gsamflink.benchmarks;

import org.gsamflink.cli.data.LabeledData;

import java.util.Random;

/**
 * Symmetric label noise, as in the label-noise experiments of the SAM literature (Foret et al., ICLR 2021): each
 * label is, with probability {@code rate}, replaced by a class drawn uniformly from the {@code K − 1} OTHER classes
 * (so a corrupted label is never the true one). Deterministic per seed: one {@link Random} per call, one draw per
 * example for the decision and one more for each corrupted label. The features are not touched (and not copied).
 */
final class LabelNoise {

    /** The corrupted data and how many labels were changed. */
    record Corrupted(LabeledData data, int changed) {
        double changedFraction() {
            return data.size() == 0 ? 0 : (double) changed / data.size();
        }
    }

    private LabelNoise() {}

    /**
     * @param rate probability in [0, 1] that a label is replaced; 0 returns {@code data} itself
     * @throws IllegalArgumentException if {@code rate} is outside [0, 1], or positive with fewer than 2 classes
     */
    static Corrupted corrupt(LabeledData data, double rate, long seed) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("label noise must be in [0, 1], got " + rate);
        }
        if (rate == 0) {
            return new Corrupted(data, 0);
        }
        int k = data.numClasses();
        if (k < 2) {
            throw new IllegalArgumentException("label noise needs at least 2 classes, got " + k);
        }
        Random random = new Random(seed * 0x9E3779B97F4A7C15L + 0x1ABE1L);
        int[] labels = data.labels(null, 0, data.size());
        int changed = 0;
        for (int i = 0; i < labels.length; i++) {
            if (random.nextDouble() < rate) {
                labels[i] = (labels[i] + 1 + random.nextInt(k - 1)) % k;
                changed++;
            }
        }
        return new Corrupted(data.withLabels(labels), changed);
    }
}
