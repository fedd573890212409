package org.gsamflink.operators;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.gsamflink.modelstore.ModelMetadata;
import org.gsamflink.modelstore.ModelStore;
import org.gsamflink.modelstore.ModelVersion;
import org.gsamflink.optimizer.GsamState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link TrainingOptions#warmStart()}: a model without state starts from a model-store version. */
class WarmStartTest {

    private static KeyedOneInputStreamOperatorTestHarness<String, TrainingRecord, StepMetrics> opened(
            ModelSpec spec, TrainingOptions options) throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, TrainingRecord, StepMetrics> h =
                new KeyedOneInputStreamOperatorTestHarness<>(new GsamTrainingOperator(
                        ModelSpecResolver.single(spec), options), r -> r.modelId, Types.STRING);
        h.open();
        return h;
    }

    private static List<ModelSnapshot> snapshots(
            KeyedOneInputStreamOperatorTestHarness<String, TrainingRecord, StepMetrics> h) {
        List<ModelSnapshot> out = new ArrayList<>();
        if (h.getSideOutput(GsamTrainingOperator.SNAPSHOTS) != null) {
            h.getSideOutput(GsamTrainingOperator.SNAPSHOTS).forEach(r -> out.add(r.getValue()));
        }
        return out;
    }

    private static List<StepMetrics> metrics(
            KeyedOneInputStreamOperatorTestHarness<String, TrainingRecord, StepMetrics> h) {
        List<StepMetrics> out = new ArrayList<>();
        for (Object o : h.getOutput()) {
            if (o instanceof StreamRecord<?> r && r.getValue() instanceof StepMetrics m) {
                out.add(m);
            }
        }
        return out;
    }

    private static void publish(ModelStore store, ModelSnapshot s) throws Exception {
        publish(store, s, false);
    }

    /** {@code earlierRelease}: optimizer.bin as earlier releases wrote it, GsamState version 1 with parameters. */
    private static void publish(ModelStore store, ModelSnapshot s, boolean earlierRelease) throws Exception {
        store.publish(ModelVersion.of(ModelMetadata.builder().modelId(s.modelId).version(s.version)
                .timestampMs(s.timestampMs).metrics(Map.of("examplesSeen", s.examplesSeen)).build(),
                s.modelBytes, earlierRelease ? TestModels.fullState(s) : s.optimizerState));
    }

    /** One batch (batch size 4): the model is loaded when it trains. */
    private static void feed(KeyedOneInputStreamOperatorTestHarness<String, TrainingRecord, StepMetrics> h,
                             List<TrainingRecord> records) throws Exception {
        for (TrainingRecord r : records) {
            h.processElement(r, 0L);
        }
    }

    private static List<TrainingRecord> examples(long seed, int n) {
        TestModels.Examples ex = new TestModels.Examples(seed);
        List<TrainingRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(ex.example("m"));
        }
        return out;
    }

    @Test
    void continuesFromTheLatestStoredVersionExactlyAsAnUninterruptedRun(@TempDir Path dir) throws Exception {
        continuesExactlyAsAnUninterruptedRun(dir, false, TestModels.spec());
    }

    @Test
    void continuesTheStoredInputStatisticsExactlyAsAnUninterruptedRun(@TempDir Path dir) throws Exception {
        continuesExactlyAsAnUninterruptedRun(dir, false, TestModels.specBuilder().standardize(true).build());
    }

    @Test
    void continuesFromAVersionOfAnEarlierReleaseExactlyAsAnUninterruptedRun(@TempDir Path dir) throws Exception {
        continuesExactlyAsAnUninterruptedRun(dir, true, TestModels.spec());
    }

    private static void continuesExactlyAsAnUninterruptedRun(Path dir, boolean earlierRelease, ModelSpec spec)
            throws Exception {
        ModelStore store = ModelStore.builder().root(dir.toUri().toString()).build();
        TrainingOptions snapshotEvery2 = TrainingOptions.builder().snapshotEverySteps(2).snapshotAtEnd(false).build();
        List<TrainingRecord> first = examples(1, 16);    // 4 steps of 4
        List<TrainingRecord> second = examples(2, 8);    // 2 more steps

        ModelSnapshot uninterruptedEnd;
        try (var h = opened(spec, snapshotEvery2)) {
            for (TrainingRecord r : first) {
                h.processElement(r, 0L);
            }
            for (ModelSnapshot s : snapshots(h)) {
                publish(store, s, earlierRelease);
            }
            for (TrainingRecord r : second) {
                h.processElement(r, 0L);
            }
            List<ModelSnapshot> all = snapshots(h);
            uninterruptedEnd = all.get(all.size() - 1);
        }
        assertThat(store.listVersions("m")).containsExactly(2L, 4L);
        assertThat(uninterruptedEnd.version).isEqualTo(6);

        try (var h = opened(spec, TrainingOptions.builder().snapshotEverySteps(2)
                .snapshotAtEnd(false).warmStart(WarmStart.latest(dir.toUri().toString())).build())) {
            for (TrainingRecord r : second) {
                h.processElement(r, 0L);
            }
            assertThat(metrics(h).get(0).step).isEqualTo(5);
            List<ModelSnapshot> snaps = snapshots(h);
            assertThat(snaps).singleElement().satisfies(s -> {
                assertThat(s.version).isEqualTo(6);
                assertThat(s.examplesSeen).isEqualTo(24);
                // Parameters, updater state, step and scheduler state: byte for byte the uninterrupted run's.
                assertThat(TestModels.fullState(s)).isEqualTo(TestModels.fullState(uninterruptedEnd));
                // And the input statistics, when the model standardizes.
                var stats = FeatureStandardizer.from(s.modelBytes);
                var expected = FeatureStandardizer.from(uninterruptedEnd.modelBytes);
                assertThat(stats.isPresent()).isEqualTo(spec.standardize()).isEqualTo(expected.isPresent());
                stats.ifPresent(f -> assertThat(f.sameAs(expected.get())).isTrue());
            });
        }
    }

    @Test
    void aNamedVersionIsUsedAndAModelWithoutVersionsStartsFresh(@TempDir Path dir) throws Exception {
        ModelStore store = ModelStore.builder().root(dir.toUri().toString()).build();
        try (var h = opened(TestModels.spec(), TrainingOptions.builder().snapshotEverySteps(1).build())) {
            for (TrainingRecord r : examples(1, 12)) {
                h.processElement(r, 0L);
            }
            for (ModelSnapshot s : snapshots(h)) {
                publish(store, s);
            }
        }
        TrainingOptions fromV2 = TrainingOptions.builder()
                .warmStart(WarmStart.version(dir.toUri().toString(), 2)).build();
        try (var h = opened(TestModels.spec(), fromV2)) {
            TestModels.Examples ex = new TestModels.Examples(3);
            for (int i = 0; i < 4; i++) {
                h.processElement(ex.example("m"), 0L);
                h.processElement(ex.example("other"), 0L);
            }
            List<StepMetrics> m = metrics(h);
            assertThat(m).extracting(x -> x.modelId + "@" + x.step).containsExactlyInAnyOrder("m@3", "other@1");
        }
        TrainingOptions fromV9 = TrainingOptions.builder()
                .warmStart(WarmStart.version(dir.toUri().toString(), 9)).build();
        try (var h = opened(TestModels.spec(), fromV9)) {
            assertThatThrownBy(() -> feed(h, examples(4, 4)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("names a version the store does not have");
        }
    }

    @Test
    void anotherArchitectureFailsClearly(@TempDir Path dir) throws Exception {
        ModelStore store = ModelStore.builder().root(dir.toUri().toString()).build();
        try (var h = opened(TestModels.spec(), TrainingOptions.defaults())) {
            for (TrainingRecord r : examples(1, 4)) {
                h.processElement(r, 0L);
            }
            h.endInput();
            publish(store, snapshots(h).get(0));
        }
        ModelSpec wider = TestModels.specBuilder().network(TestModels.mlp(5)).build();
        TrainingOptions warm = TrainingOptions.builder().warmStart(WarmStart.latest(dir.toUri().toString())).build();
        try (var h = opened(wider, warm)) {
            assertThatThrownBy(() -> feed(h, examples(2, 4)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("cannot warm-start model 'm'")
                    .hasMessageContaining("another architecture");
        }
        assertThat(GsamState.decode(store.readLatest("m").orElseThrow().optimizerState()).step()).isEqualTo(1);
    }

    @Test
    void warmStartValidatesItsArguments() {
        assertThatThrownBy(() -> WarmStart.latest(" ")).hasMessageContaining("storeRoot must not be blank");
        assertThatThrownBy(() -> WarmStart.version("/tmp/x", -1)).hasMessageContaining("version must be >= 0");
        assertThat(WarmStart.latest("/tmp/x").version()).isEmpty();
        assertThat(WarmStart.version("/tmp/x", 7).version()).hasValue(7);
    }
}
