package org.gsamflink.operators;

import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link TrainingOptions}: defaults, setters and each setter's rule. */
class TrainingOptionsTest {

    @Test
    void defaults() {
        TrainingOptions o = TrainingOptions.defaults();
        assertThat(o.metricsEverySteps()).isEqualTo(TrainingOptions.DEFAULT_METRICS_EVERY_STEPS).isEqualTo(1);
        assertThat(o.snapshotEverySteps()).isEqualTo(TrainingOptions.DEFAULT_SNAPSHOT_EVERY_STEPS).isZero();
        assertThat(o.snapshotIntervalMs()).isEqualTo(TrainingOptions.DEFAULT_SNAPSHOT_INTERVAL_MS).isZero();
        assertThat(o.snapshotAtEnd()).isEqualTo(TrainingOptions.DEFAULT_SNAPSHOT_AT_END).isTrue();
        assertThat(o.maxLiveModels()).isEqualTo(TrainingOptions.DEFAULT_MAX_LIVE_MODELS);
        assertThat(o.fadingFactor()).isEqualTo(TrainingOptions.DEFAULT_FADING_FACTOR).isEqualTo(0.999);
    }

    @Test
    void settersKeepTheirValues() throws Exception {
        TrainingOptions o = TrainingOptions.builder()
                .metricsEverySteps(5)
                .snapshotEverySteps(100)
                .snapshotIntervalMs(60_000)
                .snapshotAtEnd(false)
                .maxLiveModels(3)
                .fadingFactor(0.99)
                .build();
        TrainingOptions copy = InstantiationUtil.clone(o);
        for (TrainingOptions t : new TrainingOptions[] {o, copy}) {
            assertThat(t.metricsEverySteps()).isEqualTo(5);
            assertThat(t.snapshotEverySteps()).isEqualTo(100);
            assertThat(t.snapshotIntervalMs()).isEqualTo(60_000);
            assertThat(t.snapshotAtEnd()).isFalse();
            assertThat(t.maxLiveModels()).isEqualTo(3);
            assertThat(t.fadingFactor()).isEqualTo(0.99);
        }
    }

    @Test
    void zeroTurnsSnapshotTriggersOff() {
        TrainingOptions o = TrainingOptions.builder().snapshotEverySteps(0).snapshotIntervalMs(0).build();
        assertThat(o.snapshotEverySteps()).isZero();
        assertThat(o.snapshotIntervalMs()).isZero();
    }

    @Test
    void metricsEveryStepsMustBeAtLeastOne() {
        assertThatThrownBy(() -> TrainingOptions.builder().metricsEverySteps(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("metricsEverySteps must be >= 1, got 0");
    }

    @Test
    void snapshotEveryStepsMustNotBeNegative() {
        assertThatThrownBy(() -> TrainingOptions.builder().snapshotEverySteps(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("snapshotEverySteps must be >= 0, got -1");
    }

    @Test
    void snapshotIntervalMustNotBeNegative() {
        assertThatThrownBy(() -> TrainingOptions.builder().snapshotIntervalMs(-5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("snapshotIntervalMs must be >= 0, got -5");
    }

    @Test
    void maxLiveModelsMustBeAtLeastOne() {
        assertThatThrownBy(() -> TrainingOptions.builder().maxLiveModels(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxLiveModels must be >= 1, got 0");
    }

    @Test
    void maxModelsMustBeAtLeastOne() {
        assertThatThrownBy(() -> TrainingOptions.builder().maxModels(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxModels must be >= 1, got 0");
    }

    @Test
    void maxModelMetricGroupsMustNotBeNegative() {
        assertThatThrownBy(() -> TrainingOptions.builder().maxModelMetricGroups(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxModelMetricGroups must be >= 0, got -1");
    }

    @Test
    void theModelCapDefaultsAndItsShareNeedAPositiveParallelism() {
        TrainingOptions o = TrainingOptions.defaults();
        assertThat(o.maxModels()).isEqualTo(TrainingOptions.DEFAULT_MAX_MODELS).isEqualTo(10_000);
        assertThat(o.maxModelMetricGroups()).isEqualTo(1_000);
        assertThatThrownBy(() -> o.maxModelsPerSubtask(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("parallelism must be >= 1, got 0");
    }

    @Test
    void theFadingFactorMayBeOneButMustBeAboveZero() {
        assertThat(TrainingOptions.builder().fadingFactor(1).build().fadingFactor()).isEqualTo(1.0);
        for (double bad : new double[] {0, -0.5, 1.0000001, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> TrainingOptions.builder().fadingFactor(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("fading factor must be in (0, 1], got " + bad);
        }
    }
}
