package org.gsamflink.optimizer.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ConstantSchedulerTest {

    private static final double TOL = 1e-12;

    @Test
    void constantForEver() {
        ConstantScheduler s = ConstantScheduler.of(0.1);
        assertThat(s.valueAt(0)).isEqualTo(0.1);
        assertThat(s.valueAt(1)).isEqualTo(0.1);
        assertThat(s.valueAt(1_000_000_000_000L)).isEqualTo(0.1);
        assertThat(s.value()).isEqualTo(0.1);
        assertThat(s.maxValue()).isEqualTo(0.1);
        assertThat(s.minValue()).isEqualTo(0.1);
        assertThat(s.totalSteps()).isEmpty();
    }

    @Test
    void warmupFromInit() {
        ConstantScheduler s = ConstantScheduler.builder().value(0.1).warmupSteps(10).initValue(0.02).build();
        assertThat(s.valueAt(0)).isEqualTo(0.02);
        assertThat(s.valueAt(5)).isCloseTo(0.06, within(TOL)); // 0.02 + 0.08·5/10
        assertThat(s.valueAt(9)).isCloseTo(0.092, within(TOL)); // 0.02 + 0.08·9/10
        assertThat(s.valueAt(10)).isEqualTo(0.1);
        assertThat(s.valueAt(11)).isEqualTo(0.1);
        assertThat(s.valueAt(1_000_000)).isEqualTo(0.1);
    }

    @Test
    void warmupFromDefaultInitZero() {
        ConstantScheduler s = ConstantScheduler.builder().value(2.0).warmupSteps(4).build();
        assertThat(s.valueAt(0)).isEqualTo(0.0);
        assertThat(s.valueAt(1)).isEqualTo(0.5);
        assertThat(s.valueAt(3)).isEqualTo(1.5);
        assertThat(s.valueAt(4)).isEqualTo(2.0);
    }

    @Test
    void zeroIsAllowed() {
        assertThat(ConstantScheduler.of(0).valueAt(3)).isEqualTo(0.0);
    }

    @Test
    void describe() {
        assertThat(ConstantScheduler.of(0.1).describe()).isEqualTo("constant:0.1");
        assertThat(ConstantScheduler.builder().value(0.1).warmupSteps(10).build().describe())
                .isEqualTo("constant:value=0.1,warmup=10,init=0.0");
        assertThat(ConstantScheduler.builder().value(0.1).initValue(0.5).build().describe())
                .isEqualTo("constant:value=0.1,warmup=0,init=0.5");
        assertThat(ConstantScheduler.of(0.1)).hasToString("constant:0.1");
    }

    @Test
    void setterRules() {
        assertThatThrownBy(() -> ConstantScheduler.of(-0.1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("value must be a finite number >= 0, got -0.1");
        assertThatThrownBy(() -> ConstantScheduler.builder().value(Double.NaN))
                .hasMessageContaining("value must be a finite number >= 0, got NaN");
        assertThatThrownBy(() -> ConstantScheduler.builder().initValue(-1))
                .hasMessageContaining("initValue must be a finite number >= 0, got -1.0");
        assertThatThrownBy(() -> ConstantScheduler.builder().warmupSteps(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("warmupSteps must be >= 0, got -1");
    }

    @Test
    void valueIsRequired() {
        assertThatThrownBy(() -> ConstantScheduler.builder().warmupSteps(3).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("value is required for a constant scheduler");
    }

    @Test
    void rejectsNegativeStep() {
        assertThatThrownBy(() -> ConstantScheduler.of(0.1).valueAt(-5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("t must be >= 0, got -5");
    }
}
