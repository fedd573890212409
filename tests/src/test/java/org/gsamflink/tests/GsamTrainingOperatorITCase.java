package org.gsamflink.tests;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.gsamflink.operators.GsamTraining;
import org.gsamflink.operators.ModelSnapshot;
import org.gsamflink.operators.ModelSpec;
import org.gsamflink.operators.ModelSpecResolver;
import org.gsamflink.operators.StepMetrics;
import org.gsamflink.operators.TrainingOptions;
import org.gsamflink.operators.TrainingRecord;
import org.gsamflink.optimizer.GsamState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gsamflink.tests.TrainingFixtures.CLASSES;
import static org.gsamflink.tests.TrainingFixtures.FEATURES;

/** The training operator on a real Flink MiniCluster. */
class GsamTrainingOperatorITCase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = TrainingFixtures.miniCluster(2);

    /** Outputs of one job run. */
    record Run(List<StepMetrics> metrics, List<ModelSnapshot> snapshots) {
        Map<String, ModelSnapshot> finals() {
            return TrainingFixtures.finalSnapshots(snapshots);
        }
    }

    private static Run run(String name, GeneratorFunction<Long, TrainingRecord> gen, long count,
                           ModelSpecResolver specs, TrainingOptions options) throws Exception {
        StreamExecutionEnvironment env = TrainingFixtures.env();
        DataStream<TrainingRecord> records = env.fromSource(TrainingFixtures.source(gen, count, 0),
                WatermarkStrategy.noWatermarks(), "examples");
        return execute(env, name, records, specs, options);
    }

    private static Run execute(StreamExecutionEnvironment env, String name, DataStream<TrainingRecord> records,
                               ModelSpecResolver specs, TrainingOptions options) throws Exception {
        TrainingFixtures.CollectingSink<StepMetrics> metrics = new TrainingFixtures.CollectingSink<>(name + "-metrics");
        TrainingFixtures.CollectingSink<ModelSnapshot> snapshots = new TrainingFixtures.CollectingSink<>(name + "-snapshots");
        GsamTraining.Streams out = GsamTraining.train(records, specs, options);
        out.metrics().sinkTo(metrics);
        out.snapshots().sinkTo(snapshots);
        env.execute(name);
        return new Run(metrics.results(), snapshots.results());
    }

    @Test
    void learnsClearlyBetterThanChance() throws Exception {
        ModelSpec spec = TrainingFixtures.spec().build();
        Run run = run("learns", i -> TrainingFixtures.example("m1", i), 6400, ModelSpecResolver.single(spec),
                TrainingOptions.builder().metricsEverySteps(25).build());

        ModelSnapshot last = run.finals().get("m1");
        assertThat(last.version).isEqualTo(400);
        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(last.modelBytes), true);
        int n = 2000;
        float[][] x = new float[n][];
        int correct = 0;
        for (int i = 0; i < n; i++) {
            TrainingRecord r = TrainingFixtures.example("held-out", 1_000_000 + i);
            x[i] = r.features;
            INDArray out = net.output(Nd4j.createFromArray(new float[][] {r.features}));
            if (out.argMax(1).getInt(0) == r.labels[0]) {
                correct++;
            }
        }
        double heldOut = (double) correct / n;
        assertThat(heldOut).as("held-out accuracy (chance is 0.25)").isGreaterThan(0.75);
        StepMetrics lastMetrics = run.metrics().get(run.metrics().size() - 1);
        assertThat(lastMetrics.accuracy).as("prequential accuracy at the end").isGreaterThan(0.7);
        assertThat(run.metrics()).hasSize(16).allSatisfy(m -> {
            assertThat(m.steps).isEqualTo(25);
            assertThat(m.surrogateGap).isFinite();
            assertThat(m.rho).isEqualTo(0.05);
        });
    }

    @Test
    void twoModelsTrainIndependently() throws Exception {
        ModelSpec spec = TrainingFixtures.spec().build();
        ModelSpec other = TrainingFixtures.spec().alpha(0.0).rho("constant:0.1").batchSize(8).build();
        ModelSpecResolver specs = ModelSpecResolver.byId(Map.of("a", spec, "b", other), null);
        GeneratorFunction<Long, TrainingRecord> both =
                i -> i % 3 == 0 ? TrainingFixtures.example("b", i) : TrainingFixtures.example("a", i);
        Run together = run("together", both, 1500, specs, TrainingOptions.defaults());
        Run onlyA = run("only-a", i -> {
            long j = (i / 2) * 3 + 1 + (i % 2);   // the indices i of `both` with i % 3 != 0, in order
            return TrainingFixtures.example("a", j);
        }, 1000, specs, TrainingOptions.defaults());
        Run onlyB = run("only-b", i -> TrainingFixtures.example("b", i * 3), 500, specs, TrainingOptions.defaults());

        ModelSnapshot a = together.finals().get("a");
        ModelSnapshot b = together.finals().get("b");
        assertThat(a.version).isEqualTo(63);   // 1000 examples / 16 = 62 full batches + the partial one at the end
        assertThat(b.version).isEqualTo(63);   // 500 / 8 = 62 + 1
        assertThat(TrainingFixtures.fullState(a)).isEqualTo(TrainingFixtures.fullState(onlyA.finals().get("a")));
        assertThat(TrainingFixtures.fullState(b)).isEqualTo(TrainingFixtures.fullState(onlyB.finals().get("b")));
        assertThat(TrainingFixtures.fullState(a)).isNotEqualTo(TrainingFixtures.fullState(b));
    }

    /** Throws once, on the first record after a checkpoint completed and at least {@code after} records passed. */
    static final class FailOnceAfterCheckpoint extends RichMapFunction<TrainingRecord, TrainingRecord>
            implements CheckpointListener {
        static final AtomicBoolean FAILED = new AtomicBoolean();
        private final long after;
        private long seen;
        private volatile boolean checkpointDone;

        FailOnceAfterCheckpoint(long after) {
            this.after = after;
        }

        @Override
        public TrainingRecord map(TrainingRecord r) {
            if (++seen >= after && checkpointDone && FAILED.compareAndSet(false, true)) {
                throw new IllegalStateException("injected failure after " + seen + " records");
            }
            return r;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            checkpointDone = true;
        }
    }

    private static ModelSpec scheduledSpec() {
        // Schedulers that change every step: a restart that reset them would show in the final state.
        return TrainingFixtures.spec()
                .lrSchedule("cosine:max=0.01,min=0.0001,T=300,warmup=20")
                .rho("proportion:lrMax=0.01,lrMin=0.0001,rhoMax=0.1,rhoMin=0.01")
                .build();
    }

    @Test
    void aFailureAfterACheckpointRestoresExactlyOnce() throws Exception {
        ModelSpec spec = scheduledSpec();
        long count = 4000;
        GeneratorFunction<Long, TrainingRecord> gen = i -> TrainingFixtures.example("m", i);
        Run uninterrupted = run("uninterrupted", gen, count, ModelSpecResolver.single(spec), TrainingOptions.defaults());

        FailOnceAfterCheckpoint.FAILED.set(false);
        StreamExecutionEnvironment env = TrainingFixtures.env();
        env.enableCheckpointing(100);
        DataStream<TrainingRecord> records = env
                .fromSource(TrainingFixtures.source(gen, count, 2000), WatermarkStrategy.noWatermarks(), "examples")
                .map(new FailOnceAfterCheckpoint(500)).name("fail once");
        Run failed = execute(env, "failover", records, ModelSpecResolver.single(spec), TrainingOptions.defaults());

        assertThat(FailOnceAfterCheckpoint.FAILED).isTrue();
        GsamState expected = TrainingFixtures.state(uninterrupted.finals().get("m"));
        GsamState actual = TrainingFixtures.state(failed.finals().get("m"));
        assertThat(actual.step()).isEqualTo(expected.step()).isEqualTo(250);
        assertThat(actual.lastLr()).isEqualTo(expected.lastLr());
        assertThat(actual.lastRho()).isEqualTo(expected.lastRho());
        // Parameters, updater state, counters, scheduler state: the whole encoded state, byte for byte.
        assertThat(TrainingFixtures.fullState(failed.finals().get("m")))
                .isEqualTo(TrainingFixtures.fullState(uninterrupted.finals().get("m")));
        assertThat(failed.finals().get("m").modelBytes).isNotEmpty();
        // The metrics of the steps after the checkpoint may repeat (the collecting sink is not transactional),
        // but every step from 1 to 250 is there with the uninterrupted run's values.
        Map<Long, StepMetrics> byStep = new java.util.HashMap<>();
        failed.metrics().forEach(m -> byStep.put(m.step, m));
        assertThat(byStep).hasSize(250);
        for (StepMetrics m : uninterrupted.metrics()) {
            assertThat(byStep.get(m.step).cleanLoss).as("loss at step %d", m.step).isEqualTo(m.cleanLoss);
        }
    }

    @Test
    void aSavepointRestoresIntoANewJob(@TempDir Path dir) throws Exception {
        ModelSpec spec = scheduledSpec();
        long count = 4000;
        GeneratorFunction<Long, TrainingRecord> gen = i -> TrainingFixtures.example("m", i);
        Run uninterrupted = run("sp-uninterrupted", gen, count, ModelSpecResolver.single(spec), TrainingOptions.defaults());

        StreamExecutionEnvironment first = TrainingFixtures.env();
        TrainingFixtures.CollectingSink<StepMetrics> firstMetrics = new TrainingFixtures.CollectingSink<>("sp-first");
        GsamTraining.train(first.fromSource(TrainingFixtures.source(gen, count, 1000),
                        WatermarkStrategy.noWatermarks(), "examples").uid("examples"),
                ModelSpecResolver.single(spec), TrainingOptions.defaults()).metrics().sinkTo(firstMetrics);
        JobClient job = first.executeAsync("savepoint-first");
        while (firstMetrics.results().size() < 40) {
            Thread.sleep(50);
        }
        String savepoint = job.stopWithSavepoint(false, dir.toUri().toString(), SavepointFormatType.CANONICAL)
                .get(60, TimeUnit.SECONDS);
        assertThat(firstMetrics.results().size()).isLessThan(250);

        Configuration conf = new Configuration();
        conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        StreamExecutionEnvironment second = TrainingFixtures.env();
        second.configure(conf);
        DataStream<TrainingRecord> rest = second.fromSource(TrainingFixtures.source(gen, count, 0),
                WatermarkStrategy.noWatermarks(), "examples").uid("examples");
        Run resumed = execute(second, "savepoint-second", rest, ModelSpecResolver.single(spec), TrainingOptions.defaults());

        assertThat(resumed.metrics().get(0).step).as("the new job continues, it does not restart")
                .isEqualTo(firstMetrics.results().size() + 1L);
        assertThat(TrainingFixtures.fullState(resumed.finals().get("m")))
                .isEqualTo(TrainingFixtures.fullState(uninterrupted.finals().get("m")));
    }

    @Test
    void aNonFiniteBatchIsSkippedAndCounted() throws Exception {
        ModelSpec spec = TrainingFixtures.spec().build();
        GeneratorFunction<Long, TrainingRecord> gen = i -> {
            if (i == 100) {
                // Finite inputs whose loss overflows float32: the step must be skipped, not applied.
                float[] huge = new float[16 * FEATURES];
                java.util.Arrays.fill(huge, 3e38f);
                return TrainingRecord.minibatch("m", FEATURES, huge, new int[16]);
            }
            return TrainingFixtures.example("m", i);
        };
        Run run = run("non-finite", gen, 2001, ModelSpecResolver.single(spec), TrainingOptions.defaults());

        GsamState state = TrainingFixtures.state(run.finals().get("m"));
        assertThat(state.skippedSteps()).isEqualTo(1);
        assertThat(state.step()).isEqualTo(125);   // 2000 examples / 16; the poisoned batch is not a step
        StepMetrics last = run.metrics().get(run.metrics().size() - 1);
        assertThat(last.skippedSteps).isEqualTo(1);
        // The skipped step has a record of its own, with its reason (and the non-finite loss it saw); every taken
        // step's loss is finite.
        assertThat(run.metrics()).filteredOn(m -> m.skippedReason != null).singleElement().satisfies(m -> {
            assertThat(m.skippedReason).isEqualTo("non-finite-loss");
            assertThat(m.steps).isZero();
            assertThat(m.examples).isZero();
            assertThat(m.skippedSteps).isEqualTo(1);
        });
        assertThat(run.metrics()).filteredOn(m -> m.skippedReason == null)
                .allSatisfy(m -> assertThat(m.cleanLoss).isFinite());
        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(
                new ByteArrayInputStream(run.finals().get("m").modelBytes), false);
        assertThat(net.params().isInfinite().any() || net.params().isNaN().any()).isFalse();
        assertThat(last.accuracy).isGreaterThan(0.5);
    }

    @Test
    void aThousandModelsInOneSlotWithBoundedMemory() throws Exception {
        ModelSpec spec = TrainingFixtures.spec().batchSize(8).build();
        int models = 1000;
        int batchesPerModel = 3;
        GeneratorFunction<Long, TrainingRecord> gen = i -> {
            String id = "model-" + (i % models);
            float[] x = new float[8 * FEATURES];
            int[] y = new int[8];
            for (int k = 0; k < 8; k++) {
                TrainingRecord e = TrainingFixtures.example(id, i * 8 + k);
                System.arraycopy(e.features, 0, x, k * FEATURES, FEATURES);
                y[k] = e.labels[0];
            }
            return TrainingRecord.minibatch(id, FEATURES, x, y);
        };
        Nd4j.create(1);   // load ND4J before measuring
        System.gc();
        long offHeapBefore = Pointer.totalBytes();
        long heapBefore = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        Run run = run("thousand", gen, (long) models * batchesPerModel, ModelSpecResolver.single(spec),
                TrainingOptions.builder().maxLiveModels(32).metricsEverySteps(batchesPerModel).build());
        System.gc();
        long offHeapAfter = Pointer.totalBytes();
        long heapAfter = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();

        Map<String, ModelSnapshot> finals = run.finals();
        assertThat(finals).hasSize(models);
        assertThat(finals.values()).allSatisfy(s -> assertThat(s.version).isEqualTo(batchesPerModel));
        assertThat(run.metrics()).hasSize(models);
        long growth = offHeapAfter - offHeapBefore;
        System.out.printf("1000 models, 32 live: ND4J off-heap %d -> %d MB, JVM heap after GC %d -> %d MB%n",
                offHeapBefore >> 20, offHeapAfter >> 20, heapBefore >> 20, heapAfter >> 20);
        // 1000 live networks with their optimizer buffers would hold ~1000 × 5 × 676 params × 4 B plus DL4J's
        // per-network workspaces (tens of MB); with 32 live ones the growth stays small.
        assertThat(growth).isLessThan(256L << 20);
        // The state of all 1000 models (params + Adam state + metadata, ~20 KB each) stays in Flink's heap backend.
        assertThat(heapAfter - heapBefore).isLessThan(512L << 20);
        assertThat(CLASSES).isEqualTo(4);
    }
}
