package org.gsamflink.cli.train;

/**
 * Observes an {@link OfflineTrainer} run. Calls come from the training thread in this order: {@link #onStart}
 * once, then for each epoch {@link #onStep} per step followed by {@link #onEpochEnd}, and finally {@link
 * #onFinish} if the run completed (not after an exception). All methods are no-ops by default. A listener that
 * throws aborts the run.
 */
public interface TrainerListener {

    default void onStart(TrainingPlan plan) {}

    default void onStep(StepEvent event) {}

    default void onEpochEnd(EpochSummary summary) {}

    default void onFinish(TrainingResult result) {}
}
