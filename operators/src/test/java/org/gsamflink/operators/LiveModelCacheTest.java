package org.gsamflink.operators;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.gsamflink.operators.LiveModelCache.LiveModel;
import org.gsamflink.optimizer.GsamState;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link LiveModelCache} on its own: loading, LRU eviction with write-back, and write-back at checkpoints. */
class LiveModelCacheTest {

    private static final ModelSpec SPEC = TestModels.spec();

    /** One training step of the current key's live model, as the operator runs it. */
    private static LiveModel step(ProbeOperator op, String key, TestModels.Examples data) throws Exception {
        op.setCurrentKey(key);
        LiveModel m = op.cache.get(key, SPEC);
        TrainingRecord r = data.minibatch(key, 4);
        m.gsam.step(GsamTrainingOperator.toDataSet(SPEC, m.dataType, r.rows, r.features, r.labels, null));
        m.state.examplesSeen += r.rows;
        m.dirty = true;
        return m;
    }

    @Test
    void aCachedModelIsReturnedAsIsAndANewOneStartsFresh() throws Exception {
        ProbeOperator op = new ProbeOperator(TrainingOptions.defaults());
        try (var h = ProbeOperator.harness(op)) {
            h.open();
            LiveModel m = step(op, "a", new TestModels.Examples(1));
            assertThat(op.cache.get("a", SPEC)).isSameAs(m);
            assertThat(m.gsam.stepCount()).isEqualTo(1);
            assertThat(m.state.architectureFingerprint).isEqualTo(SPEC.architectureFingerprint());
            assertThat(op.cache.keys()).containsExactly("a");
            assertThat(h.numKeyedStateEntries()).as("nothing written back yet").isZero();
        }
    }

    @Test
    void theLeastRecentlyUsedModelIsWrittenBackAndEvicted() throws Exception {
        ProbeOperator op = new ProbeOperator(TrainingOptions.builder().maxLiveModels(2).build());
        TestModels.Examples data = new TestModels.Examples(2);
        try (var h = ProbeOperator.harness(op)) {
            h.open();
            LiveModel a = step(op, "a", data);
            byte[] bState = step(op, "b", data).gsam.exportState();
            op.setCurrentKey("a");
            op.cache.get("a", SPEC);                      // a is now the most recently used
            step(op, "c", data);                          // evicts b, the eldest
            assertThat(op.cache.keys()).containsExactlyInAnyOrder("a", "c");
            assertThat(h.numKeyedStateEntries()).isEqualTo(1);
            op.setCurrentKey("b");
            LiveModel b = op.cache.get("b", SPEC);        // reloaded from state, evicting a
            assertThat(b.gsam.exportState()).isEqualTo(bState);
            assertThat(b.state.examplesSeen).isEqualTo(4);
            assertThat(b.dirty).isFalse();
            assertThat(op.cache.keys()).containsExactlyInAnyOrder("c", "b");
            op.setCurrentKey("a");
            assertThat(op.cache.get("a", SPEC)).as("a was evicted and reloaded").isNotSameAs(a);
        }
    }

    @Test
    void writeBackAllStoresEveryChangedModelUnderItsKey() throws Exception {
        ProbeOperator op = new ProbeOperator(TrainingOptions.defaults());
        TestModels.Examples data = new TestModels.Examples(3);
        OperatorSubtaskState checkpoint;
        byte[] aState;
        try (var h = ProbeOperator.harness(op)) {
            h.open();
            aState = step(op, "a", data).gsam.exportState();
            step(op, "b", data);
            step(op, "b", data);
            op.setCurrentKey("b");
            op.cache.writeBackAll();
            assertThat(op.getCurrentKey()).as("the current key is restored").isEqualTo("b");
            assertThat(h.numKeyedStateEntries()).isEqualTo(2);
            assertThat(op.cache.get("b", SPEC).dirty).isFalse();
            checkpoint = h.snapshot(1L, 1L);
        }
        ProbeOperator restored = new ProbeOperator(TrainingOptions.defaults());
        try (var h = ProbeOperator.harness(restored)) {
            h.initializeState(checkpoint);
            h.open();
            restored.setCurrentKey("a");
            LiveModel a = restored.cache.get("a", SPEC);
            assertThat(a.gsam.exportState()).isEqualTo(aState);
            assertThat(GsamState.decode(a.state.optimizerState).step()).isEqualTo(1);
            restored.setCurrentKey("b");
            assertThat(restored.cache.get("b", SPEC).gsam.stepCount()).isEqualTo(2);
        }
    }

    @Test
    void stateOfAnotherArchitectureIsRejected() throws Exception {
        ProbeOperator op = new ProbeOperator(TrainingOptions.defaults());
        try (var h = ProbeOperator.harness(op)) {
            h.open();
            step(op, "a", new TestModels.Examples(4));
            op.cache.writeBackAll();
            op.cache.close();
            assertThat(op.cache.keys()).isEmpty();
            ModelSpec wider = TestModels.specBuilder().network(TestModels.mlp(16)).build();
            op.setCurrentKey("a");
            assertThatThrownBy(() -> op.cache.get("a", wider))
                    .isInstanceOf(org.apache.flink.runtime.execution.SuppressRestartsException.class)
                    .cause().isInstanceOf(IncompatibleStateException.class)
                    .hasMessageStartingWith("The saved state of model 'a' does not fit the configured network "
                            + "(model.architecture changed): layer 0: DenseLayer W 4x8 b 8 in the saved state, "
                            + "DenseLayer W 4x16 b 16 configured");
        }
    }
}
