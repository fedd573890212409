package org.gsamflink.optimizer.schedule;

/**
 * A schedule started again at step {@code at}: step t reads the inner schedule at {@code t − at} (at 0 before
 * {@code at}), so its warm-up runs once more from there. Schedules are pure functions of the step counter, which
 * the optimizer keeps going (store versions and RNG seeds follow it); restarting them is therefore a shift of
 * what they see, not a reset of the counter. Used by the training operator's {@code training.on-drift: rewarm}.
 */
public final class RestartedSchedule {

    private RestartedSchedule() {}

    /** {@code inner} restarted at step {@code at} (≥ 0; 0 is {@code inner} itself). */
    public static Scheduler of(Scheduler inner, long at) {
        check(at);
        if (at == 0) {
            return inner;
        }
        return new Scheduler() {
            @Override
            public double valueAt(long t) {
                return inner.valueAt(shifted(t, at));
            }

            @Override
            public String describe() {
                return inner.describe() + " restarted at " + at;
            }
        };
    }

    /** {@code inner} restarted at step {@code at}; the lr it is given is that of the same (actual) step. */
    public static RhoScheduler of(RhoScheduler inner, long at) {
        check(at);
        if (at == 0) {
            return inner;
        }
        return new RhoScheduler() {
            @Override
            public double valueAt(long t, double lr) {
                return inner.valueAt(shifted(t, at), lr);
            }

            @Override
            public String describe() {
                return inner.describe() + " restarted at " + at;
            }
        };
    }

    private static long shifted(long t, long at) {
        return Math.max(0, t - at);
    }

    private static void check(long at) {
        if (at < 0) {
            throw new IllegalArgumentException("a schedule restarts at a step >= 0, got " + at);
        }
    }
}
