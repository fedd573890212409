package org.gsamflink.optimizer.schedule;

/**
 * Half-cosine decay from {@code maxValue} to {@code minValue} over T steps, after an optional warm-up ({@code
 * CosineScheduler} of the GSAM authors' {@code gsam/scheduler.py}). With W warm-up steps:
 *
 * <pre>
 *   t &lt; W        init + (max − init)·t/W
 *   t == W        max
 *   W &lt; t &lt; T    min + (max − min)·(cos(π·(t − W)/(T − W)) + 1)/2
 *   t ≥ T         min          (never extrapolates: the cosine would rise again)
 * </pre>
 *
 * <pre>{@code
 * Scheduler lr = CosineScheduler.builder().maxValue(0.1).minValue(0.001).totalSteps(5000).warmupSteps(100).build();
 * //   spec "cosine:max=0.1,min=0.001,T=5000,warmup=100,init=0.0"
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
public final class CosineScheduler extends WarmupScheduler {

    private static final long serialVersionUID = 1L;

    private CosineScheduler(double maxValue, double minValue, double initValue, long warmupSteps, long totalSteps) {
        super(maxValue, minValue, initValue, warmupSteps, totalSteps);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    double stepFunction(long t) {
        long w = warmupSteps();
        long total = totalSteps().getAsLong();
        double phase = (double) (t - w) / (total - w) * Math.PI;
        return minValue() + (maxValue() - minValue()) * (Math.cos(phase) + 1.0) / 2.0;
    }

    /** {@code cosine:max=…,min=…,T=…[,warmup=…,init=…]}; see {@link Schedulers}. */
    @Override
    public String describe() {
        return "cosine:max=" + maxValue() + ",min=" + minValue() + describeTotal() + describeWarmup();
    }

    /** Builder of {@link CosineScheduler}; each setter validates its own value, {@link #build()} the rest. */
    public static final class Builder extends RangeBuilder<Builder> {
        private Builder() {}

        /**
         * @throws IllegalStateException if {@code maxValue} or {@code totalSteps} was not set
         * @throws IllegalArgumentException if {@code minValue > maxValue} or {@code totalSteps <= warmupSteps}
         */
        public CosineScheduler build() {
            checkRequired("maxValue", maxValueSet, "cosine");
            checkRequired("totalSteps", totalSteps != UNBOUNDED, "cosine");
            checkMinNotAboveMax(minValue, maxValue);
            checkTotalAfterWarmup(totalSteps, warmupSteps);
            return new CosineScheduler(maxValue, minValue, initValue, warmupSteps, totalSteps);
        }
    }
}
