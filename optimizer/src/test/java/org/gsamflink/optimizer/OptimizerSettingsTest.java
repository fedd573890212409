package org.gsamflink.optimizer;

import org.gsamflink.optimizer.schedule.ConstantScheduler;
import org.gsamflink.optimizer.schedule.CosineScheduler;
import org.gsamflink.optimizer.schedule.ProportionScheduler;
import org.gsamflink.optimizer.schedule.RhoScheduler;
import org.gsamflink.optimizer.schedule.Scheduler;
import org.gsamflink.optimizer.schedule.Schedulers;
import org.gsamflink.optimizer.schedule.StepScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.lang.reflect.Field;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link OptimizerSettings}: defaults, presets, every rule's message, serialization, and the configs it builds. */
class OptimizerSettingsTest {

    private static final OptimizerSettingNames FLAGS = new OptimizerSettingNames("--optimizer", "--alpha",
            "--rho", "--rho-max", "--rho-min", "--perturbation", "--minimize-fp");

    // ---- defaults and presets ----------------------------------------------------------------------------------

    @Test
    void defaults() {
        OptimizerSettings s = OptimizerSettings.builder().build();
        assertThat(s.preset()).isEqualTo(OptimizerSettings.DEFAULT_PRESET).isEqualTo(OptimizerKind.GSAM);
        assertThat(s.alpha()).isEqualTo(OptimizerSettings.DEFAULT_ALPHA).isEqualTo(0.1);
        assertThat(s.rhoSpec()).isEqualTo(OptimizerSettings.DEFAULT_RHO_SPEC).isEqualTo("constant:0.05");
        assertThat(s.lrSchedule()).isNull();
        assertThat(s.perturbation()).isEqualTo(PerturbationMode.NONE);
        assertThat(s.minimizeFp()).isTrue();
        assertThat(s.seed()).isEqualTo(GsamConfig.DEFAULT_SEED);
        assertThat(s).hasToString("OptimizerSettings{preset=gsam, alpha=0.1, rho=constant:0.05, lr=updater, "
                + "perturbation=none, minimizeFp=true, seed=42}");
    }

    @Test
    void sgdIsRhoZeroAlphaZero() {
        OptimizerSettings s = OptimizerSettings.builder().preset(OptimizerKind.SGD).seed(7).build();
        assertThat(s.alpha()).isZero();
        assertThat(s.rhoSpec()).isEqualTo("constant:0.0");
        assertThat(s.perturbation()).isEqualTo(PerturbationMode.NONE);
        assertThat(s.minimizeFp()).isTrue();
        assertThat(s.seed()).isEqualTo(7);
        assertThat(s.toGsamConfig().rhoScheduler().valueAt(0, 0.1)).isZero();
    }

    @Test
    void samIsAlphaZeroWithAnyPerturbation() {
        OptimizerSettings s = OptimizerSettings.builder().preset(OptimizerKind.SAM).build();
        assertThat(s.alpha()).isZero();
        assertThat(s.rhoSpec()).isEqualTo("constant:0.05");
        assertThat(s.perturbation()).isEqualTo(PerturbationMode.NONE);
        assertThat(OptimizerSettings.builder().preset(OptimizerKind.SAM).perturbation(PerturbationMode.PAPER).build()
                .perturbation()).isEqualTo(PerturbationMode.PAPER);
    }

    @Test
    void asamIsAlphaZeroAdaptiveWithItsOwnDefaultRho() {
        OptimizerSettings s = OptimizerSettings.builder().preset(OptimizerKind.ASAM).build();
        assertThat(s.alpha()).isZero();
        assertThat(s.perturbation()).isEqualTo(PerturbationMode.ASAM);
        assertThat(s.rhoSpec()).isEqualTo("constant:" + OptimizerSettings.DEFAULT_ASAM_RHO).isEqualTo("constant:0.5");
        assertThat(OptimizerSettings.builder().preset(OptimizerKind.ASAM).perturbation(PerturbationMode.ASAM).build())
                .isEqualTo(s);
    }

    @Test
    void gsamTakesEverySetting() {
        OptimizerSettings s = OptimizerSettings.builder().preset(OptimizerKind.GSAM).alpha(0.4).rho("constant:0.1")
                .lrSchedule("cosine:max=0.1,T=100").perturbation(PerturbationMode.PAPER).minimizeFp(false).seed(3)
                .build();
        assertThat(s).hasToString("OptimizerSettings{preset=gsam, alpha=0.4, rho=constant:0.1, "
                + "lr=cosine:max=0.1,T=100, perturbation=paper, minimizeFp=false, seed=3}");
    }

    // ---- the ρ range: constant or following the lr -------------------------------------------------------------

    @Test
    void rhoRangeBelowMaxFollowsTheLearningRate() {
        OptimizerSettings s = OptimizerSettings.builder().rhoMax(0.1).rhoMin(0.02).lrRange(0.05, 0.0005).build();
        ProportionScheduler expected = ProportionScheduler.builder().lrMax(0.05).lrMin(0.0005).rhoMax(0.1)
                .rhoMin(0.02).build();
        assertThat(s.rhoSpec()).isEqualTo(expected.describe());
        assertThat(Schedulers.parseRho(s.rhoSpec())).isEqualTo(expected);
    }

    @Test
    void rhoRangeWithEqualEndsIsConstantAndNeedsNoLrRange() {
        assertThat(OptimizerSettings.builder().rhoMax(0.2).rhoMin(0.2).build().rhoSpec()).isEqualTo("constant:0.2");
        assertThat(OptimizerSettings.builder().rhoMax(0.2).build().rhoSpec()).isEqualTo("constant:0.2");
        // ρ_min alone defaults ρ_max to the preset's.
        assertThat(OptimizerSettings.builder().preset(OptimizerKind.ASAM).rhoMin(0.1).lrRange(0.1, 0).build()
                .rhoSpec()).isEqualTo("proportion:lrMax=0.1,lrMin=0.0,rhoMax=0.5,rhoMin=0.1");
    }

    @Test
    void effectiveRhoRangeAppliesThePresetsDefaults() {
        OptimizerSettings.Builder gsam = OptimizerSettings.builder();
        assertThat(gsam.effectiveRhoMax()).isEqualTo(OptimizerSettings.DEFAULT_RHO);
        assertThat(gsam.rhoMin(0.01).effectiveRhoMin()).isEqualTo(0.01);
        OptimizerSettings.Builder asam = OptimizerSettings.builder().preset(OptimizerKind.ASAM);
        assertThat(asam.effectiveRhoMax()).isEqualTo(OptimizerSettings.DEFAULT_ASAM_RHO);
        assertThat(asam.effectiveRhoMin()).isEqualTo(OptimizerSettings.DEFAULT_ASAM_RHO);
        OptimizerSettings.Builder sgd = OptimizerSettings.builder().preset(OptimizerKind.SGD).rhoMax(0.3).rhoMin(0.1);
        assertThat(sgd.effectiveRhoMax()).isZero();
        assertThat(sgd.effectiveRhoMin()).isZero();
    }

    @Test
    void decayingRhoRangeNeedsTheLrRange() {
        assertThatThrownBy(() -> OptimizerSettings.builder().rhoMin(0.01).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("rhoMin (0.01) below rhoMax (0.05) makes rho follow the learning rate: the lr range "
                        + "(lrRange) is required");
        // check() alone does not need it.
        assertThat(OptimizerSettings.builder().rhoMin(0.01).check()).isNotNull();
    }

    @Test
    void lrRangeUpsideDownIsTheProportionSchedulersRule() {
        assertThatThrownBy(() -> OptimizerSettings.builder().rhoMin(0.01).lrRange(0.01, 0.1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lrMax (0.01) must be >= lrMin (0.1)");
    }

    // ---- every rule and its message ----------------------------------------------------------------------------

    static Stream<Arguments> rules() {
        return Stream.of(
                rule(b -> b.alpha(-0.5), "alpha must be a finite number >= 0, got -0.5"),
                rule(b -> b.alpha(Double.NaN), "alpha must be a finite number >= 0, got NaN"),
                rule(b -> b.rhoMax(-1), "rhoMax must be a finite number >= 0, got -1.0"),
                rule(b -> b.rhoMin(Double.POSITIVE_INFINITY), "rhoMin must be a finite number >= 0, got Infinity"),
                rule(b -> b.lrRange(-0.1, 0), "lrMax must be a finite number >= 0, got -0.1"),
                rule(b -> b.lrRange(0.1, Double.NaN), "lrMin must be a finite number >= 0, got NaN"),
                rule(b -> b.rho("bogus"), "invalid scheduler spec 'bogus'"),
                rule(b -> b.rho("proportion:lrMax=0.1,rhoMax=0.05,speed=3"), "unknown key 'speed'"),
                rule(b -> b.lrSchedule("proportion:lrMax=0.1,rhoMax=0.05"), "use Schedulers.parseRho"),
                rule(b -> b.lrSchedule("cosine:max=abc,T=10"), "max must be a number"),
                rule(b -> b.preset(OptimizerKind.SGD).alpha(0.1).build(),
                        "alpha has no effect with preset sgd (the base optimizer alone, rho 0)"),
                rule(b -> b.preset(OptimizerKind.SGD).rho("constant:0.1").build(),
                        "rho has no effect with preset sgd (the base optimizer alone, rho 0)"),
                rule(b -> b.preset(OptimizerKind.SGD).rhoMax(0.1).build(),
                        "rhoMax has no effect with preset sgd (the base optimizer alone, rho 0)"),
                rule(b -> b.preset(OptimizerKind.SGD).rhoMin(0.1).build(),
                        "rhoMin has no effect with preset sgd (the base optimizer alone, rho 0)"),
                rule(b -> b.preset(OptimizerKind.SGD).perturbation(PerturbationMode.NONE).build(),
                        "perturbation has no effect with preset sgd (the base optimizer alone, rho 0)"),
                rule(b -> b.preset(OptimizerKind.SGD).minimizeFp(true).build(),
                        "minimizeFp has no effect with preset sgd (the base optimizer alone, rho 0)"),
                rule(b -> b.preset(OptimizerKind.SAM).alpha(0.1).build(),
                        "alpha applies only to preset gsam; sam is alpha 0"),
                rule(b -> b.preset(OptimizerKind.ASAM).alpha(0).build(),
                        "alpha applies only to preset gsam; asam is alpha 0"),
                rule(b -> b.preset(OptimizerKind.SAM).minimizeFp(false).build(),
                        "minimizeFp applies only to preset gsam (with alpha 0 both decompositions are the same)"),
                rule(b -> b.preset(OptimizerKind.ASAM).perturbation(PerturbationMode.PAPER).build(),
                        "preset asam uses perturbation asam, not paper (use preset sam with perturbation paper)"),
                rule(b -> b.rho("constant:0.1").rhoMax(0.2).build(),
                        "rho (a schedule) and rhoMax/rhoMin (a range) exclude each other"),
                rule(b -> b.rho("constant:0.1").rhoMin(0.2).build(),
                        "rho (a schedule) and rhoMax/rhoMin (a range) exclude each other"),
                rule(b -> b.rhoMax(0.05).rhoMin(0.1).build(), "rhoMin (0.1) must not be greater than rhoMax (0.05)"),
                rule(b -> b.rhoMin(0.2).build(), "rhoMin (0.2) must not be greater than rhoMax (0.05)"),
                rule(b -> b.clipNorm(-0.5), "clipNorm must be a finite number > 0 (or 0 for no clipping), got -0.5"),
                rule(b -> b.clipNorm(Double.NEGATIVE_INFINITY),
                        "clipNorm must be a finite number > 0 (or 0 for no clipping), got -Infinity"),
                rule(b -> b.preset(OptimizerKind.ASAM).rhoMin(0.6).build(),
                        "rhoMin (0.6) must not be greater than rhoMax (0.5)"));
    }

    private static Arguments rule(Consumer<OptimizerSettings.Builder> use, String message) {
        return Arguments.of(use, message);
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("rules")
    void everyRuleFailsWithItsMessage(Consumer<OptimizerSettings.Builder> use, String message) {
        assertThatThrownBy(() -> use.accept(OptimizerSettings.builder()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void messagesUseTheFrontEndsNames() {
        assertThatThrownBy(() -> OptimizerSettings.builder(FLAGS).alpha(-0.5))
                .hasMessage("--alpha must be a finite number >= 0, got -0.5");
        assertThatThrownBy(() -> OptimizerSettings.builder(FLAGS).preset(OptimizerKind.SGD).minimizeFp(false).check())
                .hasMessage("--minimize-fp has no effect with --optimizer sgd (the base optimizer alone, rho 0)");
        assertThatThrownBy(() -> OptimizerSettings.builder(FLAGS).preset(OptimizerKind.ASAM)
                .perturbation(PerturbationMode.NONE).check())
                .hasMessage("--optimizer asam uses --perturbation asam, not none (use --optimizer sam with "
                        + "--perturbation none)");
        assertThatThrownBy(() -> OptimizerSettings.builder(FLAGS).rhoMax(0.05).rhoMin(0.1).check())
                .hasMessage("--rho-min (0.1) must not be greater than --rho-max (0.05)");
        assertThat(FLAGS.clipNorm()).isEqualTo("clipNorm");   // the names from before the guards
        OptimizerSettingNames withClip = new OptimizerSettingNames("--optimizer", "--alpha", "--rho", "--rho-max",
                "--rho-min", "--perturbation", "--minimize-fp", "--clip-norm");
        assertThatThrownBy(() -> OptimizerSettings.builder(withClip).clipNorm(-1))
                .hasMessage("--clip-norm must be a finite number > 0 (or 0 for no clipping), got -1.0");
    }

    @Test
    void sgdReportsTheFirstGivenSettingInOrder() {
        assertThatThrownBy(() -> OptimizerSettings.builder().preset(OptimizerKind.SGD).minimizeFp(true).rhoMin(0.1)
                .perturbation(PerturbationMode.ASAM).build())
                .hasMessageStartingWith("rhoMin has no effect");
    }

    @Test
    void nullsAreRejected() {
        assertThatThrownBy(() -> OptimizerSettings.builder().preset(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("preset");
        assertThatThrownBy(() -> OptimizerSettings.builder().perturbation(null))
                .isInstanceOf(NullPointerException.class).hasMessage("perturbation");
        assertThatThrownBy(() -> OptimizerSettings.builder().rho(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> OptimizerSettings.builder(null)).isInstanceOf(NullPointerException.class);
        assertThat(OptimizerSettings.builder().lrSchedule(null).build().lrSchedule()).isNull();
    }

    // ---- value semantics and serialization ---------------------------------------------------------------------

    static Stream<OptimizerSettings> samples() {
        return Stream.of(
                OptimizerSettings.builder().build(),
                OptimizerSettings.builder().preset(OptimizerKind.SGD).lrSchedule("linear:max=0.1,T=10").build(),
                OptimizerSettings.builder().preset(OptimizerKind.SAM).perturbation(PerturbationMode.PAPER)
                        .rhoMax(0.1).rhoMin(0.01).lrRange(0.1, 0).build(),
                OptimizerSettings.builder().preset(OptimizerKind.ASAM).rho("constant:2.0").seed(-1).build(),
                OptimizerSettings.builder().alpha(0.4).rho("proportion:lrMax=0.05,lrMin=0.0005,rhoMax=0.1,rhoMin=0.02")
                        .lrSchedule("cosine:max=0.05,min=0.0005,T=20000,warmup=200").minimizeFp(false).build(),
                OptimizerSettings.builder().preset(OptimizerKind.SGD).clipNorm(1.5)
                        .lossSpikeGuard(LossSpikeGuard.builder().factor(4).windowSize(10).warmupSteps(5).build())
                        .build());
    }

    @ParameterizedTest
    @MethodSource("samples")
    void javaSerializationRoundTrips(OptimizerSettings s) throws Exception {
        OptimizerSettings copy = roundTrip(s);
        assertThat(copy).isEqualTo(s).hasSameHashCodeAs(s).hasToString(s.toString());
        assertSameConfig(copy.toGsamConfig(), s.toGsamConfig());
    }

    @ParameterizedTest
    @MethodSource("samples")
    void toBuilderBuildsEqualSettings(OptimizerSettings s) {
        assertThat(s.toBuilder().build()).isEqualTo(s).isNotSameAs(s);
    }

    @Test
    void guardsAreOffByDefaultFreeWithEveryPresetAndReachTheConfig() {
        OptimizerSettings off = OptimizerSettings.builder().build();
        assertThat(off.clipNorm()).isZero().isEqualTo(OptimizerSettings.DEFAULT_CLIP_NORM);
        assertThat(off.lossSpikeGuard()).isNull();
        assertThat(off.toGsamConfig().clipsDirection()).isFalse();
        assertThat(off.toGsamConfig().lossSpikeGuard()).isNull();
        LossSpikeGuard guard = LossSpikeGuard.ofFactor(5);
        for (OptimizerKind kind : OptimizerKind.values()) {
            OptimizerSettings s = OptimizerSettings.builder().preset(kind).clipNorm(2).lossSpikeGuard(guard).build();
            assertThat(s.clipNorm()).isEqualTo(2);
            assertThat(s.toGsamConfig().clipNorm()).isEqualTo(2);
            assertThat(s.toGsamConfig().lossSpikeGuard()).isEqualTo(guard);
            assertThat(s).isNotEqualTo(OptimizerSettings.builder().preset(kind).build());
            assertThat(s.toString()).endsWith(", clipNorm=2.0, lossSpike=" + guard + "}");
        }
        assertThat(OptimizerSettings.builder().clipNorm(Double.NaN).build()).isEqualTo(off);
    }

    @Test
    void deserializationRejectsInvalidSettings() throws Exception {
        OptimizerSettings s = OptimizerSettings.builder().preset(OptimizerKind.SAM).build();
        Field alpha = OptimizerSettings.class.getDeclaredField("alpha");
        alpha.setAccessible(true);
        alpha.setDouble(s, 0.3);   // a SAM with α > 0 cannot be built
        assertThatThrownBy(() -> roundTrip(s)).isInstanceOf(InvalidObjectException.class)
                .hasMessageContaining("invalid OptimizerSettings");
    }

    @Test
    void toGsamConfigBuildsFreshSchedulers() {
        OptimizerSettings s = OptimizerSettings.builder().rhoMin(0.01).lrRange(0.1, 0.001)
                .lrSchedule("cosine:max=0.1,min=0.001,T=100").build();
        GsamConfig a = s.toGsamConfig();
        GsamConfig b = s.toGsamConfig();
        assertThat(b).isNotSameAs(a);
        assertThat(b.lrScheduler()).isNotSameAs(a.lrScheduler()).isEqualTo(a.lrScheduler());
        assertThat(b.rhoScheduler()).isNotSameAs(a.rhoScheduler()).isEqualTo(a.rhoScheduler());
    }

    // ---- the same GsamConfig as the three old paths ------------------------------------------------------------

    /** The job's and ModelSpec's old path: the six strings and values straight into GsamConfig. */
    @Test
    void sameConfigAsTheSpecStringPath() {
        String rho = "proportion:lrMax=0.05,lrMin=0.0005,rhoMax=0.1,rhoMin=0.02";
        String lr = "cosine:max=0.05,min=0.0005,T=20000,warmup=200";
        GsamConfig old = GsamConfig.builder().alpha(0.4).rhoScheduler(Schedulers.parseRho(rho))
                .perturbation(PerturbationMode.PAPER).minimizeFp(false).seed(9).lrScheduler(Schedulers.parse(lr))
                .build();
        OptimizerSettings now = OptimizerSettings.builder().alpha(0.4).rho(rho).perturbation(PerturbationMode.PAPER)
                .minimizeFp(false).seed(9).lrSchedule(lr).build();
        assertSameConfig(now.toGsamConfig(), old);

        // ModelSpec's defaults: α = GsamConfig.DEFAULT_ALPHA, ρ constant:0.05, the updater's lr.
        GsamConfig oldDefaults = GsamConfig.builder().alpha(GsamConfig.DEFAULT_ALPHA)
                .rhoScheduler(Schedulers.parseRho("constant:0.05")).build();
        assertSameConfig(OptimizerSettings.builder().alpha(GsamConfig.DEFAULT_ALPHA).build().toGsamConfig(),
                oldDefaults);
    }

    static Stream<Arguments> trainCases() {
        Scheduler cosine = CosineScheduler.builder().maxValue(0.1).minValue(0.001).totalSteps(100).warmupSteps(5)
                .build();
        StepScheduler step = StepScheduler.decayAtFractions(0.1, 100, 0.2, 0.3, 0.6, 0.8);
        double stepLowest = step.values()[step.values().length - 1];
        return Stream.of(
                // kind, alpha, rhoMax, rhoMin, perturbation, minimizeFp, lr, lowest lr, lr scheduler
                Arguments.of(OptimizerKind.GSAM, null, null, null, null, null, 0.1, 0.001, cosine),
                Arguments.of(OptimizerKind.GSAM, 0.3, 0.2, 0.05, PerturbationMode.PAPER, false, 0.1, 0.001, cosine),
                Arguments.of(OptimizerKind.GSAM, null, 0.1, 0.02, null, true, 0.1, stepLowest, step),
                Arguments.of(OptimizerKind.GSAM, 0.0, 0.0, 0.0, null, null, 0.1, 0.001, cosine),
                Arguments.of(OptimizerKind.SGD, null, null, null, null, null, 0.1, 0.001, cosine),
                Arguments.of(OptimizerKind.SAM, null, null, null, null, null, 0.1, 0.001, cosine),
                Arguments.of(OptimizerKind.SAM, null, 0.1, 0.01, PerturbationMode.ASAM, null, 0.1, 0.001, cosine),
                Arguments.of(OptimizerKind.ASAM, null, null, null, null, null, 0.1, 0.001, cosine),
                Arguments.of(OptimizerKind.ASAM, null, null, 0.1, PerturbationMode.ASAM, null, 0.1, stepLowest, step),
                Arguments.of(OptimizerKind.ASAM, null, 0.3, null, null, null, 0.1, 0.1,
                        ConstantScheduler.of(0.1)));
    }

    /** {@code gsam-flink train}'s old path: presets and the ρ-follows-lr derivation in TrainCommand, as it was. */
    @ParameterizedTest
    @MethodSource("trainCases")
    void sameConfigAsTheOldTrainCommand(OptimizerKind kind, Double alpha, Double rhoMax, Double rhoMin,
                                        PerturbationMode perturbation, Boolean minimizeFp, double lr, double lowestLr,
                                        Scheduler lrScheduler) {
        GsamConfig old = oldTrainConfig(kind, alpha, rhoMax, rhoMin, perturbation, minimizeFp, lr, lowestLr,
                lrScheduler, 11);

        OptimizerSettings.Builder b = OptimizerSettings.builder().preset(kind).seed(11).lrRange(lr, lowestLr)
                .lrSchedule(lrScheduler.describe());
        if (alpha != null) {
            b.alpha(alpha);
        }
        if (rhoMax != null) {
            b.rhoMax(rhoMax);
        }
        if (rhoMin != null) {
            b.rhoMin(rhoMin);
        }
        if (perturbation != null) {
            b.perturbation(perturbation);
        }
        if (minimizeFp != null) {
            b.minimizeFp(minimizeFp);
        }
        assertSameConfig(b.build().toGsamConfig(), old);
    }

    /** TrainCommand.gsamConfig before the settings existed (its defaults were α 0.1, ρ 0.05, ASAM ρ 0.5). */
    private static GsamConfig oldTrainConfig(OptimizerKind kind, Double alpha, Double rhoMaxOption,
                                             Double rhoMinOption, PerturbationMode perturbation, Boolean minimizeFp,
                                             double lr, double lowestLr, Scheduler lrScheduler, long seed) {
        GsamConfig.Builder b = GsamConfig.builder().lrScheduler(lrScheduler).seed(seed);
        if (kind == OptimizerKind.SGD) {
            return b.rho(0).build();
        }
        double rhoMax = rhoMaxOption != null ? rhoMaxOption : kind == OptimizerKind.ASAM ? 0.5 : 0.05;
        double rhoMin = rhoMinOption != null ? rhoMinOption : rhoMax;
        RhoScheduler rho = rhoMin < rhoMax
                ? ProportionScheduler.builder().lrMax(lr).lrMin(lowestLr).rhoMax(rhoMax).rhoMin(rhoMin).build()
                : RhoScheduler.of(ConstantScheduler.of(rhoMax));
        b.rhoScheduler(rho);
        switch (kind) {
            case SAM -> b.alpha(0).perturbation(perturbation == null ? PerturbationMode.NONE : perturbation);
            case ASAM -> b.alpha(0).perturbation(PerturbationMode.ASAM);
            case GSAM -> b.alpha(alpha == null ? 0.1 : alpha)
                    .perturbation(perturbation == null ? PerturbationMode.NONE : perturbation)
                    .minimizeFp(minimizeFp == null || minimizeFp);
            default -> throw new IllegalStateException();
        }
        return b.build();
    }

    /** Equal settings, equal schedulers (by class and description) and equal values over steps and lrs. */
    static void assertSameConfig(GsamConfig actual, GsamConfig expected) {
        assertThat(actual.toString()).isEqualTo(expected.toString());
        assertThat(actual.alpha()).isEqualTo(expected.alpha());
        assertThat(actual.perturbation()).isEqualTo(expected.perturbation());
        assertThat(actual.minimizeFp()).isEqualTo(expected.minimizeFp());
        assertThat(actual.epsilon()).isEqualTo(expected.epsilon());
        assertThat(actual.seed()).isEqualTo(expected.seed());
        assertThat(actual.lrScheduler()).isEqualTo(expected.lrScheduler());
        assertThat(actual.rhoScheduler().describe()).isEqualTo(expected.rhoScheduler().describe());
        if (expected.rhoScheduler() instanceof ProportionScheduler) {
            assertThat(actual.rhoScheduler()).isEqualTo(expected.rhoScheduler());
        }
        for (long t : new long[] {0, 1, 5, 50, 99, 100, 10_000}) {
            for (double lr : new double[] {0, 0.0005, 0.001, 0.05, 0.1}) {
                assertThat(actual.rhoScheduler().valueAt(t, lr)).isEqualTo(expected.rhoScheduler().valueAt(t, lr));
            }
        }
    }

    private static OptimizerSettings roundTrip(OptimizerSettings s) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(s);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (OptimizerSettings) in.readObject();
        }
    }
}
