package org.gsamflink.optimizer.schedule;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Arrays;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * A piecewise-constant schedule, after an optional warm-up. The GSAM authors' example trains with a step lr
 * ({@code example/utility/step_lr.py}: the base rate, multiplied by 0.2 at 30 %, 60 % and 80 % of training), which
 * {@link #decayAtFractions} reproduces; the builder accepts any piecewise-constant schedule.
 *
 * <p>Milestones m<sub>0</sub> &lt; m<sub>1</sub> &lt; … are absolute step numbers and there is one more value
 * than milestones. With W warm-up steps:
 *
 * <pre>
 *   t &lt; W                 init + (max − init)·t/W       where max = values[0]
 *   t == W                 values[0]
 *   m(i−1) ≤ t &lt; m(i)     values[i]                     (m(−1) = W, m(n) = ∞)
 * </pre>
 *
 * So the value changes exactly at a milestone ({@code valueAt(m(i)) == values[i + 1]}), as in the authors' {@code
 * epoch < total·3/10} test. Milestones must lie after the warm-up ({@code m(0) > W}) and, when T is set, before
 * it ({@code m(n−1) < T}); the end value ({@link #minValue()}) is the last piece {@code values[n]}, and {@link
 * #maxValue()} is the first piece {@code values[0]} (the warm-up target), whatever their order. T is optional.
 *
 * <pre>{@code
 * Scheduler lr = StepScheduler.builder().values(0.1, 0.02, 0.004).milestones(300, 600).build();
 * //   t < 300: 0.1;  300 ≤ t < 600: 0.02;  t ≥ 600: 0.004     spec "step:values=0.1;0.02;0.004,milestones=300;600"
 * Scheduler seed = StepScheduler.decayAtFractions(0.1, 1000, 0.2, 0.3, 0.6, 0.8);
 * //   milestones 300, 600, 800;  values 0.1, 0.1·0.2, 0.1·0.2², 0.1·0.2³
 * }</pre>
 *
 * Required: {@code values}. Optional: {@code milestones} (default none: a constant), {@code totalSteps} (default
 * unbounded), {@code warmupSteps} (default {@value #DEFAULT_WARMUP_STEPS}), {@code initValue} (default {@value
 * #DEFAULT_INIT_VALUE}).
 *
 * <p>Memory cost: the two arrays (n longs, n + 1 doubles) and four scalars.
 *
 * <p>Reference:
 *
 * <pre>
 * J. Zhuang et al., "Surrogate Gap Minimization Improves Sharpness-Aware Training", ICLR 2022.
 * https://openreview.net/forum?id=edONMAnhLu-
 * </pre>
 */
public final class StepScheduler extends WarmupScheduler {

    private static final long serialVersionUID = 1L;

    private final long[] milestones;
    private final double[] values;

    private StepScheduler(long[] milestones, double[] values, double initValue, long warmupSteps, long totalSteps) {
        super(values[0], values[values.length - 1], initValue, warmupSteps, totalSteps);
        this.milestones = milestones;
        this.values = values;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The authors' example step lr over T steps: {@code maxValue} until the first fraction of T, then multiplied by
     * {@code factor} at each fraction, i.e. {@code values[k] = maxValue·factor^k} and {@code milestones[k] =
     * ⌈fractions[k]·T⌉} (the first step t with {@code t >= fractions[k]·T}; the product is taken on the decimal
     * values as written, so 0.3 of 1000 is exactly 300). The seed's schedule is {@code decayAtFractions(lr, T, 0.2,
     * 0.3, 0.6, 0.8)}. No warm-up; use the {@link #builder()} for one.
     *
     * @param maxValue the first value; finite and ≥ 0
     * @param totalSteps T; &gt; 0
     * @param factor the multiplier applied at each milestone; finite and &gt; 0
     * @param fractions strictly increasing, each in (0, 1); they must give distinct milestones below T
     * @throws IllegalArgumentException if an argument breaks one of these rules
     */
    public static StepScheduler decayAtFractions(double maxValue, long totalSteps, double factor, double... fractions) {
        checkValue("maxValue", maxValue);
        checkTotalSteps(totalSteps);
        if (!Double.isFinite(factor) || factor <= 0) {
            throw new IllegalArgumentException("factor must be a finite number > 0, got " + factor);
        }
        Objects.requireNonNull(fractions, "fractions");
        long[] milestones = new long[fractions.length];
        double[] values = new double[fractions.length + 1];
        values[0] = maxValue;
        for (int k = 0; k < fractions.length; k++) {
            double f = fractions[k];
            if (!Double.isFinite(f) || f <= 0 || f >= 1) {
                throw new IllegalArgumentException("fractions[" + k + "] must be in (0, 1), got " + f);
            }
            if (k > 0 && f <= fractions[k - 1]) {
                throw new IllegalArgumentException("fractions must be strictly increasing, got fractions[" + k
                        + "]=" + f + " after fractions[" + (k - 1) + "]=" + fractions[k - 1]);
            }
            milestones[k] = BigDecimal.valueOf(f)
                    .multiply(BigDecimal.valueOf(totalSteps))
                    .setScale(0, RoundingMode.CEILING)
                    .longValueExact();
            if (k > 0 && milestones[k] == milestones[k - 1]) {
                throw new IllegalArgumentException("fractions[" + (k - 1) + "]=" + fractions[k - 1] + " and fractions["
                        + k + "]=" + f + " give the same milestone " + milestones[k] + " for totalSteps "
                        + totalSteps);
            }
            values[k + 1] = maxValue * Math.pow(factor, k + 1);
        }
        return builder().values(values).milestones(milestones).totalSteps(totalSteps).build();
    }

    /** The milestones (a copy). */
    public long[] milestones() {
        return milestones.clone();
    }

    /** The values, one more than the milestones (a copy). */
    public double[] values() {
        return values.clone();
    }

    @Override
    double stepFunction(long t) {
        int i = Arrays.binarySearch(milestones, t);
        // number of milestones <= t
        int piece = i >= 0 ? i + 1 : -(i + 1);
        return values[piece];
    }

    /** {@code step:values=v0;v1;…[,milestones=m0;m1;…][,T=…][,warmup=…,init=…]}; see {@link Schedulers}. */
    @Override
    public String describe() {
        StringJoiner v = new StringJoiner(";", "step:values=", "");
        for (double value : values) {
            v.add(Double.toString(value));
        }
        StringBuilder sb = new StringBuilder(v.toString());
        if (milestones.length > 0) {
            StringJoiner m = new StringJoiner(";", ",milestones=", "");
            for (long milestone : milestones) {
                m.add(Long.toString(milestone));
            }
            sb.append(m);
        }
        return sb.append(describeTotal()).append(describeWarmup()).toString();
    }

    /** Builder of {@link StepScheduler}; each setter validates its own value, {@link #build()} the rest. */
    public static final class Builder {
        private double[] values;
        private long[] milestones = new long[0];
        private double initValue = DEFAULT_INIT_VALUE;
        private long warmupSteps = DEFAULT_WARMUP_STEPS;
        private long totalSteps = UNBOUNDED;

        private Builder() {}

        /** The pieces' values, in order; at least one, each finite and ≥ 0. Required. */
        public Builder values(double... values) {
            Objects.requireNonNull(values, "values");
            if (values.length == 0) {
                throw new IllegalArgumentException("values must not be empty");
            }
            double[] copy = new double[values.length];
            for (int i = 0; i < values.length; i++) {
                copy[i] = checkValue("values[" + i + "]", values[i]);
            }
            this.values = copy;
            return this;
        }

        /** Absolute steps at which the next value starts; each &gt; 0, strictly increasing (may be empty). */
        public Builder milestones(long... milestones) {
            Objects.requireNonNull(milestones, "milestones");
            for (int i = 0; i < milestones.length; i++) {
                if (milestones[i] <= 0) {
                    throw new IllegalArgumentException("milestones[" + i + "] must be > 0, got " + milestones[i]);
                }
                if (i > 0 && milestones[i] <= milestones[i - 1]) {
                    throw new IllegalArgumentException("milestones must be strictly increasing, got milestones["
                            + i + "]=" + milestones[i] + " after milestones[" + (i - 1) + "]=" + milestones[i - 1]);
                }
            }
            this.milestones = milestones.clone();
            return this;
        }

        /** Value at t = 0 of the warm-up; finite and ≥ 0. */
        public Builder initValue(double initValue) {
            this.initValue = checkValue("initValue", initValue);
            return this;
        }

        /** Number of warm-up steps; ≥ 0 (0 = none). */
        public Builder warmupSteps(long warmupSteps) {
            this.warmupSteps = checkWarmupSteps(warmupSteps);
            return this;
        }

        /** Total number of steps T (&gt; 0); leave unset for an unbounded stream. */
        public Builder totalSteps(long totalSteps) {
            this.totalSteps = checkTotalSteps(totalSteps);
            return this;
        }

        /**
         * @throws IllegalStateException if {@code values} was not set
         * @throws IllegalArgumentException if {@code values.length != milestones.length + 1}, the first milestone
         *     is not after the warm-up, the last is not before {@code totalSteps}, or {@code totalSteps <=
         *     warmupSteps}
         */
        public StepScheduler build() {
            checkRequired("values", values != null, "step");
            if (values.length != milestones.length + 1) {
                throw new IllegalArgumentException("values.length (" + values.length
                        + ") must be milestones.length + 1 (" + (milestones.length + 1) + ")");
            }
            checkTotalAfterWarmup(totalSteps, warmupSteps);
            if (milestones.length > 0 && milestones[0] <= warmupSteps) {
                throw new IllegalArgumentException("milestones[0] (" + milestones[0] + ") must be > warmupSteps ("
                        + warmupSteps + ")");
            }
            int last = milestones.length - 1;
            if (totalSteps != UNBOUNDED && last >= 0 && milestones[last] >= totalSteps) {
                throw new IllegalArgumentException("milestones[" + last + "] (" + milestones[last]
                        + ") must be < totalSteps (" + totalSteps + ")");
            }
            return new StepScheduler(milestones.clone(), values.clone(), initValue, warmupSteps, totalSteps);
        }
    }
}
