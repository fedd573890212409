package org.gsamflink.cli.train;

import org.gsamflink.optimizer.StepResult;

/**
 * One optimizer step of an {@link OfflineTrainer} run, as passed to {@link TrainerListener#onStep}.
 *
 * @param epoch         1-based epoch
 * @param epochs        epochs in the run
 * @param stepInEpoch   1-based step within the epoch
 * @param stepsPerEpoch steps per epoch
 * @param result        what the GSAM step did ({@code result.step()} is the global step counter t)
 * @param correct       examples of the batch whose clean-pass prediction matched the label
 * @param epochSoFar    the epoch's running totals, this step included
 */
public record StepEvent(int epoch, int epochs, int stepInEpoch, int stepsPerEpoch, StepResult result, int correct,
                        EpochStats epochSoFar) {

    /** Prequential accuracy of this batch: correct / batch size. */
    public double batchAccuracy() {
        return result.batchSize() == 0 ? Double.NaN : (double) correct / result.batchSize();
    }
}
