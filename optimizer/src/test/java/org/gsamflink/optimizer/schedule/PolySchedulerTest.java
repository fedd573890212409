package org.gsamflink.optimizer.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PolySchedulerTest {

    private static final double TOL = 1e-12;

    /** max 1.1, min 0.1, warm-up 10 from 0; after: 0.1 + (t − 10)^order. */
    private static PolyScheduler.Builder base() {
        return PolyScheduler.builder().maxValue(1.1).minValue(0.1).warmupSteps(10);
    }

    @Test
    void defaultOrderIsTheAuthors() {
        assertThat(PolyScheduler.builder().maxValue(1).build().order())
                .isEqualTo(PolyScheduler.DEFAULT_ORDER)
                .isEqualTo(-0.5);
    }

    @Test
    void warmupThenInverseSquareRoot() {
        PolyScheduler s = base().order(-0.5).build();
        assertThat(s.valueAt(0)).isEqualTo(0.0);
        assertThat(s.valueAt(5)).isCloseTo(0.55, within(TOL));
        assertThat(s.valueAt(9)).isCloseTo(0.99, within(TOL));
        assertThat(s.valueAt(10)).isEqualTo(1.1); // (t − W)^order would be 0^−0.5 = ∞ here
        assertThat(s.valueAt(11)).isCloseTo(1.1, within(TOL)); // 1^−0.5 = 1
        assertThat(s.valueAt(14)).isCloseTo(0.6, within(TOL)); // 4^−0.5 = 1/2
        assertThat(s.valueAt(110)).isCloseTo(0.2, within(TOL)); // 100^−0.5 = 1/10
        assertThat(s.valueAt(10_010)).isCloseTo(0.11, within(TOL)); // 10⁴^−0.5 = 1/100
    }

    @Test
    void unboundedStreamApproachesMinWithoutReachingIt() {
        PolyScheduler s = base().order(-0.5).build();
        assertThat(s.totalSteps()).isEmpty();
        assertThat(s.valueAt(1_000_000_000_010L)).isCloseTo(0.100001, within(TOL)); // 10¹²^−0.5 = 10⁻⁶
        assertThat(s.valueAt(Long.MAX_VALUE)).isGreaterThan(0.1).isCloseTo(0.1, within(1e-9));
    }

    @Test
    void orderZeroKeepsMax() {
        PolyScheduler s = base().order(0).build();
        assertThat(s.valueAt(5)).isCloseTo(0.55, within(TOL));
        assertThat(s.valueAt(10)).isEqualTo(1.1);
        assertThat(s.valueAt(11)).isEqualTo(1.1);
        assertThat(s.valueAt(1_000_000)).isEqualTo(1.1);
    }

    @Test
    void orderMinusOne() {
        PolyScheduler s = base().order(-1).build();
        assertThat(s.valueAt(11)).isCloseTo(1.1, within(TOL));
        assertThat(s.valueAt(14)).isCloseTo(0.35, within(TOL)); // 0.1 + 1/4
        assertThat(s.valueAt(20)).isCloseTo(0.2, within(TOL)); // 0.1 + 1/10
    }

    @Test
    void withTotalStepsDropsToMinAtT() {
        PolyScheduler s = base().order(-0.5).totalSteps(110).build();
        assertThat(s.valueAt(109)).isCloseTo(0.20050378152592122, within(TOL)); // 0.1 + 1/√99
        assertThat(s.valueAt(110)).isEqualTo(0.1);
        assertThat(s.valueAt(111)).isEqualTo(0.1);
        assertThat(s.valueAt(1_000_000_000L)).isEqualTo(0.1);
    }

    @Test
    void orderZeroWithTotalSteps() {
        PolyScheduler s = base().order(0).totalSteps(100).build();
        assertThat(s.valueAt(99)).isEqualTo(1.1);
        assertThat(s.valueAt(100)).isEqualTo(0.1);
    }

    @Test
    void describe() {
        assertThat(base().build().describe()).isEqualTo("poly:max=1.1,min=0.1,order=-0.5,warmup=10,init=0.0");
        assertThat(PolyScheduler.builder().maxValue(0.1).order(0).totalSteps(50).build().describe())
                .isEqualTo("poly:max=0.1,min=0.0,order=0.0,T=50");
    }

    @Test
    void negativeZeroOrderIsNormalised() {
        assertThat(PolyScheduler.builder().maxValue(1).order(-0.0).build())
                .isEqualTo(PolyScheduler.builder().maxValue(1).order(0.0).build());
    }

    // --- builder rules ---------------------------------------------------------------------------------------

    @Test
    void orderMustBeNonPositiveAndFinite() {
        assertThatThrownBy(() -> PolyScheduler.builder().order(0.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("order must be a finite number <= 0, got 0.5");
        assertThatThrownBy(() -> PolyScheduler.builder().order(Double.NEGATIVE_INFINITY))
                .hasMessageContaining("order must be a finite number <= 0, got -Infinity");
        assertThatThrownBy(() -> PolyScheduler.builder().order(Double.NaN))
                .hasMessageContaining("order must be a finite number <= 0, got NaN");
    }

    @Test
    void setterRules() {
        assertThatThrownBy(() -> PolyScheduler.builder().maxValue(-1))
                .hasMessageContaining("maxValue must be a finite number >= 0, got -1.0");
        assertThatThrownBy(() -> PolyScheduler.builder().minValue(-1))
                .hasMessageContaining("minValue must be a finite number >= 0, got -1.0");
        assertThatThrownBy(() -> PolyScheduler.builder().initValue(-1))
                .hasMessageContaining("initValue must be a finite number >= 0, got -1.0");
        assertThatThrownBy(() -> PolyScheduler.builder().warmupSteps(-1))
                .hasMessageContaining("warmupSteps must be >= 0, got -1");
        assertThatThrownBy(() -> PolyScheduler.builder().totalSteps(0))
                .hasMessageContaining("totalSteps must be > 0, got 0");
    }

    @Test
    void maxValueIsRequired() {
        assertThatThrownBy(() -> PolyScheduler.builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("maxValue is required for a poly scheduler");
    }

    @Test
    void minMustNotExceedMax() {
        assertThatThrownBy(() -> PolyScheduler.builder().maxValue(0.1).minValue(0.2).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("minValue (0.2) must be <= maxValue (0.1)");
    }

    @Test
    void totalStepsMustExceedWarmup() {
        assertThatThrownBy(() -> base().totalSteps(5).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("totalSteps (5) must be > warmupSteps (10)");
    }
}
