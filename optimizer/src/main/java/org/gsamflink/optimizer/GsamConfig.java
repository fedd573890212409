package org.gsamflink.optimizer;

import org.gsamflink.optimizer.schedule.RestartedSchedule;
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
 *
 * <p>Guards, both off by default: {@link Builder#clipNorm} clips the final direction d by its global norm (after
 * the decomposition, as big_vision's GSAM trainer does), and {@link Builder#lossSpikeGuard} skips isolated loss
 * spikes. The non-finite checks (loss, gradient, perturbed pass, direction, new parameters and updater state) are
 * always on: see {@link SkipReason}.
 */
public final class GsamConfig {

    public static final double DEFAULT_ALPHA = 0.0;
    public static final double DEFAULT_EPSILON = 1e-12;
    public static final PerturbationMode DEFAULT_PERTURBATION = PerturbationMode.NONE;
    public static final boolean DEFAULT_MINIMIZE_FP = true;
    public static final long DEFAULT_SEED = 42L;
    /** No clipping of the direction. */
    public static final double DEFAULT_CLIP_NORM = 0.0;
    /** The full GSAM direction on every step ({@link SharpnessReuse} off). */
    public static final int DEFAULT_SHARPNESS_EVERY = 1;

    private final double alpha;
    private final RhoScheduler rhoScheduler;
    private final Scheduler lrScheduler;
    private final PerturbationMode perturbation;
    private final boolean minimizeFp;
    private final double epsilon;
    private final long seed;
    private final double clipNorm;
    private final LossSpikeGuard lossSpikeGuard;
    private final int sharpnessEvery;

    private GsamConfig(Builder b) {
        this.sharpnessEvery = b.sharpnessEvery;
        this.clipNorm = b.clipNorm;
        this.lossSpikeGuard = b.lossSpikeGuard;
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
        b.clipNorm = clipNorm;
        b.lossSpikeGuard = lossSpikeGuard;
        b.sharpnessEvery = sharpnessEvery;
        return b;
    }

    /**
     * This configuration with its lr and ρ schedules restarted at step {@code at} ({@link RestartedSchedule}): a
     * {@link Gsam} built with it at step {@code at} warms up again. Without an lr scheduler the network's updater
     * rate is not restarted (DL4J's own schedules follow its iteration count).
     */
    public GsamConfig withSchedulesRestartedAt(long at) {
        Builder b = toBuilder();
        b.rhoScheduler = RestartedSchedule.of(rhoScheduler, at);
        b.lrScheduler = lrScheduler == null ? null : RestartedSchedule.of(lrScheduler, at);
        return b.build();
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

    /**
     * The largest norm the final direction d may have, in mean-loss units (the norm of the gradient of the mean
     * minibatch loss, as {@link StepResult#gradNorm()}); 0 when d is not clipped.
     */
    public double clipNorm() {
        return clipNorm;
    }

    /** Whether d is clipped ({@link #clipNorm()} &gt; 0). */
    public boolean clipsDirection() {
        return clipNorm > 0;
    }

    /** The loss-spike guard, or {@code null} when it is off. */
    public LossSpikeGuard lossSpikeGuard() {
        return lossSpikeGuard;
    }

    /** k of {@code sharpness-every}: the full direction every k steps ({@link SharpnessReuse}); 1 = exact GSAM. */
    public int sharpnessEvery() {
        return sharpnessEvery;
    }

    /** The settings; the guards only when they are on. */
    @Override
    public String toString() {
        return "GsamConfig{alpha=" + alpha + ", rho=" + rhoScheduler.describe()
                + ", lr=" + (lrScheduler == null ? "updater" : lrScheduler.describe())
                + ", perturbation=" + perturbation.name().toLowerCase()
                + ", minimizeFp=" + minimizeFp + ", epsilon=" + epsilon + ", seed=" + seed
                + (clipsDirection() ? ", clipNorm=" + clipNorm : "")
                + (lossSpikeGuard != null ? ", lossSpike=" + lossSpikeGuard : "")
                + (sharpnessEvery > 1 ? ", sharpnessEvery=" + sharpnessEvery : "") + '}';
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
        private double clipNorm = DEFAULT_CLIP_NORM;
        private LossSpikeGuard lossSpikeGuard;
        private int sharpnessEvery = DEFAULT_SHARPNESS_EVERY;

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

        /**
         * Clips the final direction d (after the decomposition; g when ρ_t = 0) to this global norm when it is
         * larger: d ← d · clipNorm/‖d‖. In mean-loss units (as {@link StepResult#gradNorm()}: the gradient view's
         * batch sum divided by the batch size); BatchNorm running statistics are not part of d. A finite number
         * &gt; 0, or 0 or NaN for no clipping (the default).
         */
        public Builder clipNorm(double clipNorm) {
            this.clipNorm = checkClipNorm("clipNorm", clipNorm);
            return this;
        }

        /** The loss-spike guard; {@code null} (the default) turns it off. */
        public Builder lossSpikeGuard(LossSpikeGuard lossSpikeGuard) {
            this.lossSpikeGuard = lossSpikeGuard;
            return this;
        }

        /**
         * The full GSAM direction every {@code k} steps, and in between the clean pass plus the cached correction
         * ({@link SharpnessReuse}); 1 (the default) is exact GSAM.
         */
        public Builder sharpnessEvery(int k) {
            this.sharpnessEvery = checkSharpnessEvery("sharpnessEvery", k);
            return this;
        }

        public GsamConfig build() {
            if (rhoScheduler == null) {
                throw new IllegalStateException("rho is required: set rho(…) or rhoScheduler(…) (use rho(0) for the plain base optimizer)");
            }
            return new GsamConfig(this);
        }
    }

    /** {@code k} when it is >= 1; the message names it {@code name}. */
    static int checkSharpnessEvery(String name, int k) {
        if (k < 1) {
            throw new IllegalArgumentException(name + " must be >= 1 (1 = the full GSAM direction every step), got "
                    + k);
        }
        return k;
    }

    /** 0 for "off" (0 or NaN), else {@code clipNorm} if finite and &gt; 0; the message names it {@code name}. */
    static double checkClipNorm(String name, double clipNorm) {
        if (Double.isNaN(clipNorm) || clipNorm == 0) {
            return 0.0;
        }
        if (!(Double.isFinite(clipNorm) && clipNorm > 0)) {
            throw new IllegalArgumentException(name + " must be a finite number > 0 (or 0 for no clipping), got "
                    + clipNorm);
        }
        return clipNorm;
    }
}
