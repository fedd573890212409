package org.gsamflink.optimizer.schedule;

import java.io.Serializable;
import java.util.OptionalLong;

/**
 * Common base of the lr / ρ schedulers of the GSAM authors' {@code gsam/scheduler.py} ({@code SchedulerBase}):
 * an optional linear warm-up followed by the scheduler's own step function, clamped to its end value past the
 * total number of steps.
 *
 * <p>The value for step t (t ≥ 0) is, with W = {@link #warmupSteps()} and T = {@link #totalSteps()}:
 *
 * <pre>
 *   t &lt; W             init + (max − init)·t/W          (linear warm-up)
 *   t == W             max
 *   W &lt; t &lt; T         stepFunction(t)                  (the subclass's rule)
 *   t ≥ T              end value ({@link #minValue()})  (only when T is known; never extrapolates)
 * </pre>
 *
 * The rule lives in {@link #valueAt(long)} only; subclasses supply {@code stepFunction} for W &lt; t &lt; T.
 * T may be absent for schedulers that allow an unbounded stream (constant, poly, step); linear and cosine
 * require it. Whenever T is present it is greater than W, so the warm-up is never cut short.
 *
 * <p>Instances are immutable configuration: the value is a pure function of t, so a restored optimizer that
 * restores its step counter continues the schedule. {@link #describe()} returns the spec accepted by {@link
 * Schedulers#parse(String)}, and {@code Schedulers.parse(s.describe())} equals {@code s}. Two schedulers are
 * {@link #equals equal} when they are of the same class and describe themselves identically ({@code describe()}
 * prints every setting, with doubles in their exact round-trip form).
 *
 * <p>Memory cost: a handful of scalars (plus the milestone and value arrays of a {@link StepScheduler}); no
 * per-parameter state.
 *
 * <p>Reference:
 *
 * <pre>
 * J. Zhuang, B. Gong, L. Yuan, Y. Cui, H. Adam, N. Dvornek, S. Tatikonda, J. Duncan, T. Liu.
 * "Surrogate Gap Minimization Improves Sharpness-Aware Training", ICLR 2022.
 * https://openreview.net/forum?id=edONMAnhLu-
 * </pre>
 */
public abstract class WarmupScheduler implements Scheduler, Serializable {

    private static final long serialVersionUID = 1L;

    /** Default end value ({@code min_value=0.0} in the authors' code). */
    public static final double DEFAULT_MIN_VALUE = 0.0;
    /** Default value at t = 0 of the warm-up ({@code init_value=0.0} in the authors' code). */
    public static final double DEFAULT_INIT_VALUE = 0.0;
    /** Default number of warm-up steps ({@code warmup_steps=0} in the authors' code): no warm-up. */
    public static final long DEFAULT_WARMUP_STEPS = 0L;

    /** Marks an absent total number of steps (unbounded stream). */
    static final long UNBOUNDED = -1L;

    private final double maxValue;
    private final double minValue;
    private final double initValue;
    private final long warmupSteps;
    private final long totalSteps;

    /** Arguments are validated by the subclasses' builders. */
    WarmupScheduler(double maxValue, double minValue, double initValue, long warmupSteps, long totalSteps) {
        this.maxValue = maxValue;
        this.minValue = minValue;
        this.initValue = initValue;
        this.warmupSteps = warmupSteps;
        this.totalSteps = totalSteps;
    }

    /**
     * The value for step {@code t}; see the class Javadoc for the rule.
     *
     * @throws IllegalArgumentException if {@code t < 0}
     */
    @Override
    public final double valueAt(long t) {
        if (t < 0) {
            throw new IllegalArgumentException("t must be >= 0, got " + t);
        }
        if (t < warmupSteps) {
            // Same evaluation order as the authors' code: ((max - init) * t) / warmup.
            return initValue + (maxValue - initValue) * t / warmupSteps;
        }
        if (t == warmupSteps) {
            return maxValue;
        }
        if (totalSteps != UNBOUNDED && t >= totalSteps) {
            return minValue;
        }
        return stepFunction(t);
    }

    /** The scheduler's own rule, called only for {@code warmupSteps < t < totalSteps}. */
    abstract double stepFunction(long t);

    /** The value reached at the end of the warm-up (the peak for the decaying schedules). */
    public double maxValue() {
        return maxValue;
    }

    /** The end value: the value for every t ≥ T when T is known. */
    public double minValue() {
        return minValue;
    }

    /** The value at t = 0 when there is a warm-up. */
    public double initValue() {
        return initValue;
    }

    /** Number of warm-up steps W (0 = no warm-up). */
    public long warmupSteps() {
        return warmupSteps;
    }

    /** Total number of steps T, or empty for an unbounded stream. */
    public OptionalLong totalSteps() {
        return totalSteps == UNBOUNDED ? OptionalLong.empty() : OptionalLong.of(totalSteps);
    }

    @Override
    public final boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        return o != null && o.getClass() == getClass() && describe().equals(((Scheduler) o).describe());
    }

    @Override
    public final int hashCode() {
        return describe().hashCode();
    }

    @Override
    public final String toString() {
        return describe();
    }

    // ----------------------------------------------------------------------------------------------------------
    // Helpers shared by the subclasses: describe() fragments and validation with messages that name the field.

    /** {@code ",T=…"} when T is known, else empty. */
    final String describeTotal() {
        return totalSteps == UNBOUNDED ? "" : ",T=" + totalSteps;
    }

    /** {@code ",warmup=…,init=…"} unless both are at their defaults. */
    final String describeWarmup() {
        if (warmupSteps == DEFAULT_WARMUP_STEPS && Double.compare(initValue, DEFAULT_INIT_VALUE) == 0) {
            return "";
        }
        return ",warmup=" + warmupSteps + ",init=" + initValue;
    }

    /** A finite value ≥ 0; returns it with −0.0 normalised to 0.0. */
    static double checkValue(String field, double value) {
        if (!Double.isFinite(value) || value < 0) {
            throw new IllegalArgumentException(field + " must be a finite number >= 0, got " + value);
        }
        return value + 0.0;
    }

    static long checkWarmupSteps(long warmupSteps) {
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warmupSteps must be >= 0, got " + warmupSteps);
        }
        return warmupSteps;
    }

    static long checkTotalSteps(long totalSteps) {
        if (totalSteps <= 0) {
            throw new IllegalArgumentException("totalSteps must be > 0, got " + totalSteps);
        }
        return totalSteps;
    }

    /** Cross-field rule: a known T must leave room for the warm-up. */
    static void checkTotalAfterWarmup(long totalSteps, long warmupSteps) {
        if (totalSteps != UNBOUNDED && totalSteps <= warmupSteps) {
            throw new IllegalArgumentException("totalSteps (" + totalSteps + ") must be > warmupSteps ("
                    + warmupSteps + ")");
        }
    }

    /** Cross-field rule: the schedule decays from max to min. */
    static void checkMinNotAboveMax(double minValue, double maxValue) {
        if (minValue > maxValue) {
            throw new IllegalArgumentException("minValue (" + minValue + ") must be <= maxValue (" + maxValue
                    + ")");
        }
    }

    static void checkRequired(String field, boolean isSet, String scheduler) {
        if (!isSet) {
            throw new IllegalStateException(field + " is required for a " + scheduler + " scheduler");
        }
    }

    /**
     * The setters the max/min/warm-up/T schedulers share; each validates its own value. Subclasses add their own
     * settings and {@code build()}, which checks the rules across fields.
     */
    public abstract static class RangeBuilder<B extends RangeBuilder<B>> {
        double maxValue;
        boolean maxValueSet;
        double minValue = DEFAULT_MIN_VALUE;
        double initValue = DEFAULT_INIT_VALUE;
        long warmupSteps = DEFAULT_WARMUP_STEPS;
        long totalSteps = UNBOUNDED;

        RangeBuilder() {}

        @SuppressWarnings("unchecked")
        private B self() {
            return (B) this;
        }

        /** Value at the end of the warm-up; finite and ≥ 0. Required. */
        public B maxValue(double maxValue) {
            this.maxValue = checkValue("maxValue", maxValue);
            this.maxValueSet = true;
            return self();
        }

        /** End value, reached at t = T (the asymptote of poly); finite and ≥ 0. */
        public B minValue(double minValue) {
            this.minValue = checkValue("minValue", minValue);
            return self();
        }

        /** Value at t = 0 of the warm-up; finite and ≥ 0. */
        public B initValue(double initValue) {
            this.initValue = checkValue("initValue", initValue);
            return self();
        }

        /** Number of warm-up steps; ≥ 0 (0 = none). */
        public B warmupSteps(long warmupSteps) {
            this.warmupSteps = checkWarmupSteps(warmupSteps);
            return self();
        }

        /** Total number of steps T; &gt; 0 (required by linear and cosine, optional for poly). */
        public B totalSteps(long totalSteps) {
            this.totalSteps = checkTotalSteps(totalSteps);
            return self();
        }
    }
}
