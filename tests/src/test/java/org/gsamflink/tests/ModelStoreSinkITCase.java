package org.gsamflink.tests;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.gsamflink.modelstore.ModelStore;
import org.gsamflink.modelstore.ModelVersion;
import org.gsamflink.operators.GsamTraining;
import org.gsamflink.operators.ModelSnapshot;
import org.gsamflink.operators.ModelSpec;
import org.gsamflink.operators.ModelSpecResolver;
import org.gsamflink.operators.StepMetrics;
import org.gsamflink.operators.TrainingOptions;
import org.gsamflink.operators.TrainingRecord;
import org.gsamflink.operators.WarmStart;
import org.gsamflink.operators.store.ModelStoreSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.flink.util.ExceptionUtils;
import org.gsamflink.modelstore.ModelOwnedException;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link ModelStoreSink} on a MiniCluster: exactly-once publishing across a failure, and warm start. */
class ModelStoreSinkITCase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = TrainingFixtures.miniCluster(2);

    private static final GeneratorFunction<Long, TrainingRecord> EXAMPLES = i -> TrainingFixtures.example("m", i);

    private static TrainingOptions everyTenSteps() {
        return TrainingOptions.builder().snapshotEverySteps(10).build();
    }

    /** A rate-limited, checkpointed job whose snapshots go into a store at {@code root}. */
    private static void trainIntoStore(String name, String root, long count, long firstIndex, boolean failOnce,
                                       TrainingOptions options, TrainingFixtures.CollectingSink<StepMetrics> metrics)
            throws Exception {
        trainIntoStore(name, ModelStoreSink.forRoot(root, 1000), count, firstIndex, failOnce, options, metrics);
    }

    private static void trainIntoStore(String name, ModelStoreSink sink, long count, long firstIndex, boolean failOnce,
                                       TrainingOptions options, TrainingFixtures.CollectingSink<StepMetrics> metrics)
            throws Exception {
        StreamExecutionEnvironment env = TrainingFixtures.env();
        env.enableCheckpointing(100);
        DataStream<TrainingRecord> records = env.fromSource(
                TrainingFixtures.source(i -> EXAMPLES.map(i + firstIndex), count, 2000),
                WatermarkStrategy.noWatermarks(), "examples");
        if (failOnce) {
            records = records.map(new GsamTrainingOperatorITCase.FailOnceAfterCheckpoint(500)).name("fail once");
        }
        GsamTraining.Streams out = GsamTraining.train(records, ModelSpecResolver.single(spec()), options);
        out.snapshots().sinkTo(sink).name("model store");
        if (metrics != null) {
            out.metrics().sinkTo(metrics);
        }
        env.execute(name);
    }

    private static ModelSpec spec() {
        return TrainingFixtures.spec().build();
    }

    private static INDArray outputs(byte[] modelBytes) throws Exception {
        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(modelBytes));
        float[][] x = new float[8][];
        for (int i = 0; i < x.length; i++) {
            x[i] = TrainingFixtures.example("held-out", 1_000_000 + i).features;
        }
        return net.output(Nd4j.createFromArray(x));
    }

    @Test
    void aFailurePublishesEveryVersionExactlyOnce(@TempDir Path dir) throws Exception {
        long count = 4000;   // 250 steps of 16
        // Reference: the same training, uninterrupted, snapshots collected.
        StreamExecutionEnvironment env = TrainingFixtures.env();
        TrainingFixtures.CollectingSink<ModelSnapshot> collected = new TrainingFixtures.CollectingSink<>("ref-snapshots");
        GsamTraining.train(env.fromSource(TrainingFixtures.source(EXAMPLES, count, 0), WatermarkStrategy.noWatermarks(),
                "examples"), ModelSpecResolver.single(spec()), everyTenSteps()).snapshots().sinkTo(collected);
        env.execute("store-reference");
        Map<Long, ModelSnapshot> reference = collected.results().stream()
                .collect(Collectors.toMap(s -> s.version, Function.identity()));
        List<Long> expectedVersions = LongStream.rangeClosed(1, 25).map(v -> v * 10).boxed().toList();
        assertThat(reference.keySet()).containsExactlyInAnyOrderElementsOf(expectedVersions);

        GsamTrainingOperatorITCase.FailOnceAfterCheckpoint.FAILED.set(false);
        String root = dir.toUri().toString();
        trainIntoStore("store-failover", root, count, 0, true, everyTenSteps(), null);
        assertThat(GsamTrainingOperatorITCase.FailOnceAfterCheckpoint.FAILED).isTrue();

        ModelStore store = ModelStore.builder().root(root).keepLast(1000).build();
        assertThat(store.listModels()).containsExactly("m");
        assertThat(store.listVersions("m")).containsExactlyElementsOf(expectedVersions);
        assertThat(store.latest("m")).hasValue(250);
        for (long v : expectedVersions) {
            ModelVersion stored = store.read("m", v);
            ModelSnapshot ref = reference.get(v);
            assertThat(stored.optimizerState()).as("optimizer state of version %d", v).isEqualTo(ref.optimizerState);
            assertThat(stored.metadata().checkpointId()).as("checkpoint of version %d", v).isNotNull();
            if (v % 50 == 0) {
                assertThat(outputs(stored.modelBytes())).as("predictions of version %d", v)
                        .isEqualTo(outputs(ref.modelBytes));
            }
        }
    }

    @Test
    void aWarmStartedJobContinuesAtTheLatestStoredVersion(@TempDir Path dir) throws Exception {
        String root = dir.toUri().toString();
        trainIntoStore("store-first", root, 800, 0, false, everyTenSteps(), null);   // 50 steps
        ModelStore store = ModelStore.builder().root(root).keepLast(1000).build();
        assertThat(store.latest("m")).hasValue(50);

        TrainingFixtures.CollectingSink<StepMetrics> metrics = new TrainingFixtures.CollectingSink<>("warm-metrics");
        TrainingOptions warm = TrainingOptions.builder().snapshotEverySteps(10)
                .warmStart(WarmStart.latest(root)).build();
        trainIntoStore("store-warm", root, 160, 800, false, warm, metrics);   // 10 more steps

        assertThat(metrics.results().get(0).step).as("the first step of the warm-started job").isEqualTo(51);
        assertThat(store.listVersions("m")).containsExactly(10L, 20L, 30L, 40L, 50L, 60L);
        // One job of 960 examples would have ended in the same state.
        StreamExecutionEnvironment env = TrainingFixtures.env();
        TrainingFixtures.CollectingSink<ModelSnapshot> collected = new TrainingFixtures.CollectingSink<>("warm-ref");
        GsamTraining.train(env.fromSource(TrainingFixtures.source(EXAMPLES, 960, 0), WatermarkStrategy.noWatermarks(),
                "examples"), ModelSpecResolver.single(spec()), everyTenSteps()).snapshots().sinkTo(collected);
        env.execute("warm-reference");
        ModelSnapshot last = TrainingFixtures.finalSnapshots(collected.results()).get("m");
        assertThat(last.version).isEqualTo(60);
        assertThat(store.read("m", 60).optimizerState()).isEqualTo(last.optimizerState);
    }

    private static ModelStoreSink sinkAs(String root, String owner, boolean takeOver) {
        return ModelStoreSink.builder().store(ModelStore.builder().root(root).keepLast(1000).build())
                .owner(owner).takeOver(takeOver).build();
    }

    private static TrainingOptions numberedAfter(String root) {
        return TrainingOptions.builder().snapshotEverySteps(10).snapshotStoreRoot(root).build();
    }

    @Test
    void aFreshJobOnAnExistingStoreNumbersItsVersionsAfterTheStoresLatest(@TempDir Path dir) throws Exception {
        String root = dir.toUri().toString();
        trainIntoStore("numbering-first", sinkAs(root, "job", false), 800, 0, false, numberedAfter(root), null);
        ModelStore store = ModelStore.builder().root(root).keepLast(1000).build();
        assertThat(store.latest("m")).hasValue(50);

        // The same job started afresh (no state, no warm start): 30 steps of a new model.
        TrainingFixtures.CollectingSink<StepMetrics> metrics = new TrainingFixtures.CollectingSink<>("fresh-metrics");
        trainIntoStore("numbering-fresh", sinkAs(root, "job", false), 480, 0, false, numberedAfter(root), metrics);

        assertThat(metrics.results().get(0).step).as("a fresh model starts at step 1").isEqualTo(1);
        assertThat(store.listVersions("m")).containsExactly(10L, 20L, 30L, 40L, 50L, 60L, 70L, 80L);
        assertThat(store.latest("m")).as("LATEST moves on to the new model").hasValue(80);
        assertThat(org.gsamflink.optimizer.GsamState.decode(store.read("m", 80).optimizerState()).step())
                .as("version 80 is the new model at step 30").isEqualTo(30);
        assertThat(org.gsamflink.optimizer.GsamState.decode(store.read("m", 50).optimizerState()).step())
                .as("the earlier run's versions are untouched").isEqualTo(50);
    }

    @Test
    void twoJobsOnOneStoreRootAreFenced(@TempDir Path dir) throws Exception {
        String root = dir.toUri().toString();
        trainIntoStore("owner-a", sinkAs(root, "job-a", false), 800, 0, false, numberedAfter(root), null);
        ModelStore store = ModelStore.builder().root(root).keepLast(1000).build();
        assertThat(store.ownership().owner("m")).hasValue("job-a");

        // A second job writing model m into the same root fails once, at its first snapshot, and names the owner.
        assertThatThrownBy(() -> trainIntoStore("owner-b", sinkAs(root, "job-b", false), 800, 0, false,
                numberedAfter(root), null)).satisfies(e -> assertThat(
                        ExceptionUtils.findThrowable(e, ModelOwnedException.class)).get().satisfies(owned -> {
                            assertThat(owned.getMessage()).contains("model 'm' in the store at")
                                    .contains("is owned by 'job-a', not by 'job-b'").contains("model-store.take-over");
                        }));
        assertThat(store.listVersions("m")).as("nothing of job-b was published").hasSize(5);
        assertThat(store.latest("m")).hasValue(50);

        // Taking over on purpose works, and the taker's versions continue after job-a's.
        trainIntoStore("owner-b-takes-over", sinkAs(root, "job-b", true), 160, 0, false, numberedAfter(root), null);
        assertThat(store.ownership().owner("m")).hasValue("job-b");
        assertThat(store.latest("m")).hasValue(60);

        // job-a is now fenced off: it may not write model m again.
        assertThatThrownBy(() -> trainIntoStore("owner-a-again", sinkAs(root, "job-a", false), 160, 0, false,
                numberedAfter(root), null))
                .satisfies(e -> assertThat(ExceptionUtils.findThrowable(e, ModelOwnedException.class)).isPresent());
        assertThat(store.latest("m")).hasValue(60);
    }
}
