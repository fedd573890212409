package org.gsamflink.optimizer.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class StepSchedulerTest {

    private static final double TOL = 1e-12;

    private static StepScheduler threePieces() {
        return StepScheduler.builder().values(0.1, 0.02, 0.004).milestones(300, 600).build();
    }

    @Test
    void changesValueExactlyAtEachMilestone() {
        StepScheduler s = threePieces();
        assertThat(s.valueAt(0)).isEqualTo(0.1);
        assertThat(s.valueAt(1)).isEqualTo(0.1);
        assertThat(s.valueAt(299)).isEqualTo(0.1);
        assertThat(s.valueAt(300)).isEqualTo(0.02);
        assertThat(s.valueAt(301)).isEqualTo(0.02);
        assertThat(s.valueAt(599)).isEqualTo(0.02);
        assertThat(s.valueAt(600)).isEqualTo(0.004);
        assertThat(s.valueAt(1_000_000_000L)).isEqualTo(0.004);
        assertThat(s.maxValue()).isEqualTo(0.1);
        assertThat(s.minValue()).isEqualTo(0.004);
        assertThat(s.totalSteps()).isEmpty();
    }

    @Test
    void warmupThenPieces() {
        StepScheduler s =
                StepScheduler.builder().values(0.1, 0.02).milestones(300).warmupSteps(100).totalSteps(1000).build();
        assertThat(s.valueAt(0)).isEqualTo(0.0);
        assertThat(s.valueAt(50)).isCloseTo(0.05, within(TOL));
        assertThat(s.valueAt(99)).isCloseTo(0.099, within(TOL));
        assertThat(s.valueAt(100)).isEqualTo(0.1);
        assertThat(s.valueAt(101)).isEqualTo(0.1);
        assertThat(s.valueAt(299)).isEqualTo(0.1);
        assertThat(s.valueAt(300)).isEqualTo(0.02);
        assertThat(s.valueAt(999)).isEqualTo(0.02);
        assertThat(s.valueAt(1000)).isEqualTo(0.02);
        assertThat(s.valueAt(5000)).isEqualTo(0.02);
    }

    @Test
    void singlePieceWithoutMilestonesIsConstant() {
        StepScheduler s = StepScheduler.builder().values(0.3).build();
        assertThat(s.valueAt(0)).isEqualTo(0.3);
        assertThat(s.valueAt(1_000_000)).isEqualTo(0.3);
        assertThat(s.milestones()).isEmpty();
        assertThat(s.describe()).isEqualTo("step:values=0.3");
    }

    @Test
    void increasingPiecesAreAllowed() {
        StepScheduler s = StepScheduler.builder().values(0.01, 0.1).milestones(5).build();
        assertThat(s.valueAt(4)).isEqualTo(0.01);
        assertThat(s.valueAt(5)).isEqualTo(0.1);
        assertThat(s.minValue()).isEqualTo(0.1); // the end value, i.e. the last piece
    }

    @Test
    void arraysAreCopied() {
        double[] values = {0.1, 0.02};
        long[] milestones = {10};
        StepScheduler s = StepScheduler.builder().values(values).milestones(milestones).build();
        values[0] = 5;
        milestones[0] = 1;
        s.values()[1] = 7;
        s.milestones()[0] = 2;
        assertThat(s.values()).containsExactly(0.1, 0.02);
        assertThat(s.milestones()).containsExactly(10);
        assertThat(s.valueAt(9)).isEqualTo(0.1);
    }

    @Test
    void describe() {
        assertThat(threePieces().describe()).isEqualTo("step:values=0.1;0.02;0.004,milestones=300;600");
        assertThat(StepScheduler.builder().values(1, 0.5).milestones(20).totalSteps(30).warmupSteps(5).build()
                        .describe())
                .isEqualTo("step:values=1.0;0.5,milestones=20,T=30,warmup=5,init=0.0");
    }

    // --- decayAtFractions (the authors' example step lr) -----------------------------------------------------

    @Test
    void decayAtFractionsReproducesTheSeedExample() {
        StepScheduler s = StepScheduler.decayAtFractions(0.1, 1000, 0.2, 0.3, 0.6, 0.8);
        assertThat(s.milestones()).containsExactly(300, 600, 800);
        assertThat(s.totalSteps()).hasValue(1000);
        assertThat(s.valueAt(0)).isEqualTo(0.1);
        assertThat(s.valueAt(299)).isEqualTo(0.1);
        assertThat(s.valueAt(300)).isCloseTo(0.02, within(TOL));
        assertThat(s.valueAt(599)).isCloseTo(0.02, within(TOL));
        assertThat(s.valueAt(600)).isCloseTo(0.004, within(TOL));
        assertThat(s.valueAt(799)).isCloseTo(0.004, within(TOL));
        assertThat(s.valueAt(800)).isCloseTo(0.0008, within(TOL));
        assertThat(s.valueAt(999)).isCloseTo(0.0008, within(TOL));
        assertThat(s.valueAt(1000)).isCloseTo(0.0008, within(TOL));
        assertThat(s.valueAt(100_000)).isCloseTo(0.0008, within(TOL));
    }

    @Test
    void decayAtFractionsUsesTheFirstStepAtOrAfterTheFraction() {
        // the seed decays once "epoch < total·3/10" fails: 0.3·7 = 2.1 → step 3, 0.6·7 = 4.2 → 5, 0.8·7 = 5.6 → 6
        StepScheduler s = StepScheduler.decayAtFractions(1.0, 7, 0.5, 0.3, 0.6, 0.8);
        assertThat(s.milestones()).containsExactly(3, 5, 6);
        assertThat(s.values()).containsExactly(1.0, 0.5, 0.25, 0.125);
    }

    @Test
    void decayAtFractionsIsExactOnDecimalFractions() {
        // 0.07 · 100 is 7.000000000000001 in binary floating point; the milestone must still be 7
        assertThat(StepScheduler.decayAtFractions(1.0, 100, 0.5, 0.07).milestones()).containsExactly(7);
    }

    @Test
    void decayAtFractionsWithoutFractionsIsConstant() {
        StepScheduler s = StepScheduler.decayAtFractions(0.1, 10, 0.2);
        assertThat(s.valueAt(9)).isEqualTo(0.1);
        assertThat(s.valueAt(10)).isEqualTo(0.1);
    }

    @Test
    void decayAtFractionsRules() {
        assertThatThrownBy(() -> StepScheduler.decayAtFractions(-0.1, 10, 0.2, 0.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxValue must be a finite number >= 0, got -0.1");
        assertThatThrownBy(() -> StepScheduler.decayAtFractions(0.1, 0, 0.2, 0.5))
                .hasMessageContaining("totalSteps must be > 0, got 0");
        assertThatThrownBy(() -> StepScheduler.decayAtFractions(0.1, 10, 0, 0.5))
                .hasMessageContaining("factor must be a finite number > 0, got 0.0");
        assertThatThrownBy(() -> StepScheduler.decayAtFractions(0.1, 10, Double.NaN, 0.5))
                .hasMessageContaining("factor must be a finite number > 0, got NaN");
        assertThatThrownBy(() -> StepScheduler.decayAtFractions(0.1, 10, 0.2, 0.0))
                .hasMessageContaining("fractions[0] must be in (0, 1), got 0.0");
        assertThatThrownBy(() -> StepScheduler.decayAtFractions(0.1, 10, 0.2, 0.5, 1.0))
                .hasMessageContaining("fractions[1] must be in (0, 1), got 1.0");
        assertThatThrownBy(() -> StepScheduler.decayAtFractions(0.1, 10, 0.2, 0.6, 0.3))
                .hasMessageContaining("fractions must be strictly increasing, got fractions[1]=0.3 after "
                        + "fractions[0]=0.6");
        assertThatThrownBy(() -> StepScheduler.decayAtFractions(0.1, 10, 0.2, 0.31, 0.35))
                .hasMessageContaining("fractions[0]=0.31 and fractions[1]=0.35 give the same milestone 4 for "
                        + "totalSteps 10");
        assertThatThrownBy(() -> StepScheduler.decayAtFractions(0.1, 10, 0.2, 0.95))
                .hasMessageContaining("milestones[0] (10) must be < totalSteps (10)");
    }

    // --- builder rules ---------------------------------------------------------------------------------------

    @Test
    void valuesSetterRules() {
        assertThatThrownBy(() -> StepScheduler.builder().values())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("values must not be empty");
        assertThatThrownBy(() -> StepScheduler.builder().values(0.1, -0.02))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("values[1] must be a finite number >= 0, got -0.02");
        assertThatThrownBy(() -> StepScheduler.builder().values(Double.NaN))
                .hasMessageContaining("values[0] must be a finite number >= 0, got NaN");
    }

    @Test
    void milestonesSetterRules() {
        assertThatThrownBy(() -> StepScheduler.builder().milestones(0, 5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("milestones[0] must be > 0, got 0");
        assertThatThrownBy(() -> StepScheduler.builder().milestones(5, 5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("milestones must be strictly increasing, got milestones[1]=5 after "
                        + "milestones[0]=5");
        assertThatThrownBy(() -> StepScheduler.builder().milestones(10, 20, 15))
                .hasMessageContaining("milestones must be strictly increasing, got milestones[2]=15 after "
                        + "milestones[1]=20");
    }

    @Test
    void otherSetterRules() {
        assertThatThrownBy(() -> StepScheduler.builder().initValue(-1))
                .hasMessageContaining("initValue must be a finite number >= 0, got -1.0");
        assertThatThrownBy(() -> StepScheduler.builder().warmupSteps(-1))
                .hasMessageContaining("warmupSteps must be >= 0, got -1");
        assertThatThrownBy(() -> StepScheduler.builder().totalSteps(0))
                .hasMessageContaining("totalSteps must be > 0, got 0");
    }

    @Test
    void valuesAreRequired() {
        assertThatThrownBy(() -> StepScheduler.builder().milestones(5).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("values is required for a step scheduler");
    }

    @Test
    void oneMoreValueThanMilestones() {
        assertThatThrownBy(() -> StepScheduler.builder().values(0.1, 0.02).milestones(5, 10).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("values.length (2) must be milestones.length + 1 (3)");
        assertThatThrownBy(() -> StepScheduler.builder().values(0.1, 0.02).build())
                .hasMessageContaining("values.length (2) must be milestones.length + 1 (1)");
    }

    @Test
    void firstMilestoneMustFollowWarmup() {
        assertThatThrownBy(() -> StepScheduler.builder().values(0.1, 0.02).milestones(10).warmupSteps(10).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("milestones[0] (10) must be > warmupSteps (10)");
    }

    @Test
    void lastMilestoneMustPrecedeTotalSteps() {
        assertThatThrownBy(() -> StepScheduler.builder().values(1, 2, 3).milestones(5, 10).totalSteps(10).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("milestones[1] (10) must be < totalSteps (10)");
    }

    @Test
    void totalStepsMustExceedWarmup() {
        assertThatThrownBy(() -> StepScheduler.builder().values(0.1).warmupSteps(10).totalSteps(10).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("totalSteps (10) must be > warmupSteps (10)");
    }
}
