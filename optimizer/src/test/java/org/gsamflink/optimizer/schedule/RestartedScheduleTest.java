package org.gsamflink.optimizer.schedule;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link RestartedSchedule}: the inner schedule, shifted to start again at the restart step. */
class RestartedScheduleTest {

    private final Scheduler warm = CosineScheduler.builder().maxValue(0.1).minValue(0.001).totalSteps(1_000)
            .warmupSteps(100).initValue(0.0).build();

    @Test
    void runsTheWarmUpAgainFromTheRestartStep() {
        Scheduler restarted = RestartedSchedule.of(warm, 5_000);
        assertThat(warm.valueAt(5_000)).as("long past its end").isEqualTo(0.001);
        for (long t : new long[] {0, 1, 50, 99, 100, 500, 2_000}) {
            assertThat(restarted.valueAt(5_000 + t)).isEqualTo(warm.valueAt(t));
        }
        assertThat(restarted.valueAt(3)).as("before the restart: its first value").isEqualTo(warm.valueAt(0));
        assertThat(restarted.describe()).isEqualTo(warm.describe() + " restarted at 5000");
        assertThat(RestartedSchedule.of(warm, 0)).isSameAs(warm);
    }

    @Test
    void shiftsARhoScheduleAndHandsItTheActualLearningRate() {
        RhoScheduler rho = (t, lr) -> t + 1000 * lr;
        RhoScheduler restarted = RestartedSchedule.of(rho, 40);
        assertThat(restarted.valueAt(45, 0.5)).isEqualTo(5 + 500.0);
        assertThatThrownBy(() -> RestartedSchedule.of(rho, -1)).hasMessageContaining("step >= 0, got -1");
    }
}
