package org.gsamflink.optimizer.schedule;

/**
 * Linear decay from {@code maxValue} to {@code minValue} over T steps, after an optional warm-up ({@code
 * LinearScheduler} of the GSAM authors' {@code gsam/scheduler.py}). With W warm-up steps:
 *
 * <pre>
 *   t &lt; W        init + (max − init)·t/W
 *   t == W        max
 *   W &lt; t &lt; T    max + (min − max)·(t − W)/(T − W)
 *   t ≥ T         min          (never extrapolates below min)
 * </pre>
 *
 * <pre>{@code
 * Scheduler lr = LinearScheduler.builder().maxValue(0.1).minValue(0).totalSteps(1000).warmupSteps(10).build();
 * //   spec "linear:max=0.1,min=0.0,T=1000,warmup=10,init=0.0"
 * }</pre>
 *
 * Required: {@code maxValue}, {@code totalSteps} (&gt; {@code warmupSteps}). Optional: {@code minValue} (default
 * {@value #DEFAULT_MIN_VALUE}, ≤ max), {@code warmupSteps} (default {@value #DEFAULT_WARMUP_STEPS}), {@code
 * initValue} (default {@value #DEFAULT_INIT_VALUE}).
 *
 * <p>Memory cost: five scalars.
 *
 * <p>Reference:
 *
 * <pre>
 * J. Zhuang et al., "Surrogate Gap Minimization Improves Sharpness-Aware Training", ICLR 2022.
 * https://openreview.net/forum?id=edONMAnhLu-
 * </pre>
 */
public final class LinearScheduler extends WarmupScheduler {

    private static final long serialVersionUID = 1L;

    private LinearScheduler(double maxValue, double minValue, double initValue, long warmupSteps, long totalSteps) {
        super(maxValue, minValue, initValue, warmupSteps, totalSteps);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    double stepFunction(long t) {
        long w = warmupSteps();
        long total = totalSteps().getAsLong();
        return maxValue() + (minValue() - maxValue()) * (t - w) / (total - w);
    }

    /** {@code linear:max=…,min=…,T=…[,warmup=…,init=…]}; see {@link Schedulers}. */
    @Override
    public String describe() {
        return "linear:max=" + maxValue() + ",min=" + minValue() + describeTotal() + describeWarmup();
    }

    /** Builder of {@link LinearScheduler}; each setter validates its own value, {@link #build()} the rest. */
    public static final class Builder extends RangeBuilder<Builder> {
        private Builder() {}

        /**
         * @throws IllegalStateException if {@code maxValue} or {@code totalSteps} was not set
         * @throws IllegalArgumentException if {@code minValue > maxValue} or {@code totalSteps <= warmupSteps}
         */
        public LinearScheduler build() {
            checkRequired("maxValue", maxValueSet, "linear");
            checkRequired("totalSteps", totalSteps != UNBOUNDED, "linear");
            checkMinNotAboveMax(minValue, maxValue);
            checkTotalAfterWarmup(totalSteps, warmupSteps);
            return new LinearScheduler(maxValue, minValue, initValue, warmupSteps, totalSteps);
        }
    }
}
