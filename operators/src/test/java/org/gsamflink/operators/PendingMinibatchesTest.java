package org.gsamflink.operators;

import org.gsamflink.operators.PendingMinibatches.Minibatch;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link PendingMinibatches} on its own: counting, deadlines, concatenation and clearing of its keyed state. */
class PendingMinibatchesTest {

    private static TrainingRecord example(String id, float base, int label) {
        return TrainingRecord.example(id, new float[] {base, base + 1, base + 2, base + 3}, label);
    }

    @Test
    void concatenatesRecordsInOrderAndWeighsUnweightedRowsOne() {
        TrainingRecord single = example("m", 0f, 1);
        TrainingRecord two = TrainingRecord.minibatch("m", 2, new float[] {10, 11, 12, 13}, new int[] {0, 2});
        TrainingRecord weighted = TrainingRecord.example("m", new float[] {7, 8}, 1, 0.5f);
        Minibatch b = PendingMinibatches.concatenate(List.of(single, two, weighted), 2);
        assertThat(b.rows()).isEqualTo(4);
        assertThat(b.features()).containsExactly(0, 1, 10, 11, 12, 13, 7, 8);
        assertThat(b.labels()).containsExactly(1, 0, 2, 1);
        assertThat(b.weights()).containsExactly(1f, 1f, 1f, 0.5f);
    }

    @Test
    void withoutWeightedRecordsTheBatchHasNoWeights() {
        Minibatch b = PendingMinibatches.concatenate(List.of(example("m", 0f, 0), example("m", 1f, 2)), 4);
        assertThat(b.rows()).isEqualTo(2);
        assertThat(b.weights()).isNull();
    }

    @Test
    void addReportsAFullBatchAndTakeEmptiesTheKeysState() throws Exception {
        ModelSpec spec = TestModels.specBuilder().batchSize(3).build();
        ProbeOperator op = new ProbeOperator(TrainingOptions.defaults());
        try (var h = ProbeOperator.harness(op)) {
            h.open();
            op.setCurrentKey("a");
            assertThat(op.pending.add(example("a", 0f, 0), spec, 0L)).isFalse();
            assertThat(op.pending.add(example("a", 1f, 1), spec, 0L)).isFalse();
            op.setCurrentKey("b");
            assertThat(op.pending.add(example("b", 5f, 2), spec, 0L)).isFalse();
            op.setCurrentKey("a");
            assertThat(op.pending.add(example("a", 2f, 2), spec, 0L)).isTrue();
            Minibatch a = op.pending.take(spec, NO_MISFITS);
            assertThat(a.labels()).containsExactly(0, 1, 2);
            assertThat(op.pending.take(spec, NO_MISFITS)).as("nothing left for a").isNull();
            op.setCurrentKey("b");
            assertThat(op.pending.take(spec, NO_MISFITS).labels()).containsExactly(2);
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numProcessingTimeTimers()).as("no timeout, no timers").isZero();
        }
    }

    private static final java.util.function.BiConsumer<TrainingRecord, String> NO_MISFITS = (r, problem) -> {
        throw new AssertionError("no record should misfit: " + problem);
    };

    @Test
    void pendingRecordsAreCheckedAgainstTheSpecTheyAreTakenWith() throws Exception {
        ModelSpec narrow = TestModels.specBuilder().batchSize(4).build();
        ModelSpec wide = ModelSpec.builder().network(TestModels.mlp(8)).numFeatures(TestModels.FEATURES + 2)
                .numClasses(TestModels.CLASSES).batchSize(4).build();
        ProbeOperator op = new ProbeOperator(TrainingOptions.defaults());
        try (var h = ProbeOperator.harness(op)) {
            h.open();
            op.setCurrentKey("a");
            op.pending.add(example("a", 0f, 0), narrow, 0L);
            op.pending.add(TrainingRecord.example("a", new float[TestModels.FEATURES + 2], 1), wide, 0L);
            op.pending.add(example("a", 2f, 2), narrow, 0L);
            java.util.List<String> misfits = new java.util.ArrayList<>();
            Minibatch b = op.pending.take(narrow, (r, problem) -> misfits.add(r.rows + " row: " + problem));
            assertThat(b.labels()).containsExactly(0, 2);
            assertThat(b.features()).hasSize(2 * TestModels.FEATURES);
            assertThat(misfits).singleElement().asString().startsWith("1 row: ").contains("feature count 6 does not match the model's 4");
        }
    }

    @Test
    void theFirstRecordOfABatchSetsTheDeadline() throws Exception {
        ModelSpec spec = TestModels.specBuilder().batchSize(4).batchTimeoutMs(100).build();
        ProbeOperator op = new ProbeOperator(TrainingOptions.defaults());
        try (var h = ProbeOperator.harness(op)) {
            h.open();
            op.setCurrentKey("a");
            // A multi-row record that starts a batch sets the deadline as well.
            op.pending.add(TrainingRecord.minibatch("a", 4, new float[8], new int[] {0, 1}), spec, 10L);
            op.pending.add(example("a", 0f, 0), spec, 50L);
            assertThat(h.numProcessingTimeTimers()).isEqualTo(1);
            assertThat(op.pending.isDue(109L)).isFalse();
            assertThat(op.pending.isDue(110L)).isTrue();
            op.pending.take(spec, NO_MISFITS);
            assertThat(op.pending.isDue(110L)).as("a taken batch has no deadline").isFalse();
            op.pending.add(example("a", 0f, 0), spec, 200L);
            assertThat(op.pending.isDue(110L)).as("the old timer is not due for the next batch").isFalse();
            assertThat(op.pending.isDue(300L)).isTrue();
            h.setProcessingTime(300L);
            assertThat(op.firedTimers).containsExactly(110L, 300L);
        }
    }
}
