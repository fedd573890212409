package org.gsamflink.operators;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.gsamflink.optimizer.Gsam;
import org.gsamflink.optimizer.GsamState;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/**
 * {@link GsamTrainingOperator} in a keyed test harness: batching by count and by processing-time timeout,
 * pre-batched records, invalid records, snapshots on the side output, checkpoint/restore, LRU eviction and end of
 * input. Networks are a 4-8-3 MLP with Adam and GSAM (ρ = 0.05, α = 0.2), so every bit of state matters.
 */
class GsamTrainingOperatorTest {

    private static final long CHECKPOINT_ID = 1L;

    // ---- helpers -----------------------------------------------------------------------------------------------

    private static KeyedOneInputStreamOperatorTestHarness<String, TrainingRecord, StepMetrics> harness(
            ModelSpec spec, TrainingOptions options) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new GsamTrainingOperator(ModelSpecResolver.single(spec), options), r -> r.modelId, Types.STRING);
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, TrainingRecord, StepMetrics> opened(
            ModelSpec spec, TrainingOptions options) throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, TrainingRecord, StepMetrics> h = harness(spec, options);
        h.open();
        return h;
    }

    private static void feed(KeyedOneInputStreamOperatorTestHarness<String, TrainingRecord, StepMetrics> h,
                             List<TrainingRecord> records) throws Exception {
        for (TrainingRecord r : records) {
            h.processElement(r, 0L);
        }
    }

    private static List<ModelSnapshot> snapshots(
            KeyedOneInputStreamOperatorTestHarness<String, TrainingRecord, StepMetrics> h) {
        Queue<StreamRecord<ModelSnapshot>> q = h.getSideOutput(GsamTrainingOperator.SNAPSHOTS);
        List<ModelSnapshot> out = new ArrayList<>();
        if (q != null) {
            q.forEach(r -> out.add(r.getValue()));
        }
        return out;
    }

    /** Every deterministic field of a metrics record (examplesPerSecond is wall-clock time). */
    private record Deterministic(String modelId, long step, int steps, long examples, double cleanLoss,
                                 double perturbedLoss, double surrogateGap, double accuracy, double fadingAccuracy,
                                 double kappa, double rho, double lr, double gradNorm, double perturbedGradNorm,
                                 double cosine, long skippedSteps, long timestampMs) {
        static Deterministic of(StepMetrics m) {
            return new Deterministic(m.modelId, m.step, m.steps, m.examples, m.cleanLoss, m.perturbedLoss,
                    m.surrogateGap, m.accuracy, m.fadingAccuracy, m.kappa, m.rho, m.lr, m.gradNorm,
                    m.perturbedGradNorm, m.cosine, m.skippedSteps, m.timestampMs);
        }
    }

    private static List<Deterministic> deterministic(List<StepMetrics> metrics) {
        return metrics.stream().map(Deterministic::of).toList();
    }

    /** Final snapshot optimizer state per model (the last one emitted for each id). */
    private static Map<String, byte[]> finalStates(List<ModelSnapshot> snapshots) {
        Map<String, byte[]> out = new TreeMap<>();
        snapshots.forEach(s -> out.put(s.modelId, TestModels.fullState(s)));
        return out;
    }

    // ---- (a) batching by count ---------------------------------------------------------------------------------

    @Test
    void examplesAreBufferedUntilTheBatchIsFull() throws Exception {
        TestModels.Examples data = new TestModels.Examples(1);
        try (var h = opened(TestModels.spec(), TrainingOptions.defaults())) {
            for (int i = 0; i < 3; i++) {
                h.processElement(data.example("m"), 0L);
            }
            assertThat(h.extractOutputValues()).isEmpty();

            h.processElement(data.example("m"), 0L);
            List<StepMetrics> out = h.extractOutputValues();
            assertThat(out).hasSize(1);
            StepMetrics m = out.get(0);
            assertThat(m.modelId).isEqualTo("m");
            assertThat(m.step).isEqualTo(1);
            assertThat(m.steps).isEqualTo(1);
            assertThat(m.examples).isEqualTo(4);
            assertThat(m.cleanLoss).isFinite().isPositive();
            assertThat(m.perturbedLoss).isFinite();
            assertThat(m.rho).isEqualTo(0.05);
            assertThat(m.accuracy).isBetween(0.0, 1.0);
            assertThat(m.accuracy * 4).isEqualTo(Math.rint(m.accuracy * 4));
            assertThat(m.skippedSteps).isZero();
            assertThat(snapshots(h)).isEmpty();

            // The next batch starts empty.
            for (int i = 0; i < 4; i++) {
                h.processElement(data.example("m"), 0L);
            }
            assertThat(h.extractOutputValues()).extracting(s -> s.step).containsExactly(1L, 2L);
        }
    }

    @Test
    void withFadingFactorOneTheFadingAccuracyIsTheStreamsAccuracySoFar() throws Exception {
        TestModels.Examples data = new TestModels.Examples(2);
        TrainingOptions options = TrainingOptions.builder().fadingFactor(1).build();
        try (var h = opened(TestModels.spec(), options)) {
            for (int i = 0; i < 40; i++) {
                h.processElement(data.example("m"), 0L);
            }
            List<StepMetrics> out = h.extractOutputValues();
            assertThat(out).hasSize(10);
            double correct = 0;
            long examples = 0;
            for (StepMetrics m : out) {
                correct += Math.rint(m.accuracy * m.examples);
                examples += m.examples;
                assertThat(m.fadingAccuracy).isEqualTo(correct / examples);
            }
            assertThat(out.get(out.size() - 1).kappa).isFinite().isLessThanOrEqualTo(1.0);
        }
    }

    @Test
    void keysAreBatchedIndependently() throws Exception {
        TestModels.Examples data = new TestModels.Examples(2);
        try (var h = opened(TestModels.spec(), TrainingOptions.defaults())) {
            for (int i = 0; i < 3; i++) {
                h.processElement(data.example("a"), 0L);
                h.processElement(data.example("b"), 0L);
            }
            assertThat(h.extractOutputValues()).isEmpty();
            h.processElement(data.example("b"), 0L);
            assertThat(h.extractOutputValues()).extracting(s -> s.modelId, s -> s.step, s -> s.examples)
                    .containsExactly(tuple("b", 1L, 4L));
        }
    }

    // ---- (b) batching by timeout -------------------------------------------------------------------------------

    @Test
    void aPartialBatchIsFlushedAtItsDeadline() throws Exception {
        TestModels.Examples data = new TestModels.Examples(3);
        ModelSpec spec = TestModels.specBuilder().batchTimeoutMs(100).build();
        try (var h = opened(spec, TrainingOptions.defaults())) {
            h.setProcessingTime(1_000);
            h.processElement(data.example("m"), 0L);
            h.setProcessingTime(1_050);
            h.processElement(data.example("m"), 0L);   // the deadline stays that of the first example
            assertThat(h.numProcessingTimeTimers()).isEqualTo(1);

            h.setProcessingTime(1_099);
            assertThat(h.extractOutputValues()).isEmpty();
            h.setProcessingTime(1_100);
            List<StepMetrics> out = h.extractOutputValues();
            assertThat(out).hasSize(1);
            assertThat(out.get(0).examples).isEqualTo(2);
            assertThat(out.get(0).step).isEqualTo(1);
            assertThat(out.get(0).timestampMs).isEqualTo(1_100);
            assertThat(h.numProcessingTimeTimers()).isZero();
        }
    }

    @Test
    void theTimerOfAnAlreadyFlushedBatchDoesNothing() throws Exception {
        TestModels.Examples data = new TestModels.Examples(4);
        ModelSpec spec = TestModels.specBuilder().batchTimeoutMs(100).build();
        try (var h = opened(spec, TrainingOptions.defaults())) {
            // A batch that fills up before its deadline: its timer (2100) finds no pending batch.
            h.setProcessingTime(2_000);
            for (int i = 0; i < 4; i++) {
                h.processElement(data.example("m"), 0L);
            }
            assertThat(h.extractOutputValues()).hasSize(1);
            h.setProcessingTime(2_100);
            assertThat(h.extractOutputValues()).hasSize(1);

            // A full batch, then a new one starts before the old deadline: the old timer (3100) must not flush
            // the new batch, whose own deadline is 3150.
            h.setProcessingTime(3_000);
            for (int i = 0; i < 4; i++) {
                h.processElement(data.example("m"), 0L);
            }
            h.setProcessingTime(3_050);
            h.processElement(data.example("m"), 0L);
            assertThat(h.extractOutputValues()).hasSize(2);
            h.setProcessingTime(3_100);
            assertThat(h.extractOutputValues()).hasSize(2);
            h.setProcessingTime(3_149);
            assertThat(h.extractOutputValues()).hasSize(2);
            h.setProcessingTime(3_150);
            List<StepMetrics> out = h.extractOutputValues();
            assertThat(out).extracting(s -> s.step).containsExactly(1L, 2L, 3L);
            assertThat(out).extracting(s -> s.examples).containsExactly(4L, 4L, 1L);
            assertThat(h.numProcessingTimeTimers()).isZero();
        }
    }

    @Test
    void aPendingDeadlineSurvivesARestore() throws Exception {
        TestModels.Examples data = new TestModels.Examples(16);
        ModelSpec spec = TestModels.specBuilder().batchTimeoutMs(100).build();
        OperatorSubtaskState checkpoint;
        try (var h = opened(spec, TrainingOptions.defaults())) {
            h.setProcessingTime(1_000);
            h.processElement(data.example("m"), 0L);
            h.processElement(data.example("m"), 0L);
            checkpoint = h.snapshot(CHECKPOINT_ID, 1_000L);
        }
        try (var h = harness(spec, TrainingOptions.defaults())) {
            h.setProcessingTime(1_000);
            h.initializeState(checkpoint);
            h.open();
            assertThat(h.numProcessingTimeTimers()).isEqualTo(1);
            h.setProcessingTime(1_100);
            List<StepMetrics> out = h.extractOutputValues();
            assertThat(out).hasSize(1);
            assertThat(out.get(0).examples).isEqualTo(2);
        }
    }
    @Test
    void aMultiRowRecordThatStartsABatchAlsoGetsADeadline() throws Exception {
        ModelSpec spec = TestModels.specBuilder().batchTimeoutMs(100).build();
        try (var h = opened(spec, TrainingOptions.defaults())) {
            h.setProcessingTime(1_000);
            h.processElement(new TrainingRecord("m", 2, TestModels.FEATURES, new float[2 * TestModels.FEATURES],
                    new int[] {0, 1}, null, false), 0L);
            assertThat(h.numProcessingTimeTimers()).isEqualTo(1);
            h.setProcessingTime(1_100);
            assertThat(h.extractOutputValues()).extracting(s -> s.examples).containsExactly(2L);
        }
    }

    @Test
    void withoutATimeoutAPartialBatchWaits() throws Exception {
        TestModels.Examples data = new TestModels.Examples(5);
        try (var h = opened(TestModels.spec(), TrainingOptions.defaults())) {
            h.processElement(data.example("m"), 0L);
            assertThat(h.numProcessingTimeTimers()).isZero();
            h.setProcessingTime(Long.MAX_VALUE / 2);
            assertThat(h.extractOutputValues()).isEmpty();
        }
    }

    // ---- (c) pre-batched records -------------------------------------------------------------------------------

    @Test
    void aMinibatchTrainsImmediatelyAndLeavesPendingExamplesAlone() throws Exception {
        TestModels.Examples data = new TestModels.Examples(6);
        try (var h = opened(TestModels.spec(), TrainingOptions.defaults())) {
            h.processElement(data.example("m"), 0L);
            h.processElement(data.example("m"), 0L);
            h.processElement(data.minibatch("m", 3), 0L);   // smaller than batchSize: trained as it is
            List<StepMetrics> out = h.extractOutputValues();
            assertThat(out).hasSize(1);
            assertThat(out.get(0).examples).isEqualTo(3);
            assertThat(out.get(0).step).isEqualTo(1);

            h.processElement(data.example("m"), 0L);
            h.processElement(data.example("m"), 0L);
            out = h.extractOutputValues();
            assertThat(out).extracting(s -> s.examples).containsExactly(3L, 4L);
            assertThat(out).extracting(s -> s.step).containsExactly(1L, 2L);

            h.processElement(data.minibatch("m", 10), 0L);  // larger than batchSize: one step too
            assertThat(h.extractOutputValues()).extracting(s -> s.examples).containsExactly(3L, 4L, 10L);
        }
    }

    // ---- (d) invalid records -----------------------------------------------------------------------------------

    @Test
    void invalidRecordsAreDroppedWithoutOutput() throws Exception {
        TestModels.Examples data = new TestModels.Examples(7);
        try (var h = opened(TestModels.spec(), TrainingOptions.defaults())) {
            h.processElement(TrainingRecord.example("m", new float[] {1, 2, 3}, 0), 0L);           // 3 features
            h.processElement(TrainingRecord.example("m", new float[] {1, 2, 3, 4}, 3), 0L);        // label 3 of 3
            h.processElement(TrainingRecord.example("m", new float[] {1, Float.NaN, 3, 4}, 0), 0L);
            h.processElement(TrainingRecord.example("m", new float[] {1, 2, 3, 4}, 0, -1f), 0L);
            h.processElement(TrainingRecord.minibatch("m", 4, new float[8], new int[] {0}), 0L);   // rows mismatch
            assertThat(h.extractOutputValues()).isEmpty();
            assertThat(h.numKeyedStateEntries()).isZero();

            // None of them was buffered: four valid examples make exactly one batch of four.
            for (int i = 0; i < 4; i++) {
                h.processElement(data.example("m"), 0L);
            }
            List<StepMetrics> out = h.extractOutputValues();
            assertThat(out).hasSize(1);
            assertThat(out.get(0).examples).isEqualTo(4);
        }
    }

    // ---- (e) snapshots on the side output ----------------------------------------------------------------------

    @Test
    void snapshotsAreEmittedEverySnapshotEverySteps() throws Exception {
        TestModels.Examples data = new TestModels.Examples(8);
        ModelSpec spec = TestModels.spec();
        TrainingOptions options = TrainingOptions.builder().snapshotEverySteps(2).build();
        try (var h = opened(spec, options)) {
            for (int i = 0; i < 5; i++) {
                h.processElement(data.minibatch("m", 4), 0L);
            }
            List<ModelSnapshot> snaps = snapshots(h);
            assertThat(snaps).extracting(s -> s.version).containsExactly(2L, 4L);
            for (ModelSnapshot s : snaps) {
                assertThat(s.modelId).isEqualTo("m");
                assertThat(s.examplesSeen).isEqualTo(s.version * 4);
                assertThat(s.networkConfigJson).isEqualTo(spec.networkConfigJson());
                assertThat(s.metricsJson).contains("\"steps\":2", "\"examples\":8", "\"rho\":0.05");
                assertThat(s.modelBytes).isNotEmpty();
                assertThat(s.optimizerState).isNotEmpty();
                assertThat(GsamState.decode(s.optimizerState).step()).isEqualTo(s.version);
                // The parameters are stored once, in the model bytes.
                assertThat(GsamState.decode(s.optimizerState).hasParameters()).isFalse();

                // The model bytes load, and with the optimizer state restore the trained parameters.
                MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(
                        new ByteArrayInputStream(s.modelBytes), true);
                Model fromState = spec.newNetwork();
                try (Gsam gsam = new Gsam(fromState, spec.gsamConfig())) {
                    gsam.restoreState(GsamState.decode(s.optimizerState).withParametersFrom(s.modelBytes));
                    assertThat(gsam.stepCount()).isEqualTo(s.version);
                }
                assertThat(restored.params()).isEqualTo(fromState.params());
                assertThat(restored.params()).isNotEqualTo(spec.newNetwork().params());
            }
            assertThat(snaps.get(0).modelBytes).isNotEqualTo(snaps.get(1).modelBytes);
        }
    }

    @Test
    void snapshotsAreEmittedBySnapshotInterval() throws Exception {
        TestModels.Examples data = new TestModels.Examples(17);
        TrainingOptions options = TrainingOptions.builder().snapshotIntervalMs(1_000).build();
        try (var h = opened(TestModels.spec(), options)) {
            // A model that never snapshotted counts from time 0: its first step is due.
            h.setProcessingTime(10_000);
            h.processElement(data.minibatch("m", 4), 0L);
            h.setProcessingTime(10_999);
            h.processElement(data.minibatch("m", 4), 0L);
            h.setProcessingTime(11_000);
            h.processElement(data.minibatch("m", 4), 0L);
            assertThat(snapshots(h)).extracting(s -> s.version, s -> s.timestampMs)
                    .containsExactly(tuple(1L, 10_000L), tuple(3L, 11_000L));
            assertThat(snapshots(h).get(1).metricsJson).contains("\"steps\":2", "\"examples\":8");
        }
    }

    // ---- (f) checkpoint and restore ----------------------------------------------------------------------------

    /** Two models, single examples in batches of 4, a minibatch in between. */
    private static List<TrainingRecord> restoreWorkload() {
        TestModels.Examples data = new TestModels.Examples(9);
        List<TrainingRecord> records = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            records.add(data.example(i % 2 == 0 ? "a" : "b"));
            if (i == 20) {
                records.add(data.minibatch("a", 5));
            }
        }
        return records;
    }

    @Test
    void aRestoredOperatorContinuesExactlyLikeAnUninterruptedOne() throws Exception {
        ModelSpec spec = TestModels.spec();
        TrainingOptions options = TrainingOptions.builder().snapshotEverySteps(3).build();
        List<TrainingRecord> records = restoreWorkload();
        int cut = 14;   // 7 examples per model: one batch trained, 3 examples pending each

        List<StepMetrics> expectedMetrics;
        List<ModelSnapshot> expectedSnapshots;
        try (var h = opened(spec, options)) {
            feed(h, records);
            h.endInput();
            expectedMetrics = h.extractOutputValues();
            expectedSnapshots = snapshots(h);
        }

        List<StepMetrics> metrics = new ArrayList<>();
        List<ModelSnapshot> snaps = new ArrayList<>();
        OperatorSubtaskState checkpoint;
        try (var h = opened(spec, options)) {
            feed(h, records.subList(0, cut));
            checkpoint = h.snapshot(CHECKPOINT_ID, 1L);
            metrics.addAll(h.extractOutputValues());
            snaps.addAll(snapshots(h));
        }
        assertThat(metrics).extracting(m -> m.modelId).containsExactly("a", "b");

        try (var h = harness(spec, options)) {
            h.initializeState(checkpoint);
            h.open();
            // Model state and the pending examples (3 per model) came back.
            assertThat(h.numKeyedStateEntries()).isGreaterThanOrEqualTo(2 * 3);
            feed(h, records.subList(cut, records.size()));
            h.endInput();
            metrics.addAll(h.extractOutputValues());
            snaps.addAll(snapshots(h));
        }

        assertThat(expectedMetrics).hasSize(9);   // a: 5 steps, b: 4 steps
        assertThat(deterministic(metrics)).containsExactlyElementsOf(deterministic(expectedMetrics));
        assertThat(snaps).extracting(s -> s.modelId, s -> s.version, s -> s.examplesSeen, s -> s.metricsJson)
                .containsExactlyElementsOf(expectedSnapshots.stream()
                        .map(s -> tuple(s.modelId, s.version, s.examplesSeen,
                                s.metricsJson))
                        .toList());
        for (int i = 0; i < snaps.size(); i++) {
            assertThat(TestModels.fullState(snaps.get(i))).isEqualTo(TestModels.fullState(expectedSnapshots.get(i)));
        }
        // Step numbers continue across the restore: a has 15 examples + a minibatch, b has 15 examples.
        assertThat(metrics.stream().filter(m -> m.modelId.equals("a")).mapToLong(m -> m.step).max())
                .hasValue(5);
        assertThat(metrics.stream().filter(m -> m.modelId.equals("b")).mapToLong(m -> m.step).max())
                .hasValue(4);
    }

    @Test
    void pendingExamplesSurviveARestore() throws Exception {
        TestModels.Examples data = new TestModels.Examples(10);
        ModelSpec spec = TestModels.spec();
        OperatorSubtaskState checkpoint;
        try (var h = opened(spec, TrainingOptions.defaults())) {
            for (int i = 0; i < 3; i++) {
                h.processElement(data.example("m"), 0L);
            }
            checkpoint = h.snapshot(CHECKPOINT_ID, 1L);
        }
        try (var h = harness(spec, TrainingOptions.defaults())) {
            h.initializeState(checkpoint);
            h.open();
            h.processElement(data.example("m"), 0L);
            List<StepMetrics> out = h.extractOutputValues();
            assertThat(out).hasSize(1);
            assertThat(out.get(0).examples).isEqualTo(4);
            assertThat(out.get(0).step).isEqualTo(1);
        }
    }

    @Test
    void stateOfAnotherArchitectureFailsAtOpenNamingTheModelAndKey() throws Exception {
        TestModels.Examples data = new TestModels.Examples(11);
        OperatorSubtaskState checkpoint;
        try (var h = opened(TestModels.spec(), TrainingOptions.defaults())) {
            h.processElement(data.minibatch("m", 4), 0L);
            checkpoint = h.snapshot(CHECKPOINT_ID, 1L);
        }
        ModelSpec wider = TestModels.specBuilder().network(TestModels.mlp(16)).build();
        try (var h = harness(wider, TrainingOptions.defaults())) {
            h.initializeState(checkpoint);
            // Before any record, and not retried: Flink does not restart on SuppressRestartsException.
            assertThatThrownBy(h::open)
                    .isInstanceOf(org.apache.flink.runtime.execution.SuppressRestartsException.class)
                    .cause().isInstanceOf(IncompatibleStateException.class)
                    .hasMessageStartingWith("The saved state of model 'm' does not fit the configured network "
                            + "(model.architecture changed)");
        }
    }

    @Test
    void aRestoreWithOtherSettingsContinuesAndRecordsThem() throws Exception {
        TestModels.Examples data = new TestModels.Examples(13);
        OperatorSubtaskState checkpoint;
        try (var h = opened(TestModels.spec(), TrainingOptions.defaults())) {
            h.processElement(data.minibatch("m", 4), 0L);
            checkpoint = h.snapshot(CHECKPOINT_ID, 1L);
        }
        ModelSpec otherSettings = TestModels.specBuilder().alpha(0.05).rho("constant:0.2").build();
        try (var h = harness(otherSettings, TrainingOptions.defaults())) {
            h.initializeState(checkpoint);
            h.open();
            h.processElement(data.minibatch("m", 4), 0L);
            assertThat(h.extractOutputValues()).singleElement().satisfies(m -> {
                assertThat(m.step).isEqualTo(2);
                assertThat(m.rho).as("the new rho is in effect").isEqualTo(0.2);
            });
            checkpoint = h.snapshot(CHECKPOINT_ID + 1, 2L);
        }
        // The state now records the new settings: a second restore with them has nothing to report.
        try (var h = harness(otherSettings, TrainingOptions.defaults())) {
            h.initializeState(checkpoint);
            h.open();
            org.apache.flink.runtime.state.KeyedStateBackend<String> backend =
                    ((org.apache.flink.streaming.api.operators.AbstractStreamOperator<?>) h.getOperator())
                            .getKeyedStateBackend();
            backend.setCurrentKey("m");
            ModelState saved = backend.getPartitionedState(org.apache.flink.runtime.state.VoidNamespace.INSTANCE,
                            org.apache.flink.runtime.state.VoidNamespaceSerializer.INSTANCE,
                            TrainingStateDescriptors.model()).value();
            assertThat(saved.settings).isEqualTo(otherSettings.settings()).contains("alpha 0.05");
            assertThat(saved.architectureFingerprint).isEqualTo(otherSettings.architectureFingerprint());
        }
    }

    @Test
    void pendingExamplesThatNoLongerFitAreRejectedAfterARestore() throws Exception {
        TestModels.Examples data = new TestModels.Examples(14);
        OperatorSubtaskState checkpoint;
        try (var h = opened(TestModels.specBuilder().batchSize(4).build(), TrainingOptions.defaults())) {
            h.processElement(data.example("p"), 0L);
            h.processElement(data.example("p"), 0L);
            checkpoint = h.snapshot(CHECKPOINT_ID, 1L);
        }
        // Only pending examples, no model state yet: a wider input is a legal change for this model id.
        int wider = TestModels.FEATURES + 2;
        ModelSpec wide = ModelSpec.builder().network(TestModels.mlp(8, wider)).numFeatures(wider)
                .numClasses(TestModels.CLASSES).batchSize(4).build();
        try (var h = harness(wide, TrainingOptions.defaults())) {
            h.initializeState(checkpoint);
            h.open();
            h.processElement(TrainingRecord.example("p", new float[wider], 1), 0L);
            h.processElement(TrainingRecord.example("p", new float[wider], 2), 0L);
            assertThat(h.extractOutputValues()).singleElement().satisfies(m -> {
                assertThat(m.step).isEqualTo(1);
                assertThat(m.examples).as("only the examples that fit the restored spec").isEqualTo(2);
            });
            List<RejectedRecord> rejected = new java.util.ArrayList<>();
            h.getSideOutput(GsamTrainingOperator.REJECTED).forEach(r -> rejected.add(r.getValue()));
            assertThat(rejected).hasSize(2).allSatisfy(r -> {
                assertThat(r.reason).isEqualTo(RejectedRecord.SPEC_CHANGED);
                assertThat(r.detail).contains("feature count 4 does not match the model's 6");
            });
        }
    }

    // ---- (g) eviction ------------------------------------------------------------------------------------------

    @Test
    void evictionWritesModelsBackToStateExactly() throws Exception {
        ModelSpec spec = TestModels.spec();
        TestModels.Examples data = new TestModels.Examples(12);
        List<TrainingRecord> records = new ArrayList<>();
        String[] ids = {"m0", "m1", "m2", "m3", "m4"};
        for (int round = 0; round < 10; round++) {
            for (int k = 0; k < ids.length; k++) {
                // Singles, and a minibatch now and then, interleaved over five models.
                records.add((round + k) % 4 == 3 ? data.minibatch(ids[k], 3) : data.example(ids[k]));
            }
        }

        Map<String, List<Deterministic>> results = new TreeMap<>();
        Map<Integer, Map<String, byte[]>> states = new TreeMap<>();
        for (int maxLive : new int[] {100, 2, 1}) {
            TrainingOptions options = TrainingOptions.builder().maxLiveModels(maxLive).build();
            try (var h = opened(spec, options)) {
                feed(h, records);
                h.endInput();
                results.put("maxLive=" + maxLive, deterministic(h.extractOutputValues()));
                states.put(maxLive, finalStates(snapshots(h)));
                assertThat(snapshots(h)).extracting(s -> s.modelId).containsExactly(ids);
            }
        }

        List<Deterministic> reference = results.get("maxLive=100");
        assertThat(reference).extracting(Deterministic::modelId).contains(ids);
        assertThat(results.get("maxLive=2")).containsExactlyElementsOf(reference);
        assertThat(results.get("maxLive=1")).containsExactlyElementsOf(reference);
        for (String id : ids) {
            assertThat(states.get(2).get(id)).as(id).isEqualTo(states.get(100).get(id));
            assertThat(states.get(1).get(id)).as(id).isEqualTo(states.get(100).get(id));
        }
    }

    @Test
    void evictedModelsSurviveACheckpoint() throws Exception {
        // With one live model, a checkpoint finds most models only in state; a restore must still match.
        ModelSpec spec = TestModels.spec();
        TestModels.Examples data = new TestModels.Examples(13);
        List<TrainingRecord> records = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            records.add(data.minibatch("m" + (i % 3), 2));
        }
        TrainingOptions options = TrainingOptions.builder().maxLiveModels(1).build();

        List<StepMetrics> expected;
        try (var h = opened(spec, TrainingOptions.defaults())) {
            feed(h, records);
            expected = h.extractOutputValues();
        }
        List<StepMetrics> actual = new ArrayList<>();
        OperatorSubtaskState checkpoint;
        try (var h = opened(spec, options)) {
            feed(h, records.subList(0, 10));
            checkpoint = h.snapshot(CHECKPOINT_ID, 1L);
            actual.addAll(h.extractOutputValues());
        }
        try (var h = harness(spec, options)) {
            h.initializeState(checkpoint);
            h.open();
            feed(h, records.subList(10, records.size()));
            actual.addAll(h.extractOutputValues());
        }
        assertThat(deterministic(actual)).containsExactlyElementsOf(deterministic(expected));
    }

    // ---- (h) end of input --------------------------------------------------------------------------------------

    @Test
    void endInputFlushesPartialBatchesAndSnapshotsEachModelOnce() throws Exception {
        TestModels.Examples data = new TestModels.Examples(14);
        TrainingOptions options = TrainingOptions.builder().snapshotEverySteps(2).build();
        try (var h = opened(TestModels.spec(), options)) {
            for (int i = 0; i < 6; i++) {
                h.processElement(data.example("a"), 0L);      // one batch, 2 pending
            }
            for (int i = 0; i < 3; i++) {
                h.processElement(data.example("b"), 0L);      // 3 pending
            }
            for (int i = 0; i < 8; i++) {
                h.processElement(data.example("c"), 0L);      // two batches: snapshot at step 2 already
            }
            assertThat(h.extractOutputValues()).extracting(s -> s.modelId).containsExactly("a", "c", "c");
            assertThat(snapshots(h)).extracting(s -> s.modelId, s -> s.version)
                    .containsExactly(tuple("c", 2L));

            h.endInput();

            List<StepMetrics> out = h.extractOutputValues();
            assertThat(out.subList(3, out.size())).extracting(s -> s.modelId, s -> s.step, s -> s.examples)
                    .containsExactly(tuple("a", 2L, 2L),
                            tuple("b", 1L, 3L));
            // a reaches step 2 in the flush (a snapshot by steps), b gets its final one, c has one at its step.
            List<ModelSnapshot> snaps = snapshots(h);
            assertThat(snaps).extracting(s -> s.modelId, s -> s.version, s -> s.examplesSeen)
                    .containsExactly(tuple("c", 2L, 8L),
                            tuple("a", 2L, 6L),
                            tuple("b", 1L, 3L));
            // Only the three model states and their admission marks are left: the pending buffers, counts and
            // deadlines are cleared.
            assertThat(h.numKeyedStateEntries()).isEqualTo(3 + 3);
            assertThat(h.numProcessingTimeTimers()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void endInputEmitsAggregatedPartialMetricsWindows() throws Exception {
        TestModels.Examples data = new TestModels.Examples(15);
        TrainingOptions options = TrainingOptions.builder().metricsEverySteps(3).snapshotAtEnd(false).build();
        try (var h = opened(TestModels.spec(), options)) {
            for (int i = 0; i < 5; i++) {
                h.processElement(data.minibatch("m", 4), 0L);
            }
            List<StepMetrics> out = h.extractOutputValues();
            assertThat(out).extracting(s -> s.step, s -> s.steps, s -> s.examples)
                    .containsExactly(tuple(3L, 3, 12L));

            h.endInput();
            out = h.extractOutputValues();
            assertThat(out).extracting(s -> s.step, s -> s.steps, s -> s.examples)
                    .containsExactly(tuple(3L, 3, 12L),
                            tuple(5L, 2, 8L));
            assertThat(snapshots(h)).isEmpty();   // snapshotAtEnd(false)
        }
    }
}
