package org.gsamflink.optimizer.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class CosineSchedulerTest {

    private static final double TOL = 1e-12;

    /**
     * max 1.0, min 0.2, T 110, warm-up 10 steps from 0.5; after the warm-up the value is 0.2 + 0.4·(cos(π(t−10)/100)
     * + 1).
     */
    private static CosineScheduler withWarmup() {
        return CosineScheduler.builder()
                .maxValue(1.0)
                .minValue(0.2)
                .totalSteps(110)
                .warmupSteps(10)
                .initValue(0.5)
                .build();
    }

    @Test
    void warmupRisesLinearlyFromInit() {
        CosineScheduler s = withWarmup();
        assertThat(s.valueAt(0)).isEqualTo(0.5);
        assertThat(s.valueAt(5)).isCloseTo(0.75, within(TOL));
        assertThat(s.valueAt(9)).isCloseTo(0.95, within(TOL));
    }

    @Test
    void peaksAtEndOfWarmup() {
        assertThat(withWarmup().valueAt(10)).isEqualTo(1.0);
    }

    @Test
    void followsHalfCosineAfterWarmup() {
        CosineScheduler s = withWarmup();
        // cos(π/100) = 0.9995065603657316
        assertThat(s.valueAt(11)).isCloseTo(0.9998026241462927, within(TOL));
        // cos(π/4) = √2/2
        assertThat(s.valueAt(35)).isCloseTo(0.882842712474619, within(TOL));
        // cos(π/2) = 0: half way between max and min
        assertThat(s.valueAt(60)).isCloseTo(0.6, within(TOL));
        // cos(0.99π) = −0.9995065603657316
        assertThat(s.valueAt(109)).isCloseTo(0.20019737585370737, within(TOL));
    }

    @Test
    void staysAtMinFromTOnInsteadOfRisingAgain() {
        CosineScheduler s = withWarmup();
        assertThat(s.valueAt(110)).isEqualTo(0.2);
        assertThat(s.valueAt(160)).isEqualTo(0.2); // the cosine itself would be back at 0.6
        assertThat(s.valueAt(210)).isEqualTo(0.2); // ... and at max here
        assertThat(s.valueAt(1_000_000_000L)).isEqualTo(0.2);
    }

    @Test
    void withoutWarmupStartsAtMax() {
        CosineScheduler s = CosineScheduler.builder().maxValue(2.0).totalSteps(2).build();
        assertThat(s.valueAt(0)).isEqualTo(2.0);
        assertThat(s.valueAt(1)).isCloseTo(1.0, within(TOL));
        assertThat(s.valueAt(2)).isEqualTo(0.0);
    }

    @Test
    void describe() {
        assertThat(withWarmup().describe()).isEqualTo("cosine:max=1.0,min=0.2,T=110,warmup=10,init=0.5");
        assertThat(CosineScheduler.builder().maxValue(0.1).minValue(0.001).totalSteps(5000).build().describe())
                .isEqualTo("cosine:max=0.1,min=0.001,T=5000");
    }

    // --- builder rules ---------------------------------------------------------------------------------------

    @Test
    void setterRules() {
        assertThatThrownBy(() -> CosineScheduler.builder().maxValue(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxValue must be a finite number >= 0, got -1.0");
        assertThatThrownBy(() -> CosineScheduler.builder().minValue(Double.NEGATIVE_INFINITY))
                .hasMessageContaining("minValue must be a finite number >= 0, got -Infinity");
        assertThatThrownBy(() -> CosineScheduler.builder().initValue(-0.5))
                .hasMessageContaining("initValue must be a finite number >= 0, got -0.5");
        assertThatThrownBy(() -> CosineScheduler.builder().warmupSteps(-3))
                .hasMessageContaining("warmupSteps must be >= 0, got -3");
        assertThatThrownBy(() -> CosineScheduler.builder().totalSteps(-5))
                .hasMessageContaining("totalSteps must be > 0, got -5");
    }

    @Test
    void maxValueIsRequired() {
        assertThatThrownBy(() -> CosineScheduler.builder().totalSteps(10).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("maxValue is required for a cosine scheduler");
    }

    @Test
    void totalStepsIsRequired() {
        assertThatThrownBy(() -> CosineScheduler.builder().maxValue(0.1).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("totalSteps is required for a cosine scheduler");
    }

    @Test
    void minMustNotExceedMax() {
        assertThatThrownBy(() -> CosineScheduler.builder().maxValue(0.1).minValue(1).totalSteps(10).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("minValue (1.0) must be <= maxValue (0.1)");
    }

    @Test
    void totalStepsMustExceedWarmup() {
        assertThatThrownBy(() -> CosineScheduler.builder().maxValue(0.1).warmupSteps(20).totalSteps(10).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("totalSteps (10) must be > warmupSteps (20)");
    }
}
