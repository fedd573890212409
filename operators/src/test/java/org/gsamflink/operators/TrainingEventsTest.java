package org.gsamflink.operators;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.runtime.event.WatermarkEvent;
import org.apache.flink.streaming.api.operators.Output;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.LatencyMarker;
import org.apache.flink.streaming.runtime.streamrecord.RecordAttributes;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.util.OutputTag;
import org.gsamflink.optimizer.SkipReason;
import org.gsamflink.optimizer.StepResult;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class TrainingEventsTest {

    private final Metrics metrics = new Metrics("");
    private final Recording output = new Recording();
    private final TrainingEvents events =
            new TrainingEvents(metrics, output, 2, LoggerFactory.getLogger(TrainingEventsTest.class));

    @Test
    void aSkippedStepIsCountedOperatorWideAndPerModelAndGetsAMetricsRecordOfItsOwn() {
        events.skipped("m", 7, 3, result(7, SkipReason.LOSS_SPIKE), 1_000L);

        assertThat(metrics.count("skippedSteps")).isEqualTo(1);
        assertThat(metrics.count("skippedSteps_loss-spike")).isEqualTo(1);
        assertThat(metrics.count("skippedSteps_non-finite-loss")).as("registered up front").isZero();
        assertThat(metrics.count("model.m.skippedSteps")).isEqualTo(1);
        assertThat(metrics.count("model.m.skippedSteps_loss-spike")).isEqualTo(1);
        assertThat(metrics.counters).doesNotContainKey("model.m.skippedSteps_non-finite-loss");
        assertThat(output.main).singleElement().satisfies(sm -> {
            assertThat(sm.modelId).isEqualTo("m");
            assertThat(sm.step).isEqualTo(7);
            assertThat(sm.steps).isZero();
            assertThat(sm.examples).isZero();
            assertThat(sm.skippedSteps).isEqualTo(3);
            assertThat(sm.skippedReason).isEqualTo("loss-spike");
            assertThat(sm.accuracy).isNaN();
            assertThat(sm.fadingAccuracy).isNaN();
            assertThat(sm.kappa).isNaN();
            assertThat(sm.cleanLoss).isEqualTo(2.5);
            assertThat(sm.timestampMs).isEqualTo(1_000L);
        });
        assertThat(output.side).isEmpty();
    }

    @Test
    void eachAlertIsCountedAndEmittedOnTheAlertsSideOutput() {
        events.rolledBack("m", 4, "non-finite-parameters", 2, 10L);
        events.snapshotRefused("m", 5, "non-finite-updater-state", 11L);
        events.restoredStateReset("m", 0, "restored state was broken", 12L);

        assertThat(metrics.count("alerts")).isEqualTo(3);
        assertThat(metrics.count("rollbacks")).isEqualTo(1);
        assertThat(metrics.count("model.m.rollbacks")).isEqualTo(1);
        assertThat(metrics.count("snapshotsRefused")).isEqualTo(1);
        assertThat(output.side).allSatisfy(e -> assertThat(e.tag).isEqualTo(GsamTrainingOperator.ALERTS));
        List<TrainingAlert> alerts = output.side.stream().map(e -> (TrainingAlert) e.value).toList();
        assertThat(alerts).extracting(a -> a.action).containsExactly(TrainingAlert.ROLLED_BACK,
                TrainingAlert.SNAPSHOT_REFUSED, TrainingAlert.RESET);
        assertThat(alerts.get(0).detail).isEqualTo(
                "the step at 4 left non-finite-parameters; rolled back to the last good state at step 2");
        assertThat(alerts.get(1).detail).isEqualTo(
                "the model at step 5 has non-finite-updater-state; no snapshot emitted");
        assertThat(alerts.get(2).reason).isEqualTo("non-finite-restored-state");
        assertThat(output.main).isEmpty();
    }

    @Test
    void rejectedAndInvalidRecordsAreCountedAndOnlyRejectedOnesAreEmitted() {
        RejectedRecord rejected = new RejectedRecord("n", RejectedRecord.TOO_MANY_MODELS, "too many", 3, 1L);
        events.tooManyModels(rejected);
        events.invalidRecord("m", "2 features, expected 3");

        assertThat(metrics.count("tooManyModels")).isEqualTo(1);
        assertThat(metrics.count("invalidRecords")).isEqualTo(1);
        assertThat(output.side).singleElement().satisfies(e -> {
            assertThat(e.tag).isEqualTo(GsamTrainingOperator.REJECTED);
            assertThat(e.value).isSameAs(rejected);
        });
        assertThat(output.main).isEmpty();
    }

    @Test
    void modelMetricGroupsAreBoundedAndTheGaugesFollowTheLastStep() {
        events.trained("a", result(1, null), 0.5, new FadingPrequential(), 1, 8);
        events.trained("b", result(1, null), 0.25, new FadingPrequential(), 1, 8);
        events.trained("c", result(1, null), 1.0, new FadingPrequential(), 1, 8);
        events.trained("a", result(2, null), 0.75, new FadingPrequential(), 2, 12);

        assertThat(events.modelMetricGroups()).isEqualTo(2);
        assertThat(metrics.gauges.get("modelMetricGroups").getValue()).isEqualTo(2);
        assertThat(metrics.count("model.a.steps")).isEqualTo(2);
        assertThat(metrics.count("model.a.examples")).isEqualTo(12);
        assertThat(metrics.gauges.get("model.a.accuracy").getValue()).isEqualTo(0.75);
        assertThat(metrics.gauges.get("model.a.loss").getValue()).isEqualTo(2.5);
        assertThat(metrics.counters).doesNotContainKey("model.c.steps");
        events.skipped("c", 1, 1, result(1, SkipReason.NON_FINITE_LOSS), 0L);
        assertThat(metrics.count("skippedSteps")).as("operator-wide counters count every model").isEqualTo(1);
        assertThat(events.modelMetricGroups()).isEqualTo(2);
    }

    @Test
    void theFadingGaugesShowTheModelsStatisticsAfterTheStep() {
        FadingPrequential fading = new FadingPrequential();
        fading.add(1, new int[] {1, 0, 1, 1}, new int[] {1, 1, 0, 1});
        events.trained("a", result(1, null), 0.5, fading, 1, 4);
        assertThat(metrics.gauges.get("model.a.fadingAccuracy").getValue()).isEqualTo(0.5);
        assertThat(metrics.gauges.get("model.a.kappa").getValue()).isEqualTo(fading.kappa());

        // The gauges hold values, not the statistics: a later change shows only with the next step.
        fading.add(1, new int[] {0}, new int[] {0});
        assertThat(metrics.gauges.get("model.a.fadingAccuracy").getValue()).isEqualTo(0.5);
    }

    @Test
    void perModelCountersContinueFromTheRestoredModelsTotals() {
        // The first step after a restore: the model is at step 501 with 8016 examples seen.
        events.trained("a", result(501, null), 0.5, new FadingPrequential(), 501, 8016);
        assertThat(metrics.count("model.a.steps")).isEqualTo(501);
        assertThat(metrics.count("model.a.examples")).isEqualTo(8016);
        events.trained("a", result(502, null), 0.5, new FadingPrequential(), 502, 8032);
        assertThat(metrics.count("model.a.steps")).isEqualTo(502);
        assertThat(metrics.count("model.a.examples")).isEqualTo(8032);
    }

    @Test
    void aPendingRecordThatNoLongerFitsIsRejectedAndCounted() {
        RejectedRecord r = new RejectedRecord("m", RejectedRecord.SPEC_CHANGED, "pending …: 4 features, expected 6",
                1, 5L);
        events.specChanged(r);
        assertThat(metrics.count("specChangedRecords")).isEqualTo(1);
        assertThat(output.side).singleElement().satisfies(e -> {
            assertThat(e.tag).isEqualTo(GsamTrainingOperator.REJECTED);
            assertThat(e.value).isSameAs(r);
        });
    }

    @Test
    void theSkipCounterNamesCarryTheReasonsLabel() {
        assertThat(TrainingEvents.skippedCounterName(SkipReason.NON_FINITE_PERTURBED))
                .isEqualTo("skippedSteps_non-finite-perturbed");
    }

    private static StepResult result(long step, SkipReason reason) {
        return new StepResult(step, reason, 8, 2.5, 2.75, 0.25, 1.0, 1.1, 0.9, 0.05, 0.01, null);
    }

    /** Registers metrics by their dotted path (below the root) in maps shared by all subgroups. */
    private static final class Metrics extends UnregisteredMetricsGroup {
        final Map<String, Counter> counters;
        final Map<String, Gauge<?>> gauges;
        private final String prefix;

        Metrics(String prefix) {
            this(prefix, new HashMap<>(), new HashMap<>());
        }

        private Metrics(String prefix, Map<String, Counter> counters, Map<String, Gauge<?>> gauges) {
            this.prefix = prefix;
            this.counters = counters;
            this.gauges = gauges;
        }

        @Override
        public Counter counter(String name) {
            return counter(name, new SimpleCounter());
        }

        @Override
        public <C extends Counter> C counter(String name, C counter) {
            assertThat(counters.put(prefix + name, counter)).as("registered once: %s", prefix + name).isNull();
            return counter;
        }

        @Override
        public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
            gauges.put(prefix + name, gauge);
            return gauge;
        }

        @Override
        public MetricGroup addGroup(String key, String value) {
            return new Metrics(prefix + key + "." + value + ".", counters, gauges);
        }

        long count(String name) {
            assertThat(counters).containsKey(name);
            return counters.get(name).getCount();
        }
    }

    private record Tagged(OutputTag<?> tag, Object value) {}

    /** Keeps the main output's records and the side outputs' records with their tags. */
    private static final class Recording implements Output<StreamRecord<StepMetrics>> {
        final List<StepMetrics> main = new ArrayList<>();
        final List<Tagged> side = new ArrayList<>();

        @Override
        public void collect(StreamRecord<StepMetrics> record) {
            main.add(record.getValue());
        }

        @Override
        public <X> void collect(OutputTag<X> tag, StreamRecord<X> record) {
            side.add(new Tagged(tag, record.getValue()));
        }

        @Override
        public void emitWatermark(Watermark mark) {}

        @Override
        public void emitWatermarkStatus(WatermarkStatus status) {}

        @Override
        public void emitLatencyMarker(LatencyMarker marker) {}

        @Override
        public void emitRecordAttributes(RecordAttributes attributes) {}

        @Override
        public void emitWatermark(WatermarkEvent event) {}

        @Override
        public void close() {}
    }
}
