package org.gsamflink.tests;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.gsamflink.operators.GsamTraining;
import org.gsamflink.operators.IncompatibleStateException;
import org.gsamflink.operators.ModelSnapshot;
import org.gsamflink.operators.ModelSpec;
import org.gsamflink.operators.ModelSpecResolver;
import org.gsamflink.operators.StepMetrics;
import org.gsamflink.operators.TrainingOptions;
import org.gsamflink.operators.TrainingRecord;
import org.gsamflink.optimizer.Gsam;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.gsamflink.tests.TrainingFixtures.CLASSES;
import static org.gsamflink.tests.TrainingFixtures.FEATURES;

/**
 * Upgrading a running training job from a savepoint, as an operator does it: stop with a savepoint, change the
 * configuration or the parallelism, start from the savepoint. Settings changes continue training with the new
 * values; a network that does not fit the saved state fails once at start with a message naming the model and the
 * keys; rescaling 1 → 2 → 1 leaves every model bit-identical to a run that was never stopped.
 */
class SavepointUpgradeITCase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = TrainingFixtures.miniCluster(2);

    private static final int BATCH = 16;
    /** Examples per second while a phase is to be stopped with a savepoint part-way. */
    private static final double SLOW = 800;
    private static final TrainingOptions OPTIONS = TrainingOptions.builder().metricsEverySteps(1).build();

    /** One job of a test: its client and what its sinks collected. */
    private record Phase(JobClient job, TrainingFixtures.CollectingSink<StepMetrics> metrics,
                         TrainingFixtures.CollectingSink<ModelSnapshot> snapshots) {

        /** Waits until {@code steps} metrics records arrived, then stops the job with a savepoint into {@code dir}. */
        String stopWithSavepointAfter(int steps, Path dir) throws Exception {
            while (metrics.results().size() < steps) {
                assertThat(job.getJobStatus().get().isTerminalState()).as("the job ended before the savepoint")
                        .isFalse();
                Thread.sleep(20);
            }
            return job.stopWithSavepoint(false, dir.toUri().toString(), SavepointFormatType.CANONICAL)
                    .get(120, TimeUnit.SECONDS);
        }

        void awaitEnd() throws Exception {
            job.getJobExecutionResult().get(300, TimeUnit.SECONDS);
        }
    }

    /**
     * Starts a job over examples {@code gen(0..count)}: the source at parallelism 1 (so every model sees its examples
     * in the same order in every job), training and sinks at {@code parallelism}.
     */
    private static Phase start(String name, String savepoint, int parallelism, GeneratorFunction<Long, TrainingRecord> gen,
                               long count, double perSecond, ModelSpecResolver specs, Configuration extra)
            throws Exception {
        StreamExecutionEnvironment env = TrainingFixtures.env();
        Configuration conf = new Configuration(extra);
        if (savepoint != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        }
        env.configure(conf);
        env.setParallelism(parallelism);
        DataStream<TrainingRecord> records = env.fromSource(TrainingFixtures.source(gen, count, perSecond),
                WatermarkStrategy.noWatermarks(), "examples").setParallelism(1).uid("examples");
        TrainingFixtures.CollectingSink<StepMetrics> metrics = new TrainingFixtures.CollectingSink<>(name + "-metrics");
        TrainingFixtures.CollectingSink<ModelSnapshot> snapshots = new TrainingFixtures.CollectingSink<>(name + "-snaps");
        GsamTraining.Streams out = GsamTraining.train(records, specs, OPTIONS);
        out.metrics().sinkTo(metrics);
        out.snapshots().sinkTo(snapshots);
        return new Phase(env.executeAsync(name), metrics, snapshots);
    }

    private static Phase start(String name, String savepoint, int parallelism, GeneratorFunction<Long, TrainingRecord> gen,
                               long count, double perSecond, ModelSpec spec) throws Exception {
        return start(name, savepoint, parallelism, gen, count, perSecond, ModelSpecResolver.single(spec),
                new Configuration());
    }

    @Test
    void rescalingOneToTwoToOneKeepsEveryModelBitIdentical(@TempDir Path dir) throws Exception {
        List<String> models = List.of("m0", "m1", "m2", "m3", "m4");
        Set<Integer> subtasks = new HashSet<>();
        for (String m : models) {
            subtasks.add(KeyGroupRangeAssignment.assignKeyToParallelOperator(m, 128, 2));
        }
        assertThat(subtasks).as("at parallelism 2 both subtasks own some of the models").containsExactly(0, 1);
        GeneratorFunction<Long, TrainingRecord> gen = i -> TrainingFixtures.example(models.get((int) (i % 5)), i);
        long count = 5L * BATCH * 40 + 3;   // 40 steps per model, and a partial batch for three of them at the end
        ModelSpec spec = TrainingFixtures.spec().build();

        Phase reference = start("rescale-reference", null, 1, gen, count, 0, spec);
        reference.awaitEnd();

        Phase one = start("rescale-1", null, 1, gen, count, SLOW, spec);
        String first = one.stopWithSavepointAfter(40, dir.resolve("1"));
        Phase two = start("rescale-2", first, 2, gen, count, SLOW, spec);
        String second = two.stopWithSavepointAfter(40, dir.resolve("2"));
        Phase back = start("rescale-1-again", second, 1, gen, count, 0, spec);
        back.awaitEnd();

        Map<String, ModelSnapshot> expected = TrainingFixtures.finalSnapshots(reference.snapshots().results());
        Map<String, ModelSnapshot> actual = TrainingFixtures.finalSnapshots(back.snapshots().results());
        assertThat(actual.keySet()).containsExactlyInAnyOrderElementsOf(models);
        for (String m : models) {
            assertThat(actual.get(m).version).as("model %s: steps", m).isEqualTo(expected.get(m).version);
            assertThat(TrainingFixtures.fullState(actual.get(m))).as("model %s: parameters, updater, counters", m)
                    .isEqualTo(TrainingFixtures.fullState(expected.get(m)));
            assertThat(actual.get(m).examplesSeen).isEqualTo(expected.get(m).examplesSeen);
        }
        // Each step of each model was trained in exactly one of the three jobs, in order.
        Map<String, TreeMap<Long, Integer>> steps = new java.util.HashMap<>();
        for (Phase p : List.of(one, two, back)) {
            for (StepMetrics s : p.metrics().results()) {
                steps.computeIfAbsent(s.modelId, k -> new TreeMap<>()).merge(s.step, 1, Integer::sum);
            }
        }
        assertThat(two.metrics().results()).as("the rescaled job trained").isNotEmpty();
        for (String m : models) {
            assertThat(steps.get(m).keySet()).as("model %s: steps 1..%d", m, expected.get(m).version)
                    .hasSize((int) expected.get(m).version).first().isEqualTo(1L);
            assertThat(steps.get(m).values()).as("model %s: no step twice", m).containsOnly(1);
        }
    }

    /** The fixtures' network with another learning rate (the only thing that differs). */
    private static MultiLayerConfiguration network(double lr, int hidden) {
        return new NeuralNetConfiguration.Builder()
                .seed(42).updater(new Adam(lr)).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new DenseLayer.Builder().nIn(FEATURES).nOut(hidden).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(hidden).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build())
                .build();
    }

    private static ModelSpec spec(double lr, double alpha, int hidden) {
        return ModelSpec.builder().network(network(lr, hidden)).numFeatures(FEATURES).numClasses(CLASSES)
                .alpha(alpha).rho("constant:0.05").batchSize(BATCH).build();
    }

    /** Minibatch {@code b} of model "m" as the operator builds it (rows in arrival order, one-hot labels). */
    private static DataSet batch(long b) {
        float[] x = new float[BATCH * FEATURES];
        INDArray y = Nd4j.zeros(DataType.FLOAT, BATCH, CLASSES);
        for (int k = 0; k < BATCH; k++) {
            TrainingRecord e = TrainingFixtures.example("m", b * BATCH + k);
            System.arraycopy(e.features, 0, x, k * FEATURES, FEATURES);
            y.putScalar(k, e.labels[0], 1f);
        }
        return new DataSet(Nd4j.create(x, new long[] {BATCH, FEATURES}, 'c'), y, null, null);
    }

    @Test
    void aRestoreWithAnotherLearningRateAndAlphaContinuesWithTheNewValues(@TempDir Path dir) throws Exception {
        GeneratorFunction<Long, TrainingRecord> gen = i -> TrainingFixtures.example("m", i);
        long steps = 120;
        ModelSpec before = spec(5e-3, 0.3, 32);
        ModelSpec after = spec(1e-3, 0.1, 32);

        Phase one = start("upgrade-1", null, 1, gen, steps * BATCH, SLOW, before);
        String savepoint = one.stopWithSavepointAfter(20, dir);
        long k = one.metrics().results().stream().mapToLong(m -> m.step).max().orElseThrow();
        Phase two = start("upgrade-2", savepoint, 1, gen, steps * BATCH, 0, after);
        two.awaitEnd();

        StepMetrics firstAfter = two.metrics().results().get(0);
        assertThat(firstAfter.step).as("training continues from the savepoint").isEqualTo(k + 1);
        assertThat(firstAfter.lr).as("the new learning rate is in effect").isEqualTo(1e-3);
        assertThat(one.metrics().results()).allSatisfy(m -> assertThat(m.lr).isEqualTo(5e-3));

        // The same two phases without Flink: `before` for steps 1..k, then `after` from the state it left.
        byte[] expected;
        try (Gsam a = new Gsam(before.newNetwork(), before.gsamConfig())) {
            for (long b = 0; b < k; b++) {
                a.step(batch(b));
            }
            try (Gsam b2 = new Gsam(after.newNetwork(), after.gsamConfig())) {
                b2.restoreState(org.gsamflink.optimizer.GsamState.decode(a.exportState()));
                for (long b = k; b < steps; b++) {
                    b2.step(batch(b));
                }
                expected = b2.exportState();
            }
        }
        ModelSnapshot last = TrainingFixtures.finalSnapshots(two.snapshots().results()).get("m");
        assertThat(last.version).isEqualTo(steps);
        assertThat(TrainingFixtures.fullState(last)).as("the new lr and alpha were used from step %d on", k + 1)
                .isEqualTo(expected);
    }

    @Test
    @Timeout(180)
    void anArchitectureChangeFailsAtStartNamingTheModelAndTheKey(@TempDir Path dir) throws Exception {
        GeneratorFunction<Long, TrainingRecord> gen = i -> TrainingFixtures.example("m", i);
        Phase one = start("arch-1", null, 1, gen, 100L * BATCH, SLOW, spec(5e-3, 0.3, 32));
        String savepoint = one.stopWithSavepointAfter(5, dir);

        // Restarts without end: if the failure were retried, this job would never finish and the test time out.
        Configuration restartForever = new Configuration();
        restartForever.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        restartForever.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, Integer.MAX_VALUE);
        restartForever.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(50));
        Phase two = start("arch-2", savepoint, 1, gen, 100L * BATCH, 0,
                ModelSpecResolver.single(spec(5e-3, 0.3, 48)), restartForever);

        assertThatThrownBy(two::awaitEnd).satisfies(e -> {
            Throwable cause = ExceptionUtils.findThrowable(e, IncompatibleStateException.class).orElseThrow();
            assertThat(cause.getMessage()).startsWith("The saved state of model 'm' does not fit the configured "
                    + "network (model.architecture changed): layer 0: DenseLayer W 16x32 b 32 in the saved state, "
                    + "DenseLayer W 16x48 b 48 configured");
        });
        assertThat(two.metrics().results()).as("nothing trained").isEmpty();
    }
}
