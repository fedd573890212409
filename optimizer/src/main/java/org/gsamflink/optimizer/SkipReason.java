package org.gsamflink.optimizer;

import java.util.Locale;

/**
 * Why {@link Gsam#step} skipped a step. A skipped step leaves the parameters, the updater state, the step counter,
 * DL4J's iteration and epoch counts and the schedulers exactly as they were (only {@link Gsam#skippedSteps()} counts
 * it, and a {@link #LOSS_SPIKE} joins the guard's current run of spikes).
 */
public enum SkipReason {
    /** The clean loss ℓ = L(w) was NaN or infinite. */
    NON_FINITE_LOSS,
    /** The clean gradient g had a NaN or infinite norm. */
    NON_FINITE_GRADIENT,
    /** The perturbed loss ℓ_p or the perturbed gradient g_p was NaN or infinite. */
    NON_FINITE_PERTURBED,
    /**
     * The final direction d (after the decomposition; g when ρ = 0) held a NaN or infinite value, or its norm
     * overflowed the data type (checked before clipping, which would only turn ∞ into NaN).
     */
    NON_FINITE_DIRECTION,
    /**
     * The parameters or the updater state after the update would have held a NaN or infinite value (w − update
     * overflowing, Adam's second moment overflowing while d is finite, …); the update was rolled back.
     */
    NON_FINITE_PARAMETERS,
    /** The clean loss exceeded the configured multiple of its running robust level (the loss-spike guard). */
    LOSS_SPIKE;

    /** The name in metrics records, alerts and logs: {@code non-finite-loss}, {@code loss-spike}, … */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
