package org.gsamflink.optimizer.schedule;

/**
 * Polynomial (inverse-power) decay after an optional warm-up ({@code PolyScheduler} of the GSAM authors' {@code
 * gsam/scheduler.py}). With W warm-up steps and {@code order ≤ 0}:
 *
 * <pre>
 *   t &lt; W        init + (max − init)·t/W
 *   t == W        max
 *   W &lt; t &lt; T    min + (max − min)·(t − W)^order
 *   t ≥ T         min          (only when T is set)
 * </pre>
 *
 * The decay approaches {@code min} only asymptotically: without T (an unbounded stream, the authors' use) the
 * value never reaches it; with T it drops to {@code min} at t = T. {@code order = 0} keeps {@code max} until T.
 *
 * <pre>{@code
 * Scheduler lr = PolyScheduler.builder().maxValue(0.1).minValue(0).order(-0.5).warmupSteps(10).build();
 * //   t = 11: 0.1,  t = 14: 0.05,  t = 110: 0.01;   spec "poly:max=0.1,min=0.0,order=-0.5,warmup=10,init=0.0"
 * }</pre>
 *
 * Required: {@code maxValue}. Optional: {@code minValue} (default {@value #DEFAULT_MIN_VALUE}, ≤ max), {@code
 * order} (default {@value #DEFAULT_ORDER}, as in the authors' code), {@code totalSteps} (default: unbounded;
 * &gt; {@code warmupSteps}), {@code warmupSteps} (default {@value #DEFAULT_WARMUP_STEPS}), {@code initValue}
 * (default {@value #DEFAULT_INIT_VALUE}).
 *
 * <p>Memory cost: six scalars.
 *
 * <p>Reference:
 *
 * <pre>
 * J. Zhuang et al., "Surrogate Gap Minimization Improves Sharpness-Aware Training", ICLR 2022.
 * https://openreview.net/forum?id=edONMAnhLu-
 * </pre>
 */
public final class PolyScheduler extends WarmupScheduler {

    private static final long serialVersionUID = 1L;

    /** Default exponent ({@code poly_order=-0.5} in the authors' code). */
    public static final double DEFAULT_ORDER = -0.5;

    private final double order;

    private PolyScheduler(
            double maxValue, double minValue, double initValue, long warmupSteps, long totalSteps, double order) {
        super(maxValue, minValue, initValue, warmupSteps, totalSteps);
        this.order = order;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The exponent (≤ 0). */
    public double order() {
        return order;
    }

    @Override
    double stepFunction(long t) {
        return minValue() + (maxValue() - minValue()) * Math.pow(t - warmupSteps(), order);
    }

    /** {@code poly:max=…,min=…,order=…[,T=…][,warmup=…,init=…]}; see {@link Schedulers}. */
    @Override
    public String describe() {
        return "poly:max=" + maxValue() + ",min=" + minValue() + ",order=" + order + describeTotal()
                + describeWarmup();
    }

    /** Builder of {@link PolyScheduler}; each setter validates its own value, {@link #build()} the rest. */
    public static final class Builder extends RangeBuilder<Builder> {
        private double order = DEFAULT_ORDER;

        private Builder() {}

        /** The exponent; finite and ≤ 0, so the value does not grow with t. */
        public Builder order(double order) {
            if (!Double.isFinite(order) || order > 0) {
                throw new IllegalArgumentException("order must be a finite number <= 0, got " + order);
            }
            this.order = order + 0.0;
            return this;
        }

        /**
         * @throws IllegalStateException if {@code maxValue} was not set
         * @throws IllegalArgumentException if {@code minValue > maxValue} or {@code totalSteps <= warmupSteps}
         */
        public PolyScheduler build() {
            checkRequired("maxValue", maxValueSet, "poly");
            checkMinNotAboveMax(minValue, maxValue);
            checkTotalAfterWarmup(totalSteps, warmupSteps);
            return new PolyScheduler(maxValue, minValue, initValue, warmupSteps, totalSteps, order);
        }
    }
}
