package org.gsamflink.optimizer.schedule;

/**
 * A value (learning rate or perturbation radius ρ) for every optimizer step t = 0, 1, 2, …
 *
 * <p>Implementations are immutable configuration: the value is a pure function of the step counter, so the only
 * runtime state a scheduler has is the counter itself (kept, together with the last value, by the optimizer's
 * state; see {@code org.gsamflink.optimizer.GsamState}). A restored optimizer therefore continues its schedules
 * rather than restarting them.
 *
 * <p>Semantics follow the GSAM authors' {@code gsam/scheduler.py}: while {@code t < warmup} the value rises
 * linearly from {@code init} to {@code max}; at {@code t == warmup} it is {@code max}; after that the
 * scheduler's own function applies. Past the total number of steps T the value stays at its end value and never
 * extrapolates, so an unbounded stream is safe.
 */
public interface Scheduler {

    /** The value for step {@code t} (t ≥ 0). */
    double valueAt(long t);

    /** A short human-readable description, in the {@link Schedulers} grammar, e.g. {@code cosine:max=0.1,min=0.0,T=10000,warmup=100}. */
    String describe();
}
