package org.gsamflink.cli.train;

import java.util.List;
import java.util.Optional;

/**
 * The outcome of an {@link OfflineTrainer} run.
 *
 * @param steps          optimizer steps taken (skipped ones included)
 * @param skipped        steps skipped because of a NaN/Inf loss or gradient
 * @param epochs         one summary per epoch, in order
 * @param elapsedSeconds wall time of the whole run, evaluation included
 */
public record TrainingResult(long steps, long skipped, List<EpochSummary> epochs, double elapsedSeconds) {

    public TrainingResult {
        epochs = List.copyOf(epochs);
    }

    /** The last epoch's summary. */
    public EpochSummary lastEpoch() {
        return epochs.get(epochs.size() - 1);
    }

    /** Held-out accuracy after the last epoch, if there was test data. */
    public Optional<Accuracy> finalTestAccuracy() {
        return lastEpoch().test();
    }
}
