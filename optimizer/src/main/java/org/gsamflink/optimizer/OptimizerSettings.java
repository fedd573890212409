package org.gsamflink.optimizer;

import org.gsamflink.optimizer.schedule.ConstantScheduler;
import org.gsamflink.optimizer.schedule.ProportionScheduler;
import org.gsamflink.optimizer.schedule.Schedulers;

import java.io.InvalidObjectException;
import java.io.ObjectStreamException;
import java.io.Serializable;
import java.util.Locale;
import java.util.Objects;

/**
 * What a {@link Gsam} optimizer is told, in one typed, validated, immutable and {@link Serializable} value: the
 * preset ({@link OptimizerKind}), α, the ρ schedule and the lr schedule as {@link Schedulers} specs, the
 * perturbation mode, the decomposition and the dropout seed, and the guards (clipping of the direction by its
 * norm, the {@link LossSpikeGuard}; both off by default, and free with every preset). {@link GsamConfig} and the
 * schedulers are not serializable and hold per-model runtime state; {@link #toGsamConfig()} builds them anew for
 * each model.
 *
 * <p>The command line ({@code gsam-flink train}), the cluster job ({@code gsam.*} keys) and the operator's model
 * spec all speak this vocabulary, and the rules live here only:
 * <ul>
 *   <li>{@link OptimizerKind#SGD}: ρ = 0, α = 0; giving α, ρ, the perturbation or the decomposition is an error.
 *   <li>{@link OptimizerKind#SAM}: α = 0 (giving α or the decomposition is an error).
 *   <li>{@link OptimizerKind#ASAM}: α = 0 and {@link PerturbationMode#ASAM} (another mode is an error); its default
 *       ρ is {@value #DEFAULT_ASAM_RHO} (a radius in parameter-relative units), not {@value #DEFAULT_RHO}.
 *   <li>{@link OptimizerKind#GSAM}: every setting free; α defaults to {@value #DEFAULT_ALPHA}.
 *   <li>ρ is either a schedule spec ({@link Builder#rho(String)}, e.g. {@code proportion:…}) or a range
 *       ({@link Builder#rhoMax}, {@link Builder#rhoMin}, default: the preset's ρ, constant): a range with ρ_min below
 *       ρ_max makes ρ follow the learning rate between the {@link Builder#lrRange lr range} (the paper's
 *       proportional schedule, a {@link ProportionScheduler}); equal ends give a constant ρ.
 * </ul>
 *
 * <pre>{@code
 * OptimizerSettings s = OptimizerSettings.builder()
 *     .preset(OptimizerKind.GSAM).alpha(0.4)
 *     .rhoMax(0.1).rhoMin(0.02).lrRange(0.05, 0.0005)          // or .rho("proportion:lrMax=0.05,…")
 *     .lrSchedule("cosine:max=0.05,min=0.0005,T=10000")
 *     .build();
 * GsamConfig config = s.toGsamConfig();                        // fresh scheduler objects every call
 * }</pre>
 *
 * Error messages name each setting as {@link OptimizerSettingNames} spells it: a front end passes its own spelling (the command
 * line's {@code --rho-max}) so that its users read their own vocabulary.
 */
public final class OptimizerSettings implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final OptimizerKind DEFAULT_PRESET = OptimizerKind.GSAM;
    /** The {@link OptimizerKind#GSAM} preset's α when none is given. */
    public static final double DEFAULT_ALPHA = 0.1;
    /** ρ when neither a schedule nor a range is given (all presets but ASAM and SGD). */
    public static final double DEFAULT_RHO = 0.05;
    /** ASAM's radius is in parameter-relative units and typically an order of magnitude larger. */
    public static final double DEFAULT_ASAM_RHO = 0.5;
    /** {@link #DEFAULT_RHO} as a spec. */
    public static final String DEFAULT_RHO_SPEC = "constant:" + DEFAULT_RHO;
    public static final PerturbationMode DEFAULT_PERTURBATION = GsamConfig.DEFAULT_PERTURBATION;
    public static final boolean DEFAULT_MINIMIZE_FP = GsamConfig.DEFAULT_MINIMIZE_FP;
    public static final long DEFAULT_SEED = GsamConfig.DEFAULT_SEED;
    /** No clipping: {@link GsamConfig#DEFAULT_CLIP_NORM}. */
    public static final double DEFAULT_CLIP_NORM = GsamConfig.DEFAULT_CLIP_NORM;

    private final OptimizerKind preset;
    private final double alpha;
    private final String rhoSpec;
    private final String lrSchedule;
    private final PerturbationMode perturbation;
    private final boolean minimizeFp;
    private final long seed;
    /** Added after release 0.1.0: streams without them read as 0 (no clipping) and null (no guard). */
    private final double clipNorm;
    private final LossSpikeGuard lossSpikeGuard;
    /** Added after release 0.1.0: streams without it read as 0, which means 1 (exact GSAM). */
    private final int sharpnessEvery;

    private OptimizerSettings(OptimizerKind preset, double alpha, String rhoSpec, String lrSchedule,
                              PerturbationMode perturbation, boolean minimizeFp, long seed, double clipNorm,
                              LossSpikeGuard lossSpikeGuard, int sharpnessEvery) {
        this.sharpnessEvery = sharpnessEvery;
        this.clipNorm = clipNorm;
        this.lossSpikeGuard = lossSpikeGuard;
        this.preset = preset;
        this.alpha = alpha;
        this.rhoSpec = rhoSpec;
        this.lrSchedule = lrSchedule;
        this.perturbation = perturbation;
        this.minimizeFp = minimizeFp;
        this.seed = seed;
    }

    /** A builder whose messages name the settings as {@link OptimizerSettingNames#DEFAULT} does. */
    public static Builder builder() {
        return new Builder(OptimizerSettingNames.DEFAULT);
    }

    /** A builder whose messages name the settings as {@code names} spells them. */
    public static Builder builder(OptimizerSettingNames names) {
        return new Builder(Objects.requireNonNull(names, "names"));
    }

    /** A builder that builds these settings again (the preset's fixed settings are left unset, as they must be). */
    public Builder toBuilder() {
        Builder b = builder().preset(preset).lrSchedule(lrSchedule).seed(seed).clipNorm(clipNorm)
                .lossSpikeGuard(lossSpikeGuard).sharpnessEvery(sharpnessEvery());
        if (preset != OptimizerKind.SGD) {
            b.rho(rhoSpec).perturbation(perturbation);
        }
        if (preset == OptimizerKind.GSAM) {
            b.alpha(alpha).minimizeFp(minimizeFp);
        }
        return b;
    }

    public OptimizerKind preset() {
        return preset;
    }

    /** α after the preset (0 for every preset but GSAM). */
    public double alpha() {
        return alpha;
    }

    /** ρ's schedule in the {@link Schedulers#parseRho} grammar: as given, or derived from the ρ range. */
    public String rhoSpec() {
        return rhoSpec;
    }

    /** The lr schedule spec, or {@code null}: the network's own updater learning rate stays in charge. */
    public String lrSchedule() {
        return lrSchedule;
    }

    public PerturbationMode perturbation() {
        return perturbation;
    }

    public boolean minimizeFp() {
        return minimizeFp;
    }

    public long seed() {
        return seed;
    }

    /** The clip norm of the direction in mean-loss units ({@link GsamConfig.Builder#clipNorm}); 0: no clipping. */
    public double clipNorm() {
        return clipNorm;
    }

    /** The loss-spike guard, or {@code null} when it is off. */
    public LossSpikeGuard lossSpikeGuard() {
        return lossSpikeGuard;
    }

    /** k of {@code sharpness-every} ({@link SharpnessReuse}): the full direction every k steps; 1 = exact GSAM. */
    public int sharpnessEvery() {
        return Math.max(1, sharpnessEvery);
    }

    /** A new {@link GsamConfig} with new scheduler objects (they carry no state but are never shared). */
    public GsamConfig toGsamConfig() {
        GsamConfig.Builder b = GsamConfig.builder()
                .alpha(alpha)
                .rhoScheduler(Schedulers.parseRho(rhoSpec))
                .perturbation(perturbation)
                .minimizeFp(minimizeFp)
                .seed(seed)
                .clipNorm(clipNorm)
                .lossSpikeGuard(lossSpikeGuard)
                .sharpnessEvery(sharpnessEvery());
        if (lrSchedule != null) {
            b.lrScheduler(Schedulers.parse(lrSchedule));
        }
        return b.build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OptimizerSettings s && preset == s.preset && Double.compare(alpha, s.alpha) == 0
                && rhoSpec.equals(s.rhoSpec) && Objects.equals(lrSchedule, s.lrSchedule)
                && perturbation == s.perturbation && minimizeFp == s.minimizeFp && seed == s.seed
                && Double.compare(clipNorm, s.clipNorm) == 0 && Objects.equals(lossSpikeGuard, s.lossSpikeGuard)
                && sharpnessEvery() == s.sharpnessEvery();
    }

    @Override
    public int hashCode() {
        return Objects.hash(preset, alpha, rhoSpec, lrSchedule, perturbation, minimizeFp, seed, clipNorm,
                lossSpikeGuard, sharpnessEvery());
    }

    @Override
    public String toString() {
        return "OptimizerSettings{preset=" + preset + ", alpha=" + alpha + ", rho=" + rhoSpec + ", lr="
                + (lrSchedule == null ? "updater" : lrSchedule) + ", perturbation=" + lower(perturbation)
                + ", minimizeFp=" + minimizeFp + ", seed=" + seed
                + (clipNorm > 0 ? ", clipNorm=" + clipNorm : "")
                + (lossSpikeGuard != null ? ", lossSpike=" + lossSpikeGuard : "")
                + (sharpnessEvery() > 1 ? ", sharpnessEvery=" + sharpnessEvery : "") + '}';
    }

    /** Deserialized settings pass the builder's rules again (a stream is not trusted to hold valid ones). */
    private Object readResolve() throws ObjectStreamException {
        try {
            Objects.requireNonNull(preset, "preset");
            Objects.requireNonNull(rhoSpec, "rhoSpec");
            Objects.requireNonNull(perturbation, "perturbation");
            OptimizerSettings again = toBuilder().build();
            if (!again.equals(this)) {
                throw new IllegalStateException("settings inconsistent with preset " + preset + ": " + this);
            }
            return again;
        } catch (RuntimeException e) {
            InvalidObjectException invalid = new InvalidObjectException("invalid OptimizerSettings: " + e.getMessage());
            invalid.initCause(e);
            throw invalid;
        }
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    /**
     * Builder: each setter checks its own value; {@link #check()} (called by {@link #build()}) the rules across
     * settings; {@link #build()} then applies the preset and derives the ρ spec. A setting that was never set takes
     * its preset's default.
     */
    public static final class Builder {
        private final OptimizerSettingNames names;
        private OptimizerKind preset = DEFAULT_PRESET;
        private Double alpha;
        private String rho;
        private Double rhoMax;
        private Double rhoMin;
        private double lrMax = Double.NaN;
        private double lrMin = Double.NaN;
        private String lrSchedule;
        private PerturbationMode perturbation;
        private Boolean minimizeFp;
        private long seed = DEFAULT_SEED;
        private double clipNorm = DEFAULT_CLIP_NORM;
        private LossSpikeGuard lossSpikeGuard;
        private int sharpnessEvery = GsamConfig.DEFAULT_SHARPNESS_EVERY;

        private Builder(OptimizerSettingNames names) {
            this.names = names;
        }

        public Builder preset(OptimizerKind preset) {
            this.preset = Objects.requireNonNull(preset, names.preset());
            return this;
        }

        /** Weight of the gap-reducing component (GSAM preset only), finite and ≥ 0. */
        public Builder alpha(double alpha) {
            this.alpha = nonNegative(names.alpha(), alpha);
            return this;
        }

        /** ρ as a {@link Schedulers#parseRho} spec, checked by parsing it; excludes {@link #rhoMax}/{@link #rhoMin}. */
        public Builder rho(String spec) {
            Schedulers.parseRho(spec);
            this.rho = spec;
            return this;
        }

        /** ρ at the peak learning rate, finite and ≥ 0 (default: the preset's ρ). */
        public Builder rhoMax(double rhoMax) {
            this.rhoMax = nonNegative(names.rhoMax(), rhoMax);
            return this;
        }

        /** ρ at the lowest learning rate, finite and ≥ 0 (default: ρ_max, a constant ρ). */
        public Builder rhoMin(double rhoMin) {
            this.rhoMin = nonNegative(names.rhoMin(), rhoMin);
            return this;
        }

        /**
         * The learning rate's peak and lowest value, which a ρ range with ρ_min below ρ_max follows; each finite and
         * ≥ 0 ({@code lrMax ≥ lrMin} is the {@link ProportionScheduler}'s rule, checked when it is built).
         */
        public Builder lrRange(double lrMax, double lrMin) {
            this.lrMax = nonNegative("lrMax", lrMax);
            this.lrMin = nonNegative("lrMin", lrMin);
            return this;
        }

        /** The lr schedule as a {@link Schedulers#parse} spec, checked by parsing it; {@code null}: the updater's. */
        public Builder lrSchedule(String spec) {
            if (spec != null) {
                Schedulers.parse(spec);
            }
            this.lrSchedule = spec;
            return this;
        }

        public Builder perturbation(PerturbationMode perturbation) {
            this.perturbation = Objects.requireNonNull(perturbation, names.perturbation());
            return this;
        }

        /** true: the authors' decomposition d = g_p − α·g_⊥; false: JAX's d = g + α·g_p⊥ (GSAM preset only). */
        public Builder minimizeFp(boolean minimizeFp) {
            this.minimizeFp = minimizeFp;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Clips the final direction to this norm, in mean-loss units ({@link GsamConfig.Builder#clipNorm}): a finite
         * number &gt; 0, or 0 or NaN for no clipping (the default). Allowed with every preset.
         */
        public Builder clipNorm(double clipNorm) {
            this.clipNorm = GsamConfig.checkClipNorm(names.clipNorm(), clipNorm);
            return this;
        }

        /** The loss-spike guard ({@code null}, the default: off). Allowed with every preset. */
        public Builder lossSpikeGuard(LossSpikeGuard lossSpikeGuard) {
            this.lossSpikeGuard = lossSpikeGuard;
            return this;
        }

        /** The full direction every k steps, the cached correction in between ({@link SharpnessReuse}); >= 1. */
        public Builder sharpnessEvery(int k) {
            this.sharpnessEvery = GsamConfig.checkSharpnessEvery("sharpnessEvery", k);
            return this;
        }

        /**
         * The rules across settings that need no learning-rate range, without building; for front ends that check
         * their input before the range is known ({@code gsam-flink train} does so before it reads any data).
         *
         * @throws IllegalArgumentException naming the settings (as {@link OptimizerSettingNames} spells them) that conflict
         */
        public Builder check() {
            if (preset == OptimizerKind.SGD) {
                String[] given = {alpha != null ? names.alpha() : null, rho != null ? names.rho() : null,
                    rhoMax != null ? names.rhoMax() : null, rhoMin != null ? names.rhoMin() : null,
                    perturbation != null ? names.perturbation() : null, minimizeFp != null ? names.minimizeFp() : null};
                for (String name : given) {
                    if (name != null) {
                        throw new IllegalArgumentException(name + " has no effect with " + names.preset() + " sgd (the "
                                + "base optimizer alone, rho 0)");
                    }
                }
            }
            if (alpha != null && preset != OptimizerKind.GSAM) {
                throw new IllegalArgumentException(names.alpha() + " applies only to " + names.preset() + " gsam; "
                        + preset + " is alpha 0");
            }
            if (minimizeFp != null && preset != OptimizerKind.GSAM) {
                throw new IllegalArgumentException(names.minimizeFp() + " applies only to " + names.preset()
                        + " gsam (with alpha 0 both decompositions are the same)");
            }
            if (preset == OptimizerKind.ASAM && perturbation != null && perturbation != PerturbationMode.ASAM) {
                String mode = lower(perturbation);
                throw new IllegalArgumentException(names.preset() + " asam uses " + names.perturbation() + " asam, not "
                        + mode + " (use " + names.preset() + " sam with " + names.perturbation() + " " + mode + ")");
            }
            if (rho != null && (rhoMax != null || rhoMin != null)) {
                throw new IllegalArgumentException(names.rho() + " (a schedule) and " + names.rhoMax() + "/"
                        + names.rhoMin() + " (a range) exclude each other");
            }
            if (effectiveRhoMin() > effectiveRhoMax()) {
                throw new IllegalArgumentException(names.rhoMin() + " (" + effectiveRhoMin() + ") must not be greater "
                        + "than " + names.rhoMax() + " (" + effectiveRhoMax() + ")");
            }
            return this;
        }

        /**
         * @throws IllegalArgumentException if {@link #check()} fails, or the derived {@link ProportionScheduler}
         *         breaks its rules
         * @throws IllegalStateException if ρ follows the learning rate (ρ_min below ρ_max) and {@link #lrRange} was
         *         not given
         */
        public OptimizerSettings build() {
            check();
            return switch (preset) {
                case SGD -> new OptimizerSettings(preset, 0.0, ConstantScheduler.of(0.0).describe(), lrSchedule,
                        PerturbationMode.NONE, DEFAULT_MINIMIZE_FP, seed, clipNorm, lossSpikeGuard, sharpnessEvery);
                case SAM -> new OptimizerSettings(preset, 0.0, rhoSpec(), lrSchedule,
                        perturbation == null ? DEFAULT_PERTURBATION : perturbation, DEFAULT_MINIMIZE_FP, seed, clipNorm, lossSpikeGuard, sharpnessEvery);
                case ASAM -> new OptimizerSettings(preset, 0.0, rhoSpec(), lrSchedule, PerturbationMode.ASAM,
                        DEFAULT_MINIMIZE_FP, seed, clipNorm, lossSpikeGuard, sharpnessEvery);
                case GSAM -> new OptimizerSettings(preset, alpha == null ? DEFAULT_ALPHA : alpha, rhoSpec(), lrSchedule,
                        perturbation == null ? DEFAULT_PERTURBATION : perturbation,
                        minimizeFp == null ? DEFAULT_MINIMIZE_FP : minimizeFp, seed, clipNorm, lossSpikeGuard, sharpnessEvery);
            };
        }

        /** The ρ spec as given, else from the range: proportional to the lr when ρ_min < ρ_max, else constant. */
        private String rhoSpec() {
            if (rho != null) {
                return rho;
            }
            double max = effectiveRhoMax();
            double min = effectiveRhoMin();
            if (!(min < max)) {
                return ConstantScheduler.of(max).describe();
            }
            if (Double.isNaN(lrMax)) {
                throw new IllegalStateException(names.rhoMin() + " (" + min + ") below " + names.rhoMax() + " (" + max
                        + ") makes rho follow the learning rate: the lr range (lrRange) is required");
            }
            return ProportionScheduler.builder().lrMax(lrMax).lrMin(lrMin).rhoMax(max).rhoMin(min).build().describe();
        }

        /**
         * ρ_max after the preset's defaults (0 for SGD; the given value; else {@value #DEFAULT_ASAM_RHO} for ASAM,
         * {@value #DEFAULT_RHO} otherwise): the range {@link #build()} derives the ρ spec from, for front ends with
         * rules of their own about it. Meaningless when a ρ spec is given with {@link #rho}.
         */
        public double effectiveRhoMax() {
            if (preset == OptimizerKind.SGD) {
                return 0.0;
            }
            if (rhoMax != null) {
                return rhoMax;
            }
            return preset == OptimizerKind.ASAM ? DEFAULT_ASAM_RHO : DEFAULT_RHO;
        }

        /** ρ_min after the defaults: the given value (not for SGD), else {@link #effectiveRhoMax()}. */
        public double effectiveRhoMin() {
            return rhoMin != null && preset != OptimizerKind.SGD ? rhoMin : effectiveRhoMax();
        }

        private static double nonNegative(String name, double value) {
            if (!(Double.isFinite(value) && value >= 0)) {
                throw new IllegalArgumentException(name + " must be a finite number >= 0, got " + value);
            }
            return value;
        }
    }
}
