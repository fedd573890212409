package org.gsamflink.optimizer.schedule;

/**
 * The perturbation radius ρ_t for step t. It may depend on the learning rate of the same step (see {@link
 * ProportionScheduler}, the GSAM paper's choice) or be an ordinary {@link Scheduler} of its own ({@link #of}).
 */
@FunctionalInterface
public interface RhoScheduler {

    /** ρ for step {@code t}, given that step's learning rate {@code lr}. */
    double valueAt(long t, double lr);

    /** A short human-readable description. */
    default String describe() {
        return getClass().getSimpleName();
    }

    /** ρ from an independent scheduler that ignores the learning rate. */
    static RhoScheduler of(Scheduler scheduler) {
        return new RhoScheduler() {
            @Override
            public double valueAt(long t, double lr) {
                return scheduler.valueAt(t);
            }

            @Override
            public String describe() {
                return scheduler.describe();
            }
        };
    }
}
