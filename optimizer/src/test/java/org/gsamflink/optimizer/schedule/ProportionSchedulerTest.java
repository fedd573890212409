package org.gsamflink.optimizer.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ProportionSchedulerTest {

    private static final double TOL = 1e-12;

    /** lr 0.01 … 0.1 maps to ρ 0.02 … 0.04. */
    private static ProportionScheduler rho() {
        return ProportionScheduler.builder().lrMax(0.1).lrMin(0.01).rhoMax(0.04).rhoMin(0.02).build();
    }

    @Test
    void followsTheLearningRate() {
        ProportionScheduler p = rho();
        assertThat(p.valueAt(0, 0.1)).isCloseTo(0.04, within(TOL));
        assertThat(p.valueAt(0, 0.01)).isCloseTo(0.02, within(TOL));
        assertThat(p.valueAt(0, 0.055)).isCloseTo(0.03, within(TOL)); // half way
        assertThat(p.valueAt(0, 0.0325)).isCloseTo(0.025, within(TOL)); // a quarter of the way
    }

    @Test
    void ignoresTheStep() {
        ProportionScheduler p = rho();
        assertThat(p.valueAt(1_000_000, 0.055)).isEqualTo(p.valueAt(0, 0.055));
    }

    @Test
    void constantLearningRateGivesRhoMax() {
        ProportionScheduler p = ProportionScheduler.builder().lrMax(0.1).lrMin(0.1).rhoMax(0.05).rhoMin(0.01).build();
        assertThat(p.valueAt(0, 0.1)).isEqualTo(0.05);
        assertThat(p.valueAt(7, 0.0)).isEqualTo(0.05);
        assertThat(p.valueAt(7, 0.3)).isEqualTo(0.05);
    }

    @Test
    void clampsAtZeroDuringAWarmupBelowLrMin() {
        // lr 0.05 … 0.1 → ρ 0.01 … 0.04, slope 0.6: at lr 0 the formula gives 0.01 − 0.03 = −0.02
        ProportionScheduler p = ProportionScheduler.builder().lrMax(0.1).lrMin(0.05).rhoMax(0.04).rhoMin(0.01).build();
        assertThat(p.valueAt(0, 0.0)).isEqualTo(0.0);
        assertThat(p.valueAt(0, 0.025)).isEqualTo(0.0); // −0.005
        assertThat(p.valueAt(0, 0.04)).isCloseTo(0.004, within(TOL)); // positive again
    }

    @Test
    void clampsAlongALinearWarmup() {
        // lr warms up 0 → 0.1 over 10 steps, then decays linearly to 0.05 at T = 110
        LinearScheduler lr = LinearScheduler.builder()
                .maxValue(0.1)
                .minValue(0.05)
                .warmupSteps(10)
                .totalSteps(110)
                .build();
        ProportionScheduler p = ProportionScheduler.builder().lrMax(0.1).lrMin(0.05).rhoMax(0.04).rhoMin(0.01).build();
        assertThat(p.valueAt(0, lr.valueAt(0))).isEqualTo(0.0); // lr 0
        assertThat(p.valueAt(3, lr.valueAt(3))).isEqualTo(0.0); // lr 0.03 → 0.01 − 0.6·0.02 = −0.002
        assertThat(p.valueAt(4, lr.valueAt(4))).isCloseTo(0.004, within(TOL)); // lr 0.04 → 0.01 − 0.6·0.01
        assertThat(p.valueAt(5, lr.valueAt(5))).isCloseTo(0.01, within(TOL)); // lr 0.05 = lrMin
        assertThat(p.valueAt(10, lr.valueAt(10))).isCloseTo(0.04, within(TOL)); // peak
        assertThat(p.valueAt(60, lr.valueAt(60))).isCloseTo(0.025, within(TOL)); // lr 0.075
        assertThat(p.valueAt(110, lr.valueAt(110))).isCloseTo(0.01, within(TOL)); // end
    }

    @Test
    void doesNotClampAboveRhoMax() {
        ProportionScheduler p = ProportionScheduler.builder().lrMax(0.1).lrMin(0.05).rhoMax(0.04).rhoMin(0.01).build();
        assertThat(p.valueAt(0, 0.15)).isCloseTo(0.07, within(TOL));
    }

    @Test
    void defaults() {
        ProportionScheduler p = ProportionScheduler.builder().lrMax(0.2).rhoMax(0.1).build();
        assertThat(p.lrMin()).isEqualTo(ProportionScheduler.DEFAULT_LR_MIN).isEqualTo(0.0);
        assertThat(p.rhoMin()).isEqualTo(ProportionScheduler.DEFAULT_RHO_MIN).isEqualTo(0.0);
        assertThat(p.valueAt(0, 0.1)).isCloseTo(0.05, within(TOL));
    }

    @Test
    void describeAndEquality() {
        assertThat(rho().describe()).isEqualTo("proportion:lrMax=0.1,lrMin=0.01,rhoMax=0.04,rhoMin=0.02");
        assertThat(rho()).isEqualTo(rho()).hasSameHashCodeAs(rho()).hasToString(rho().describe());
        assertThat(rho()).isNotEqualTo(ProportionScheduler.builder().lrMax(0.1).lrMin(0.01).rhoMax(0.04).build());
    }

    @Test
    void rejectsNonFiniteLearningRate() {
        assertThatThrownBy(() -> rho().valueAt(0, Double.NaN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lr must be finite, got NaN");
    }

    // --- builder rules ---------------------------------------------------------------------------------------

    @Test
    void setterRules() {
        assertThatThrownBy(() -> ProportionScheduler.builder().lrMax(-0.1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lrMax must be a finite number >= 0, got -0.1");
        assertThatThrownBy(() -> ProportionScheduler.builder().lrMin(Double.NaN))
                .hasMessageContaining("lrMin must be a finite number >= 0, got NaN");
        assertThatThrownBy(() -> ProportionScheduler.builder().rhoMax(Double.POSITIVE_INFINITY))
                .hasMessageContaining("rhoMax must be a finite number >= 0, got Infinity");
        assertThatThrownBy(() -> ProportionScheduler.builder().rhoMin(-1))
                .hasMessageContaining("rhoMin must be a finite number >= 0, got -1.0");
    }

    @Test
    void lrMaxIsRequired() {
        assertThatThrownBy(() -> ProportionScheduler.builder().rhoMax(0.05).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("lrMax is required for a proportion scheduler");
    }

    @Test
    void rhoMaxIsRequired() {
        assertThatThrownBy(() -> ProportionScheduler.builder().lrMax(0.1).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("rhoMax is required for a proportion scheduler");
    }

    @Test
    void lrMaxMustNotBeBelowLrMin() {
        assertThatThrownBy(() -> ProportionScheduler.builder().lrMax(0.01).lrMin(0.1).rhoMax(0.05).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lrMax (0.01) must be >= lrMin (0.1)");
    }

    @Test
    void rhoMaxMustNotBeBelowRhoMin() {
        assertThatThrownBy(() -> ProportionScheduler.builder().lrMax(0.1).rhoMax(0.01).rhoMin(0.05).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rhoMax (0.01) must be >= rhoMin (0.05)");
    }
}
