package org.gsamflink.optimizer.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LinearSchedulerTest {

    private static final double TOL = 1e-12;

    /** max 0.1, min 0.01, T 110, warm-up 10 steps from 0: decay of 0.09 over 100 steps. */
    private static LinearScheduler withWarmup() {
        return LinearScheduler.builder().maxValue(0.1).minValue(0.01).totalSteps(110).warmupSteps(10).build();
    }

    @Test
    void warmupRisesLinearlyFromInit() {
        LinearScheduler s = withWarmup();
        assertThat(s.valueAt(0)).isEqualTo(0.0);
        assertThat(s.valueAt(5)).isCloseTo(0.05, within(TOL));
        assertThat(s.valueAt(9)).isCloseTo(0.09, within(TOL));
    }

    @Test
    void peaksAtEndOfWarmup() {
        assertThat(withWarmup().valueAt(10)).isEqualTo(0.1);
    }

    @Test
    void decaysLinearlyAfterWarmup() {
        LinearScheduler s = withWarmup();
        assertThat(s.valueAt(11)).isCloseTo(0.0991, within(TOL)); // 0.1 − 0.09·1/100
        assertThat(s.valueAt(60)).isCloseTo(0.055, within(TOL)); // 0.1 − 0.09·50/100
        assertThat(s.valueAt(109)).isCloseTo(0.0109, within(TOL)); // 0.1 − 0.09·99/100
    }

    @Test
    void staysAtMinFromTOn() {
        LinearScheduler s = withWarmup();
        assertThat(s.valueAt(110)).isEqualTo(0.01);
        assertThat(s.valueAt(111)).isEqualTo(0.01);
        assertThat(s.valueAt(1_000_000_000L)).isEqualTo(0.01);
        assertThat(s.valueAt(Long.MAX_VALUE)).isEqualTo(0.01);
    }

    @Test
    void withoutWarmupStartsAtMax() {
        LinearScheduler s = LinearScheduler.builder().maxValue(1.0).totalSteps(4).build();
        assertThat(s.valueAt(0)).isEqualTo(1.0);
        assertThat(s.valueAt(1)).isEqualTo(0.75);
        assertThat(s.valueAt(2)).isEqualTo(0.5);
        assertThat(s.valueAt(3)).isEqualTo(0.25);
        assertThat(s.valueAt(4)).isEqualTo(0.0);
        assertThat(s.valueAt(5)).isEqualTo(0.0);
    }

    @Test
    void warmupFromNonZeroInit() {
        LinearScheduler s =
                LinearScheduler.builder().maxValue(1.0).initValue(0.5).warmupSteps(4).totalSteps(8).build();
        assertThat(s.valueAt(0)).isEqualTo(0.5);
        assertThat(s.valueAt(2)).isEqualTo(0.75);
        assertThat(s.valueAt(3)).isEqualTo(0.875);
        assertThat(s.valueAt(4)).isEqualTo(1.0);
    }

    @Test
    void gettersAndDefaults() {
        LinearScheduler s = LinearScheduler.builder().maxValue(0.1).totalSteps(10).build();
        assertThat(s.maxValue()).isEqualTo(0.1);
        assertThat(s.minValue()).isEqualTo(WarmupScheduler.DEFAULT_MIN_VALUE);
        assertThat(s.initValue()).isEqualTo(WarmupScheduler.DEFAULT_INIT_VALUE);
        assertThat(s.warmupSteps()).isEqualTo(WarmupScheduler.DEFAULT_WARMUP_STEPS);
        assertThat(s.totalSteps()).hasValue(10);
    }

    @Test
    void rejectsNegativeStep() {
        assertThatThrownBy(() -> withWarmup().valueAt(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("t must be >= 0, got -1");
    }

    @Test
    void describe() {
        assertThat(withWarmup().describe()).isEqualTo("linear:max=0.1,min=0.01,T=110,warmup=10,init=0.0");
        assertThat(LinearScheduler.builder().maxValue(0.1).totalSteps(10).build().describe())
                .isEqualTo("linear:max=0.1,min=0.0,T=10");
    }

    // --- builder rules ---------------------------------------------------------------------------------------

    @Test
    void setterRules() {
        assertThatThrownBy(() -> LinearScheduler.builder().maxValue(-0.1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxValue must be a finite number >= 0, got -0.1");
        assertThatThrownBy(() -> LinearScheduler.builder().maxValue(Double.NaN))
                .hasMessageContaining("maxValue must be a finite number >= 0, got NaN");
        assertThatThrownBy(() -> LinearScheduler.builder().maxValue(Double.POSITIVE_INFINITY))
                .hasMessageContaining("maxValue must be a finite number >= 0, got Infinity");
        assertThatThrownBy(() -> LinearScheduler.builder().minValue(-1))
                .hasMessageContaining("minValue must be a finite number >= 0, got -1.0");
        assertThatThrownBy(() -> LinearScheduler.builder().initValue(Double.NaN))
                .hasMessageContaining("initValue must be a finite number >= 0, got NaN");
        assertThatThrownBy(() -> LinearScheduler.builder().warmupSteps(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("warmupSteps must be >= 0, got -1");
        assertThatThrownBy(() -> LinearScheduler.builder().totalSteps(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("totalSteps must be > 0, got 0");
    }

    @Test
    void maxValueIsRequired() {
        assertThatThrownBy(() -> LinearScheduler.builder().totalSteps(10).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("maxValue is required for a linear scheduler");
    }

    @Test
    void totalStepsIsRequired() {
        assertThatThrownBy(() -> LinearScheduler.builder().maxValue(0.1).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("totalSteps is required for a linear scheduler");
    }

    @Test
    void minMustNotExceedMax() {
        assertThatThrownBy(() -> LinearScheduler.builder().maxValue(0.1).minValue(0.2).totalSteps(10).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("minValue (0.2) must be <= maxValue (0.1)");
    }

    @Test
    void totalStepsMustExceedWarmup() {
        assertThatThrownBy(() -> LinearScheduler.builder().maxValue(0.1).warmupSteps(10).totalSteps(10).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("totalSteps (10) must be > warmupSteps (10)");
    }

    @Test
    void minEqualToMaxIsAConstant() {
        LinearScheduler s = LinearScheduler.builder().maxValue(0.1).minValue(0.1).totalSteps(10).build();
        assertThat(s.valueAt(5)).isEqualTo(0.1);
    }
}
