package org.gsamflink.operators;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code model.standardize} in the training operator: training sees exactly the standardized features, the
 * statistics survive a checkpoint bit for bit and travel in every snapshot, a rolled-back step leaves them as they
 * were, and a restore that switches standardization on or off starts or drops them.
 */
class GsamTrainingOperatorStandardizeTest {

    private static final int BATCHES = 40;

    private static KeyedOneInputStreamOperatorTestHarness<String, TrainingRecord, StepMetrics> harness(
            GsamTrainingOperator op) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(op, r -> r.modelId, Types.STRING);
    }

    private static GsamTrainingOperator operator(boolean standardize, TrainingOptions options) {
        return new GsamTrainingOperator(ModelSpecResolver.single(TestModels.specBuilder().standardize(standardize)
                .standardizeClip(3).build()), options);
    }

    /** Minibatches of 4 with features on very different scales (offsets of 1,000 and spreads of 50). */
    private static List<TrainingRecord> stream(long seed) {
        TestModels.Examples data = new TestModels.Examples(seed);
        List<TrainingRecord> out = new ArrayList<>();
        for (int b = 0; b < BATCHES; b++) {
            TrainingRecord r = data.minibatch("m", 4);
            for (int i = 0; i < r.features.length; i++) {
                r.features[i] = 1_000 * (i % TestModels.FEATURES) + 50 * r.features[i];
            }
            out.add(r);
        }
        return out;
    }

    private static TrainingRecord copyWithFeatures(TrainingRecord r, float[] features) {
        return TrainingRecord.minibatch(r.modelId, TestModels.FEATURES, features, r.labels.clone());
    }

    private static List<ModelSnapshot> snapshots(KeyedOneInputStreamOperatorTestHarness<String, TrainingRecord,
            StepMetrics> h) {
        Queue<StreamRecord<ModelSnapshot>> q = h.getSideOutput(GsamTrainingOperator.SNAPSHOTS);
        List<ModelSnapshot> out = new ArrayList<>();
        if (q == null) {
            return out;
        }
        q.forEach(r -> out.add(r.getValue()));
        return out;
    }

    @Test
    void trainsOnExactlyTheStandardizedFeaturesAndSnapshotsTheStatistics() throws Exception {
        List<TrainingRecord> raw = stream(21);
        // The reference: a model without standardization fed the features a reference standardizer produces.
        FeatureStandardizer reference = new FeatureStandardizer(TestModels.FEATURES, 3);
        GsamTrainingOperator plain = operator(false, TrainingOptions.builder().build());
        GsamTrainingOperator standardized = operator(true, TrainingOptions.builder().snapshotEverySteps(BATCHES)
                .build());
        try (var p = harness(plain); var s = harness(standardized)) {
            p.open();
            s.open();
            for (TrainingRecord r : raw) {
                FeatureStandardizer.Update u = reference.prepare(r.features, r.rows);
                reference.accept(u);
                p.processElement(copyWithFeatures(r, u.standardized()), 10L);
                s.processElement(r, 10L);
            }
            MultiLayerNetwork a = (MultiLayerNetwork) plain.liveNetworkForTests("m");
            MultiLayerNetwork b = (MultiLayerNetwork) standardized.liveNetworkForTests("m");
            assertThat(b.params()).as("bit for bit").isEqualTo(a.params());
            FeatureStandardizer live = standardized.liveStandardizerForTests("m");
            assertThat(live.sameAs(reference)).isTrue();
            assertThat(live.count()).isEqualTo(4L * BATCHES);
            assertThat(live.mean(3)).isBetween(2_900.0, 3_100.0);
            assertThat(plain.liveStandardizerForTests("m")).isNull();

            assertThat(snapshots(s)).hasSize(1);
            ModelSnapshot snap = snapshots(s).get(0);
            assertThat(FeatureStandardizer.from(snap.modelBytes))
                    .hasValueSatisfying(f -> assertThat(f.sameAs(reference)).isTrue());
            MultiLayerNetwork stored = ModelSerializer.restoreMultiLayerNetwork(
                    new ByteArrayInputStream(snap.modelBytes), false);
            assertThat(stored.params()).isEqualTo(b.params());
        }
    }

    @Test
    void theStatisticsSurviveACheckpointBitForBit() throws Exception {
        List<TrainingRecord> raw = stream(22);
        GsamTrainingOperator uninterrupted = operator(true, TrainingOptions.builder().build());
        GsamTrainingOperator first = operator(true, TrainingOptions.builder().build());
        OperatorSubtaskState checkpoint;
        FeatureStandardizer atCheckpoint;
        try (var u = harness(uninterrupted); var f = harness(first)) {
            u.open();
            f.open();
            for (int i = 0; i < BATCHES / 2; i++) {
                u.processElement(raw.get(i), 10L);
                f.processElement(raw.get(i), 10L);
            }
            checkpoint = f.snapshot(1, 100L);
            atCheckpoint = first.liveStandardizerForTests("m").copy();
            GsamTrainingOperator restored = operator(true, TrainingOptions.builder().build());
            try (var r = harness(restored)) {
                r.initializeState(checkpoint);
                r.open();
                r.processElement(raw.get(BATCHES / 2), 10L);
                u.processElement(raw.get(BATCHES / 2), 10L);
                FeatureStandardizer.Update expected = atCheckpoint.prepare(raw.get(BATCHES / 2).features, 4);
                atCheckpoint.accept(expected);
                assertThat(restored.liveStandardizerForTests("m").sameAs(atCheckpoint)).isTrue();
                assertThat(restored.liveStandardizerForTests("m").sameAs(uninterrupted.liveStandardizerForTests("m")))
                        .isTrue();
                assertThat(restored.liveNetworkForTests("m").params())
                        .isEqualTo(uninterrupted.liveNetworkForTests("m").params());
            }
        }
    }

    @Test
    void aRolledBackStepLeavesTheStatisticsAsTheyWere() throws Exception {
        List<TrainingRecord> raw = stream(23);
        GsamTrainingOperator op = operator(true, TrainingOptions.builder().snapshotEverySteps(1).build());
        try (var h = harness(op)) {
            h.open();
            for (int i = 0; i < 5; i++) {
                h.processElement(raw.get(i), 10L);
            }
            FeatureStandardizer good = op.liveStandardizerForTests("m").copy();
            op.afterStepForTests((key, network) -> network.params().putScalar(0, Double.NaN));
            h.processElement(raw.get(5), 10L);
            assertThat(op.liveStandardizerForTests("m").sameAs(good)).isTrue();
            op.afterStepForTests(null);
            h.processElement(raw.get(6), 10L);
            assertThat(op.liveStandardizerForTests("m").count()).isEqualTo(good.count() + 4);
        }
    }

    @Test
    void aRestoreThatSwitchesStandardizationStartsOrDropsTheStatistics() throws Exception {
        List<TrainingRecord> raw = stream(24);
        OperatorSubtaskState withoutStatistics;
        GsamTrainingOperator off = operator(false, TrainingOptions.builder().build());
        try (var h = harness(off)) {
            h.open();
            for (int i = 0; i < 3; i++) {
                h.processElement(raw.get(i), 10L);
            }
            withoutStatistics = h.snapshot(1, 100L);
        }
        OperatorSubtaskState withStatistics;
        GsamTrainingOperator on = operator(true, TrainingOptions.builder().build());
        try (var h = harness(on)) {
            h.initializeState(withoutStatistics);
            h.open();
            h.processElement(raw.get(3), 10L);
            assertThat(on.liveOptimizerForTests("m").stepCount()).isEqualTo(4);
            assertThat(on.liveStandardizerForTests("m").count()).as("from the restore on").isEqualTo(4);
            withStatistics = h.snapshot(2, 200L);
        }
        GsamTrainingOperator offAgain = operator(false, TrainingOptions.builder().build());
        try (var h = harness(offAgain)) {
            h.initializeState(withStatistics);
            h.open();
            h.processElement(raw.get(4), 10L);
            assertThat(offAgain.liveOptimizerForTests("m").stepCount()).isEqualTo(5);
            assertThat(offAgain.liveStandardizerForTests("m")).isNull();
        }
    }
}
