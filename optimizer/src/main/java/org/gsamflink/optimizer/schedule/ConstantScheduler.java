package org.gsamflink.optimizer.schedule;

/**
 * A constant value, optionally reached by a linear warm-up from {@code initValue} (the base rule of the GSAM
 * authors' {@code gsam/scheduler.py}, with a step function that always returns the value). There is no total
 * number of steps: the value holds for ever, so it suits unbounded streams.
 *
 * <pre>{@code
 * Scheduler lr = ConstantScheduler.of(0.1);                                   // spec "constant:0.1"
 * Scheduler warm = ConstantScheduler.builder().value(0.1).warmupSteps(100).build();
 * //   t < 100: 0.1·t/100;  t ≥ 100: 0.1           spec "constant:value=0.1,warmup=100,init=0.0"
 * }</pre>
 *
 * Required: {@code value}. Optional: {@code warmupSteps} (default {@value #DEFAULT_WARMUP_STEPS}), {@code
 * initValue} (default {@value #DEFAULT_INIT_VALUE}). {@link #maxValue()} and {@link #minValue()} both return the
 * value.
 *
 * <p>Memory cost: four scalars.
 *
 * <p>Reference:
 *
 * <pre>
 * J. Zhuang et al., "Surrogate Gap Minimization Improves Sharpness-Aware Training", ICLR 2022.
 * https://openreview.net/forum?id=edONMAnhLu-
 * </pre>
 */
public final class ConstantScheduler extends WarmupScheduler {

    private static final long serialVersionUID = 1L;

    private ConstantScheduler(double value, double initValue, long warmupSteps) {
        super(value, value, initValue, warmupSteps, UNBOUNDED);
    }

    /** A constant value without warm-up. */
    public static ConstantScheduler of(double value) {
        return builder().value(value).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The constant value (same as {@link #maxValue()}). */
    public double value() {
        return maxValue();
    }

    @Override
    double stepFunction(long t) {
        return maxValue();
    }

    /**
     * {@code constant:<value>} without warm-up, else {@code constant:value=<v>,warmup=<W>,init=<init>}; see {@link
     * Schedulers}.
     */
    @Override
    public String describe() {
        String warmup = describeWarmup();
        return warmup.isEmpty() ? "constant:" + value() : "constant:value=" + value() + warmup;
    }

    /** Builder of {@link ConstantScheduler}; each setter validates its own value. */
    public static final class Builder {
        private double value;
        private boolean valueSet;
        private double initValue = DEFAULT_INIT_VALUE;
        private long warmupSteps = DEFAULT_WARMUP_STEPS;

        private Builder() {}

        /** The constant value; finite and ≥ 0. Required. */
        public Builder value(double value) {
            this.value = checkValue("value", value);
            this.valueSet = true;
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

        /** @throws IllegalStateException if {@code value} was not set */
        public ConstantScheduler build() {
            checkRequired("value", valueSet, "constant");
            return new ConstantScheduler(value, initValue, warmupSteps);
        }
    }
}
