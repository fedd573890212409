package org.gsamflink.optimizer;

import org.gsamflink.optimizer.schedule.RhoScheduler;
import org.gsamflink.optimizer.schedule.Scheduler;

import java.util.Objects;

/**
 * Immutable, validated settings of a {@link Gsam} optimizer. The runtime state (step counter, buffers, RNG) lives
 * in {@link Gsam}; this class holds none.
 *
 * <p>SAM and ASAM are GSAM with α = 0 (and, for ASAM, {@link PerturbationMode#ASAM}); use {@link #sam}, {@link
 * #asam} and {@link #gsam} for the common cases:
 *
 * <pre>{@code
 * GsamConfig cfg = GsamConfig.builder()
 *     .alpha(0.4)
 *     .rhoScheduler(ProportionScheduler.builder()...build())
 *     .lrScheduler(CosineScheduler.builder().maxValue(0.1).minValue(0).totalSteps(10_000).build())
 *     .build();
 * }</pre>
 *
 * <p>When no lr scheduler is given, the network's own updater learning rate (and any DL4J {@code ISchedule} on
 * it) stays in charge; ρ schedulers that follow the lr then read that rate.
 */
public final class GsamConfig {

    public static final double DEFAULT_ALPHA = 0.0;
    public static final double DEFAULT_EPSILON = 1e-12;
    public static final PerturbationMode DEFAULT_PERTURBATION = PerturbationMode.NONE;
    public static final boolean DEFAULT_MINIMIZE_FP = true;
    public static final long DEFAULT_SEED = 42L;

    private final double alpha;
    private final RhoScheduler rhoScheduler;
    private final Scheduler lrScheduler;
    private final PerturbationMode perturbation;
    private final boolean minimizeFp;
    private final double epsilon;
    private final long seed;

    private GsamConfig(Builder b) {
        this.alpha = b.alpha;
        this.rhoScheduler = b.rhoScheduler;
        this.lrScheduler = b.lrScheduler;
        this.perturbation = b.perturbation;
        this.minimizeFp = b.minimizeFp;
        this.epsilon = b.epsilon;
        this.seed = b.seed;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** SAM (Foret et al., ICLR 2021): α = 0, plain perturbation, fixed ρ. */
    public static GsamConfig sam(double rho) {
        return builder().alpha(0).rho(rho).build();
    }

    /** ASAM (Kwon et al., ICML 2021) as in the GSAM authors' code: α = 0, {@link PerturbationMode#ASAM}. */
    public static GsamConfig asam(double rho) {
        return builder().alpha(0).rho(rho).perturbation(PerturbationMode.ASAM).build();
    }

    /** GSAM with a fixed ρ. */
    public static GsamConfig gsam(double alpha, double rho) {
        return builder().alpha(alpha).rho(rho).build();
    }

    /** A builder preset with every setting of this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.alpha = alpha;
        b.rhoScheduler = rhoScheduler;
        b.lrScheduler = lrScheduler;
        b.perturbation = perturbation;
        b.minimizeFp = minimizeFp;
        b.epsilon = epsilon;
        b.seed = seed;
        return b;
    }

    public double alpha() {
        return alpha;
    }

    public RhoScheduler rhoScheduler() {
        return rhoScheduler;
    }

    /** The lr scheduler, or {@code null} when the network's own updater learning rate is used. */
    public Scheduler lrScheduler() {
        return lrScheduler;
    }

    public PerturbationMode perturbation() {
        return perturbation;
    }

    public boolean minimizeFp() {
        return minimizeFp;
    }

    public double epsilon() {
        return epsilon;
    }

    public long seed() {
        return seed;
    }

    @Override
    public String toString() {
        return "GsamConfig{alpha=" + alpha + ", rho=" + rhoScheduler.describe()
                + ", lr=" + (lrScheduler == null ? "updater" : lrScheduler.describe())
                + ", perturbation=" + perturbation.name().toLowerCase()
                + ", minimizeFp=" + minimizeFp + ", epsilon=" + epsilon + ", seed=" + seed + '}';
    }

    /** Builder; each setter validates its own value, {@link #build()} the rules across fields. */
    public static final class Builder {
        private double alpha = DEFAULT_ALPHA;
        private RhoScheduler rhoScheduler;
        private Scheduler lrScheduler;
        private PerturbationMode perturbation = DEFAULT_PERTURBATION;
        private boolean minimizeFp = DEFAULT_MINIMIZE_FP;
        private double epsilon = DEFAULT_EPSILON;
        private long seed = DEFAULT_SEED;

        private Builder() {}

        /** Weight of the orthogonal (gap-decreasing) component; 0 gives SAM. Must be finite and ≥ 0. */
        public Builder alpha(double alpha) {
            if (!Double.isFinite(alpha) || alpha < 0) {
                throw new IllegalArgumentException("alpha must be a finite number >= 0, got " + alpha);
            }
            this.alpha = alpha;
            return this;
        }

        /** A constant perturbation radius (finite, ≥ 0; 0 reproduces the base optimizer exactly). */
        public Builder rho(double rho) {
            if (!Double.isFinite(rho) || rho < 0) {
                throw new IllegalArgumentException("rho must be a finite number >= 0, got " + rho);
            }
            this.rhoScheduler = new RhoScheduler() {
                @Override
                public double valueAt(long t, double lr) {
                    return rho;
                }

                @Override
                public String describe() {
                    return "constant:" + rho;
                }
            };
            return this;
        }

        public Builder rhoScheduler(RhoScheduler rhoScheduler) {
            this.rhoScheduler = Objects.requireNonNull(rhoScheduler, "rhoScheduler");
            return this;
        }

        public Builder rhoScheduler(Scheduler rhoScheduler) {
            return rhoScheduler(RhoScheduler.of(Objects.requireNonNull(rhoScheduler, "rhoScheduler")));
        }

        /** Drives the updater's learning rate; {@code null} leaves the network's own rate in charge. */
        public Builder lrScheduler(Scheduler lrScheduler) {
            this.lrScheduler = lrScheduler;
            return this;
        }

        public Builder perturbation(PerturbationMode perturbation) {
            this.perturbation = Objects.requireNonNull(perturbation, "perturbation");
            return this;
        }

        /** true (default): the authors' decomposition d = g_p − α·g_⊥; false: JAX's d = g + α·g_p⊥. */
        public Builder minimizeFp(boolean minimizeFp) {
            this.minimizeFp = minimizeFp;
            return this;
        }

        public Builder epsilon(double epsilon) {
            if (!Double.isFinite(epsilon) || epsilon <= 0) {
                throw new IllegalArgumentException("epsilon must be a finite number > 0, got " + epsilon);
            }
            this.epsilon = epsilon;
            return this;
        }

        /** Seeds the per-step RNG that makes dropout draw the same masks in the clean and perturbed pass. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public GsamConfig build() {
            if (rhoScheduler == null) {
                throw new IllegalStateException("rho is required: set rho(…) or rhoScheduler(…) (use rho(0) for the plain base optimizer)");
            }
            return new GsamConfig(this);
        }
    }
}
