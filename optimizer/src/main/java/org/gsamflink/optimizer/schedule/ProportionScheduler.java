package org.gsamflink.optimizer.schedule;

import java.io.Serializable;

/**
 * ρ proportional to the learning rate of the same step ({@code ProportionScheduler} of the GSAM authors' {@code
 * gsam/scheduler.py}, the schedule the GSAM paper uses): ρ moves between {@code rhoMin} and {@code rhoMax} as the
 * lr moves between {@code lrMin} and {@code lrMax},
 *
 * <pre>
 *   ρ = max(0, ρ_min + (ρ_max − ρ_min)·(lr − lr_min)/(lr_max − lr_min))     if lr_max &gt; lr_min
 *   ρ = ρ_max                                                              if lr_max == lr_min
 * </pre>
 *
 * <p>Set {@code lrMax}/{@code lrMin} to the max/min of the lr scheduler that drives the base optimizer, so ρ
 * reaches {@code rhoMax} at the peak lr and {@code rhoMin} at the end lr (paper, ResNet: ρ 0.04 → 0.02).
 *
 * <p>Differences from the public code, on purpose:
 *
 * <ul>
 *   <li>The result is clamped at 0. During a warm-up that starts below {@code lrMin} (e.g. from {@code init = 0}
 *       with {@code lrMin > 0}) the formula goes negative; neither the authors' PyTorch code nor the JAX
 *       implementation (big_vision) clamps it. Only the lower end is clamped: an lr above {@code lrMax} still gives
 *       ρ above {@code rhoMax}, as in both public codes.
 *   <li>With {@code lrMax == lrMin} the authors' code additionally asserts {@code rhoMax == rhoMin}; here ρ is
 *       simply {@code rhoMax}, whatever {@code rhoMin} is.
 * </ul>
 *
 * <pre>{@code
 * RhoScheduler rho = ProportionScheduler.builder().lrMax(0.1).lrMin(0.001).rhoMax(0.04).rhoMin(0.02).build();
 * //   spec "proportion:lrMax=0.1,lrMin=0.001,rhoMax=0.04,rhoMin=0.02" (Schedulers.parseRho)
 * }</pre>
 *
 * Required: {@code lrMax}, {@code rhoMax}. Optional: {@code lrMin} (default {@value #DEFAULT_LR_MIN}, ≤ {@code
 * lrMax}), {@code rhoMin} (default {@value #DEFAULT_RHO_MIN}, ≤ {@code rhoMax}). All finite and ≥ 0. Immutable;
 * the value depends on the lr only, not on t.
 *
 * <p>Memory cost: four scalars.
 *
 * <p>Reference:
 *
 * <pre>
 * J. Zhuang, B. Gong, L. Yuan, Y. Cui, H. Adam, N. Dvornek, S. Tatikonda, J. Duncan, T. Liu.
 * "Surrogate Gap Minimization Improves Sharpness-Aware Training", ICLR 2022.
 * https://openreview.net/forum?id=edONMAnhLu-
 * </pre>
 */
public final class ProportionScheduler implements RhoScheduler, Serializable {

    private static final long serialVersionUID = 1L;

    /** Default lr at which ρ = ρ_min. */
    public static final double DEFAULT_LR_MIN = 0.0;
    /** Default ρ at lr = lr_min. */
    public static final double DEFAULT_RHO_MIN = 0.0;

    private final double lrMax;
    private final double lrMin;
    private final double rhoMax;
    private final double rhoMin;

    private ProportionScheduler(double lrMax, double lrMin, double rhoMax, double rhoMin) {
        this.lrMax = lrMax;
        this.lrMin = lrMin;
        this.rhoMax = rhoMax;
        this.rhoMin = rhoMin;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * ρ for the given learning rate (see the class Javadoc); {@code t} is not used.
     *
     * @throws IllegalArgumentException if {@code lr} is not finite
     */
    @Override
    public double valueAt(long t, double lr) {
        if (!Double.isFinite(lr)) {
            throw new IllegalArgumentException("lr must be finite, got " + lr);
        }
        if (lrMax == lrMin) {
            return rhoMax;
        }
        // Same evaluation order as the authors' code.
        double rho = rhoMin + (rhoMax - rhoMin) * (lr - lrMin) / (lrMax - lrMin);
        return Math.max(0.0, rho);
    }

    public double lrMax() {
        return lrMax;
    }

    public double lrMin() {
        return lrMin;
    }

    public double rhoMax() {
        return rhoMax;
    }

    public double rhoMin() {
        return rhoMin;
    }

    /** {@code proportion:lrMax=…,lrMin=…,rhoMax=…,rhoMin=…}, accepted by {@link Schedulers#parseRho(String)}. */
    @Override
    public String describe() {
        return "proportion:lrMax=" + lrMax + ",lrMin=" + lrMin + ",rhoMax=" + rhoMax + ",rhoMin=" + rhoMin;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ProportionScheduler)) {
            return false;
        }
        ProportionScheduler p = (ProportionScheduler) o;
        return Double.compare(lrMax, p.lrMax) == 0
                && Double.compare(lrMin, p.lrMin) == 0
                && Double.compare(rhoMax, p.rhoMax) == 0
                && Double.compare(rhoMin, p.rhoMin) == 0;
    }

    @Override
    public int hashCode() {
        int h = Double.hashCode(lrMax);
        h = 31 * h + Double.hashCode(lrMin);
        h = 31 * h + Double.hashCode(rhoMax);
        return 31 * h + Double.hashCode(rhoMin);
    }

    @Override
    public String toString() {
        return describe();
    }

    /** Builder of {@link ProportionScheduler}; each setter validates its own value, {@link #build()} the rest. */
    public static final class Builder {
        private double lrMax;
        private boolean lrMaxSet;
        private double lrMin = DEFAULT_LR_MIN;
        private double rhoMax;
        private boolean rhoMaxSet;
        private double rhoMin = DEFAULT_RHO_MIN;

        private Builder() {}

        /** The lr at which ρ = ρ_max (the lr scheduler's max); finite and ≥ 0. Required. */
        public Builder lrMax(double lrMax) {
            this.lrMax = WarmupScheduler.checkValue("lrMax", lrMax);
            this.lrMaxSet = true;
            return this;
        }

        /** The lr at which ρ = ρ_min (the lr scheduler's min); finite and ≥ 0. */
        public Builder lrMin(double lrMin) {
            this.lrMin = WarmupScheduler.checkValue("lrMin", lrMin);
            return this;
        }

        /** ρ at lr = lr_max; finite and ≥ 0. Required. */
        public Builder rhoMax(double rhoMax) {
            this.rhoMax = WarmupScheduler.checkValue("rhoMax", rhoMax);
            this.rhoMaxSet = true;
            return this;
        }

        /** ρ at lr = lr_min; finite and ≥ 0. */
        public Builder rhoMin(double rhoMin) {
            this.rhoMin = WarmupScheduler.checkValue("rhoMin", rhoMin);
            return this;
        }

        /**
         * @throws IllegalStateException if {@code lrMax} or {@code rhoMax} was not set
         * @throws IllegalArgumentException if {@code lrMax < lrMin} or {@code rhoMax < rhoMin}
         */
        public ProportionScheduler build() {
            WarmupScheduler.checkRequired("lrMax", lrMaxSet, "proportion");
            WarmupScheduler.checkRequired("rhoMax", rhoMaxSet, "proportion");
            if (lrMax < lrMin) {
                throw new IllegalArgumentException("lrMax (" + lrMax + ") must be >= lrMin (" + lrMin + ")");
            }
            if (rhoMax < rhoMin) {
                throw new IllegalArgumentException("rhoMax (" + rhoMax + ") must be >= rhoMin (" + rhoMin + ")");
            }
            return new ProportionScheduler(lrMax, lrMin, rhoMax, rhoMin);
        }
    }
}
