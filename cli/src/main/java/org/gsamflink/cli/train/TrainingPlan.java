package org.gsamflink.cli.train;

/**
 * What an {@link OfflineTrainer} run is about to do, as passed to {@link TrainerListener#onStart}.
 *
 * @param trainExamples training examples per epoch
 * @param testExamples  held-out examples evaluated after each epoch (0 without test data)
 * @param batchSize     minibatch size (the last batch of an epoch may be smaller)
 * @param stepsPerEpoch ⌈trainExamples / batchSize⌉
 * @param epochs        number of epochs
 * @param optimizer     the GSAM configuration, described
 */
public record TrainingPlan(int trainExamples, int testExamples, int batchSize, int stepsPerEpoch, int epochs,
                           String optimizer) {

    /** Total optimizer steps: epochs × stepsPerEpoch. */
    public long totalSteps() {
        return (long) epochs * stepsPerEpoch;
    }
}
