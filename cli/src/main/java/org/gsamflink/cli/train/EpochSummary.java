package org.gsamflink.cli.train;

import java.util.Optional;

/**
 * The end of one epoch.
 *
 * @param epoch        1-based epoch
 * @param epochs       epochs in the run
 * @param stats        the epoch's totals
 * @param testAccuracy held-out accuracy after the epoch, or {@code null} without test data
 */
public record EpochSummary(int epoch, int epochs, EpochStats stats, Accuracy testAccuracy) {

    public Optional<Accuracy> test() {
        return Optional.ofNullable(testAccuracy);
    }
}
