package org.gsamflink.operators;

import java.util.Locale;

/**
 * What the training operator does to a model when its drift detector ({@code drift}: Page-Hinkley on the
 * prequential error) fires ({@code training.on-drift}); the sharpness alarms only alert. Each alarm is alerted
 * whatever the choice, with the {@link #action} taken.
 */
public enum DriftReaction {
    /** Alert only. */
    NONE(TrainingAlert.ALARMED),
    /**
     * Restart the lr and ρ schedules at the current step (their warm-up runs again: a new concept is learnt with
     * the small early steps and radii again); the step counter, the parameters and the updater state go on. The
     * restart step is kept in the model's state. Without {@code gsam.lr-schedule} the updater's own rate is left.
     */
    REWARM(TrainingAlert.REWARMED),
    /**
     * Zero the updater state (Adam's moments, Nesterov's velocity; nothing for plain SGD), so that gradients of the
     * old concept no longer steer the steps; the parameters, the counters and the schedules go on. DL4J's iteration
     * count, and with it Adam's bias correction, is not reset: the first steps after it are about {@code
     * (1 − β1) / √(1 − β2)} times the gradient's sign (≈ 3.2× the lr at Adam's defaults), not the 1× a fresh Adam takes.
     */
    RESET(TrainingAlert.UPDATER_RESET);

    private final String action;

    DriftReaction(String action) {
        this.action = action;
    }

    /** The {@link TrainingAlert#action} of an alarm under this reaction. */
    public String action() {
        return action;
    }

    /** The configuration spelling ({@code none}, {@code rewarm}, {@code reset}), which Flink's enum parsing reads. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
