package org.gsamflink.operators;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.deeplearning4j.nn.api.Model;
import org.gsamflink.optimizer.GsamState;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operator's defence and visibility: rollback of a model whose step left non-finite values, alerts, no
 * non-finite snapshot, a metrics record per skipped step, the cap on model ids (and its survival across a restore),
 * bounded metric groups and heap with 20,000 model ids, and reset of broken restored state.
 */
class GsamTrainingOperatorSafetyTest {

    private static KeyedOneInputStreamOperatorTestHarness<String, TrainingRecord, StepMetrics> harness(
            GsamTrainingOperator op) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(op, r -> r.modelId, Types.STRING);
    }

    private static GsamTrainingOperator operator(TrainingOptions options) {
        return new GsamTrainingOperator(ModelSpecResolver.single(TestModels.spec()), options);
    }

    private static <T> List<T> side(KeyedOneInputStreamOperatorTestHarness<String, TrainingRecord, StepMetrics> h,
                                    org.apache.flink.util.OutputTag<T> tag) {
        Queue<StreamRecord<T>> q = h.getSideOutput(tag);
        List<T> out = new ArrayList<>();
        if (q != null) {
            q.forEach(r -> out.add(r.getValue()));
        }
        return out;
    }

    private static float[] params(Model network) {
        return network.params().dup().castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).toFloatVector();
    }

    private static void assertEveryValueFinite(ModelSnapshot s) {
        assertThat(Finiteness.zipProblem(s.modelBytes)).as("snapshot %s", s).isNull();
        GsamState full = GsamState.decode(s.optimizerState).withParametersFrom(s.modelBytes);
        assertThat(full.step()).isEqualTo(s.version);
    }

    private static TrainingRecord huge(String id, float value) {
        float[] f = new float[4 * TestModels.FEATURES];
        Arrays.fill(f, value);
        return TrainingRecord.minibatch(id, TestModels.FEATURES, f, new int[] {0, 1, 2, 0});
    }

    @Test
    void aModelBrokenByAStepIsRolledBackToItsLastGoodStateWithAnAlert() throws Exception {
        TestModels.Examples data = new TestModels.Examples(1);
        GsamTrainingOperator op = operator(TrainingOptions.builder().snapshotEverySteps(2).build());
        try (var h = harness(op)) {
            h.open();
            for (int i = 0; i < 4; i++) {
                h.processElement(data.minibatch("m", 4), 10L);   // steps 1..4, snapshots at 2 and 4
            }
            float[] good = params(op.liveNetworkForTests("m"));
            boolean[] corrupt = {true};
            op.afterStepForTests((key, network) -> {
                if (corrupt[0]) {
                    network.params().putScalar(3, Double.NaN);
                }
            });
            h.setProcessingTime(77L);
            h.processElement(data.minibatch("m", 4), 10L);        // step 5 breaks the model

            assertThat(params(op.liveNetworkForTests("m"))).as("the parameters of the last good state (step 4)")
                    .containsExactly(good);
            List<TrainingAlert> alerts = side(h, GsamTrainingOperator.ALERTS);
            assertThat(alerts).singleElement().satisfies(a -> {
                assertThat(a.modelId).isEqualTo("m");
                assertThat(a.step).isEqualTo(4);                     // the step counter the broken step ran at
                assertThat(a.reason).isEqualTo(Finiteness.NON_FINITE_PARAMETERS);
                assertThat(a.action).isEqualTo(TrainingAlert.ROLLED_BACK);
                assertThat(a.detail).contains("rolled back to the last good state at step 4");
                assertThat(a.timestampMs).isEqualTo(77L);
            });
            assertThat(h.extractOutputValues()).as("no metrics for the rolled-back step").hasSize(4);

            corrupt[0] = false;
            for (int i = 0; i < 2; i++) {
                h.processElement(data.minibatch("m", 4), 10L);    // steps 5 and 6 again, a snapshot at 6
            }
            h.endInput();
            List<ModelSnapshot> snaps = side(h, GsamTrainingOperator.SNAPSHOTS);
            assertThat(snaps).extracting(s -> s.version).containsExactly(2L, 4L, 6L);
            snaps.forEach(GsamTrainingOperatorSafetyTest::assertEveryValueFinite);
            assertThat(h.extractOutputValues()).extracting(s -> s.step).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        }
    }

    @Test
    void aRollbackNeverGoesBehindAnEmittedSnapshot() throws Exception {
        TestModels.Examples data = new TestModels.Examples(2);
        GsamTrainingOperator op = operator(TrainingOptions.builder().snapshotEverySteps(3).build());
        try (var h = harness(op)) {
            h.open();
            for (int i = 0; i < 4; i++) {
                h.processElement(data.minibatch("m", 4), 10L);   // snapshot at 3, step 4 after it
            }
            op.afterStepForTests((key, network) -> network.params().putScalar(0, Double.POSITIVE_INFINITY));
            h.processElement(data.minibatch("m", 4), 10L);
            assertThat(side(h, GsamTrainingOperator.ALERTS)).singleElement()
                    .satisfies(a -> assertThat(a.detail).contains("at step 3"));
            op.afterStepForTests(null);
            for (int i = 0; i < 3; i++) {
                h.processElement(data.minibatch("m", 4), 10L);   // 4, 5, 6: the next snapshot is a new version
            }
            assertThat(side(h, GsamTrainingOperator.SNAPSHOTS)).extracting(s -> s.version).containsExactly(3L, 6L);
        }
    }

    @Test
    void hugeFeaturesNeverLeaveANonFiniteModelOrSnapshot() throws Exception {
        TestModels.Examples data = new TestModels.Examples(3);
        GsamTrainingOperator op = operator(TrainingOptions.builder().snapshotEverySteps(1).build());
        try (var h = harness(op)) {
            h.open();
            h.processElement(data.minibatch("m", 4), 10L);
            for (float v : new float[] {1e18f, 1e30f, 3e38f}) {
                h.processElement(huge("m", v), 10L);
                assertThat(Finiteness.problem(op.liveNetworkForTests("m"))).as("features %s", v).isNull();
            }
            h.processElement(data.minibatch("m", 4), 10L);
            List<StepMetrics> metrics = h.extractOutputValues();
            List<TrainingAlert> alerts = side(h, GsamTrainingOperator.ALERTS);
            // 1e18 breaks the parameters (rolled back), 1e30 the loss (skipped, a record with the reason); 3e38 may
            // even train finitely. Whatever the optimizer does, the model and every snapshot stay finite.
            long skipped = metrics.stream().filter(m -> m.skippedReason != null).count();
            assertThat(skipped + alerts.size()).as("skipped or rolled-back huge batches").isGreaterThanOrEqualTo(2);
            side(h, GsamTrainingOperator.SNAPSHOTS).forEach(GsamTrainingOperatorSafetyTest::assertEveryValueFinite);
        }
    }

    @Test
    void aSkippedStepGetsAMetricsRecordWithItsReason() throws Exception {
        TestModels.Examples data = new TestModels.Examples(4);
        GsamTrainingOperator op = operator(TrainingOptions.builder().metricsEverySteps(5).build());
        try (var h = harness(op)) {
            h.open();
            h.processElement(data.minibatch("m", 4), 10L);
            h.setProcessingTime(50L);
            h.processElement(huge("m", 3e38f), 10L);
            List<StepMetrics> out = h.extractOutputValues();
            assertThat(out).as("one record for the skipped step, none yet for the 5-step window").singleElement()
                    .satisfies(m -> {
                        assertThat(m.modelId).isEqualTo("m");
                        assertThat(m.skippedReason).isIn("non-finite-loss", "non-finite-gradient",
                                "non-finite-perturbed", "non-finite-direction", "non-finite-parameters");
                        assertThat(m.step).isEqualTo(1);
                        assertThat(m.steps).isZero();
                        assertThat(m.examples).isZero();
                        assertThat(m.skippedSteps).isEqualTo(1);
                        assertThat(m.timestampMs).isEqualTo(50L);
                        assertThat(m.toString()).contains("skippedReason=" + m.skippedReason);
                    });
            // The model is unchanged and keeps training.
            for (int i = 0; i < 4; i++) {
                h.processElement(data.minibatch("m", 4), 10L);
            }
            assertThat(h.extractOutputValues()).extracting(m -> m.step, m -> m.steps, m -> m.skippedReason)
                    .last().isEqualTo(org.assertj.core.groups.Tuple.tuple(5L, 5, null));
        }
    }

    @Test
    void newModelIdsBeyondTheCapAreRejectedAndTheCapSurvivesARestore() throws Exception {
        TestModels.Examples data = new TestModels.Examples(5);
        TrainingOptions options = TrainingOptions.builder().maxModels(2).build();
        OperatorSubtaskState checkpoint;
        try (var h = harness(operator(options))) {
            h.open();
            h.processElement(data.minibatch("a", 4), 10L);
            h.processElement(data.example("b"), 10L);            // pending only: admitted all the same
            h.setProcessingTime(5L);
            h.processElement(data.minibatch("c", 4), 10L);
            h.processElement(data.minibatch("a", 4), 10L);
            assertThat(h.extractOutputValues()).extracting(m -> m.modelId, m -> m.step)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("a", 1L),
                            org.assertj.core.groups.Tuple.tuple("a", 2L));
            assertThat(side(h, GsamTrainingOperator.REJECTED)).singleElement().satisfies(r -> {
                assertThat(r.modelId).isEqualTo("c");
                assertThat(r.reason).isEqualTo(RejectedRecord.TOO_MANY_MODELS).isEqualTo("too-many-models");
                assertThat(r.rows).isEqualTo(4);
                assertThat(r.detail).contains("'c'").contains("training.max-models = 2");
                assertThat(r.timestampMs).isEqualTo(5L);
            });
            checkpoint = h.snapshot(1L, 1L);
        }
        GsamTrainingOperator restored = operator(options);
        try (var h = harness(restored)) {
            h.initializeState(checkpoint);
            h.open();
            h.processElement(data.minibatch("d", 4), 10L);
            h.processElement(data.minibatch("b", 4), 10L);       // b is known: trains (its pending example waits)
            h.processElement(data.minibatch("a", 4), 10L);
            assertThat(side(h, GsamTrainingOperator.REJECTED)).extracting(r -> r.modelId).containsExactly("d");
            assertThat(h.extractOutputValues()).extracting(m -> m.modelId, m -> m.step)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("b", 1L),
                            org.assertj.core.groups.Tuple.tuple("a", 3L));
        }
    }

    @Test
    void theCapIsSharedAmongSubtasks() {
        TrainingOptions o = TrainingOptions.builder().maxModels(10_000).build();
        assertThat(o.maxModelsPerSubtask(1)).isEqualTo(10_000);
        assertThat(o.maxModelsPerSubtask(3)).isEqualTo(3_334);
        assertThat(o.maxModelsPerSubtask(10_000)).isEqualTo(1);
        assertThat(TrainingOptions.builder().maxModels(5).build().maxModelsPerSubtask(8)).isEqualTo(1);
    }

    @Test
    void twentyThousandModelIdsStayWithinTheCapTheHeapAndTheMetricGroups() throws Exception {
        int ids = 20_000;
        int cap = 200;
        TrainingOptions options = TrainingOptions.builder().maxModels(cap).maxLiveModels(8)
                .maxModelMetricGroups(50).snapshotAtEnd(false).build();
        GsamTrainingOperator op = operator(options);
        TestModels.Examples data = new TestModels.Examples(6);
        long before = usedHeapAfterGc();
        try (var h = harness(op)) {
            h.open();
            for (int i = 0; i < ids; i++) {
                h.processElement(data.minibatch("model-" + i, 2), 10L);
            }
            List<RejectedRecord> rejected = side(h, GsamTrainingOperator.REJECTED);
            assertThat(rejected).hasSize(ids - cap);
            assertThat(rejected).allSatisfy(r -> assertThat(r.reason).isEqualTo(RejectedRecord.TOO_MANY_MODELS));
            Set<String> trained = new HashSet<>();
            h.extractOutputValues().forEach(m -> trained.add(m.modelId));
            assertThat(trained).hasSize(cap).contains("model-0", "model-" + (cap - 1)).doesNotContain("model-" + cap);
            assertThat(op.modelMetricGroups()).isEqualTo(50);
            h.getOutput().clear();
            long after = usedHeapAfterGc();
            // 200 small model states plus their flags; 19,800 rejected ids cost nothing but their side-output records.
            assertThat(after - before).as("heap growth in bytes").isLessThan(96L << 20);
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    @Test
    void aBrokenRestoredStateIsResetWithAnAlertAndKeepsItsStepCounter() throws Exception {
        TestModels.Examples data = new TestModels.Examples(7);
        ModelSpec spec = TestModels.spec();
        OperatorSubtaskState checkpoint;
        long step;
        try (var h = harness(operator(TrainingOptions.defaults()))) {
            h.open();
            for (int i = 0; i < 3; i++) {
                h.processElement(data.minibatch("m", 4), 10L);
            }
            checkpoint = h.snapshot(1L, 1L);
            step = 3;
        }
        // What a release without these checks could checkpoint: the same state with a NaN parameter.
        ProbeOperator probe = new ProbeOperator(TrainingOptions.defaults());
        OperatorSubtaskState broken;
        try (var h = ProbeOperator.harness(probe)) {
            h.initializeState(checkpoint);
            h.open();
            probe.setCurrentKey("m");
            LiveModelCache.LiveModel m = probe.cache.get("m", spec);
            assertThat(m.resetDetail).isNull();
            m.network.params().putScalar(1, Double.NaN);
            m.dirty = true;
            probe.cache.writeBack(m);
            broken = h.snapshot(2L, 2L);
        }
        GsamTrainingOperator op = operator(TrainingOptions.defaults());
        try (var h = harness(op)) {
            h.initializeState(broken);
            h.open();
            h.processElement(data.minibatch("m", 4), 10L);
            assertThat(side(h, GsamTrainingOperator.ALERTS)).singleElement().satisfies(a -> {
                assertThat(a.action).isEqualTo(TrainingAlert.RESET);
                assertThat(a.reason).isEqualTo("non-finite-restored-state");
                assertThat(a.detail).contains(Finiteness.NON_FINITE_PARAMETERS).contains("step 3");
            });
            assertThat(h.extractOutputValues()).singleElement()
                    .satisfies(m -> assertThat(m.step).isEqualTo(step + 1));
            assertThat(Finiteness.problem(op.liveNetworkForTests("m"))).isNull();
        }
    }

    @Test
    void finitenessFindsNanAndInfinityInParametersAndUpdaterState() {
        Model network = TestModels.spec().newNetwork();
        assertThat(Finiteness.problem(network)).isNull();
        INDArray updater = Finiteness.updaterState(network);
        assertThat(updater).isNotNull();
        updater.putScalar(0, Double.NEGATIVE_INFINITY);
        assertThat(Finiteness.problem(network)).isEqualTo(Finiteness.NON_FINITE_UPDATER_STATE);
        assertThat(Finiteness.zipProblem(GsamTrainingOperator.modelBytes(network)))
                .isEqualTo(Finiteness.NON_FINITE_UPDATER_STATE);
        network.params().putScalar(0, Double.NaN);
        assertThat(Finiteness.problem(network)).isEqualTo(Finiteness.NON_FINITE_PARAMETERS);
        assertThat(Finiteness.zipProblem(GsamTrainingOperator.modelBytes(network)))
                .isEqualTo(Finiteness.NON_FINITE_PARAMETERS);
        assertThat(Finiteness.nonFiniteCount(network.params())).isEqualTo(1);
        assertThat(Finiteness.zipProblem(new byte[] {1, 2, 3})).as("not a model zip: not judged").isNull();
    }
}
