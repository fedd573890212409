package org.gsamflink.optimizer;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GsamConfigTest {

    @Test
    void factoriesConfigureSamAsamAndGsam() {
        GsamConfig sam = GsamConfig.sam(0.05);
        assertThat(sam.alpha()).isZero();
        assertThat(sam.perturbation()).isEqualTo(PerturbationMode.NONE);
        assertThat(sam.rhoScheduler().valueAt(123, 0.1)).isEqualTo(0.05);

        GsamConfig asam = GsamConfig.asam(2.0);
        assertThat(asam.alpha()).isZero();
        assertThat(asam.perturbation()).isEqualTo(PerturbationMode.ASAM);

        GsamConfig gsam = GsamConfig.gsam(0.4, 0.1);
        assertThat(gsam.alpha()).isEqualTo(0.4);
        assertThat(gsam.minimizeFp()).isTrue();
        assertThat(gsam.epsilon()).isEqualTo(1e-12);
        assertThat(gsam.lrScheduler()).isNull();
    }

    @Test
    void toBuilderCopiesEverySetting() {
        GsamConfig a = GsamConfig.builder().alpha(0.3).rho(0.2).perturbation(PerturbationMode.PAPER)
                .minimizeFp(false).epsilon(1e-9).seed(5).build();
        GsamConfig b = a.toBuilder().build();
        assertThat(b.toString()).isEqualTo(a.toString());
        assertThat(b.seed()).isEqualTo(5);
    }

    @Test
    void settersRejectBadValuesNamingTheField() {
        assertThatThrownBy(() -> GsamConfig.builder().alpha(-0.1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("alpha must be a finite number >= 0");
        assertThatThrownBy(() -> GsamConfig.builder().alpha(Double.NaN)).hasMessageContaining("alpha");
        assertThatThrownBy(() -> GsamConfig.builder().rho(-1)).hasMessageContaining("rho must be a finite number >= 0");
        assertThatThrownBy(() -> GsamConfig.builder().rho(Double.POSITIVE_INFINITY)).hasMessageContaining("rho");
        assertThatThrownBy(() -> GsamConfig.builder().epsilon(0)).hasMessageContaining("epsilon must be a finite number > 0");
        assertThatThrownBy(() -> GsamConfig.builder().perturbation(null)).hasMessageContaining("perturbation");
    }

    @Test
    void guardsAreOffByDefaultAndValidated() {
        GsamConfig plain = GsamConfig.sam(0.05);
        assertThat(plain.clipNorm()).isZero().isEqualTo(GsamConfig.DEFAULT_CLIP_NORM);
        assertThat(plain.clipsDirection()).isFalse();
        assertThat(plain.lossSpikeGuard()).isNull();
        assertThat(GsamConfig.builder().rho(0).clipNorm(Double.NaN).build().clipsDirection()).isFalse();
        assertThat(GsamConfig.builder().rho(0).clipNorm(0).build().clipsDirection()).isFalse();
        assertThatThrownBy(() -> GsamConfig.builder().clipNorm(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("clipNorm must be a finite number > 0 (or 0 for no clipping), got -1.0");
        assertThatThrownBy(() -> GsamConfig.builder().clipNorm(Double.POSITIVE_INFINITY))
                .hasMessage("clipNorm must be a finite number > 0 (or 0 for no clipping), got Infinity");

        LossSpikeGuard guard = LossSpikeGuard.ofFactor(3);
        GsamConfig on = GsamConfig.builder().rho(0.1).clipNorm(2).lossSpikeGuard(guard).build();
        assertThat(on.clipNorm()).isEqualTo(2);
        assertThat(on.lossSpikeGuard()).isSameAs(guard);
        assertThat(on.toBuilder().build().toString()).isEqualTo(on.toString())
                .endsWith(", clipNorm=2.0, lossSpike=factor=3.0,window=50,warmup=20,maxConsecutive=5}");
        assertThat(plain.toString()).doesNotContain("clipNorm").doesNotContain("lossSpike");
    }

    @Test
    void buildRequiresRho() {
        assertThatThrownBy(() -> GsamConfig.builder().alpha(0.1).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("rho is required");
    }

    @Test
    void perturbationModeParses() {
        assertThat(PerturbationMode.parse(" ASAM ")).isEqualTo(PerturbationMode.ASAM);
        assertThat(PerturbationMode.parse("paper")).isEqualTo(PerturbationMode.PAPER);
        assertThatThrownBy(() -> PerturbationMode.parse("adaptive"))
                .hasMessageContaining("perturbation mode must be one of none, asam, paper");
    }

    @Test
    void stepSeedsDifferPerStepAndAreStable() {
        assertThat(Gsam.stepSeed(42, 0)).isNotEqualTo(Gsam.stepSeed(42, 1)).isEqualTo(Gsam.stepSeed(42, 0));
        assertThat(Gsam.stepSeed(42, 0)).isNotEqualTo(Gsam.stepSeed(43, 0));
    }
}
