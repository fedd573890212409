package org.gsamflink.operators;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The frozen scenario behind the savepoint fixtures in {@code src/test/resources/savepoints/}: the operator
 * configuration, the input before the checkpoint, the input after it, and the fixture file names. It is shared by
 * {@link SavepointFixtureGeneratorTest}, which writes the fixtures with the code of a release, and {@link
 * SavepointCompatibilityTest}, which restores every committed fixture with the current code.
 *
 * <p><b>Never change anything here</b> (network, spec, options, records, times): every committed fixture was
 * written from exactly this scenario, and its recorded facts are only valid for it. Deliberately self-contained:
 * it does not use {@link TestModels}, so editing the other tests' helpers cannot break the fixtures.
 *
 * <h2>The scenario</h2>
 *
 * Two models, {@code a} and {@code b}, a 4-8-3 MLP with Adam and GSAM (ρ = 0.05, α = 0.2), batches of 4 and a
 * batch timeout of 100 ms; a {@link ModelSnapshot} after every step ({@code snapshotEverySteps = 1}), which is how
 * the tests see a model's examples seen and parameters without reaching into the operator.
 * <ul>
 *   <li>At processing time 1000: 8 single examples of {@code a} (two steps by count) interleaved with 4 of
 *       {@code b} (one step), then a pre-batched minibatch of 3 rows for {@code a} (a third step).</li>
 *   <li>1100: the timers of those (full) batches fire and find nothing to flush.</li>
 *   <li>1200: 2 single examples of {@code a}, pending, deadline 1300. 1250: 3 of {@code b}, pending, deadline
 *       1350. The checkpoint is taken at 1260: {@code a} at step 3 with 11 examples seen and 2 pending;
 *       {@code b} at step 1 with 4 seen and 3 pending; two processing-time timers.</li>
 *   <li>After it ({@link #continuationRecordsOfA()}): 2 more single examples of {@code a} fill its batch (one step,
 *       4 examples); then time moves to 1349 (nothing) and to 1350, where {@code b}'s timer flushes its 3 pending
 *       examples (one step). {@code a}'s timer at 1300 finds its batch already trained.</li>
 * </ul>
 */
final class SavepointFixtures {

    /**
     * The release whose code {@link SavepointFixtureGeneratorTest} runs as. Set it to the new version when cutting
     * a release, then generate that release's fixture and add the version to {@link
     * SavepointCompatibilityTest#RELEASES}.
     */
    static final String CURRENT_RELEASE = "0.1.0";

    /** The classpath folder (and folder under {@code src/test/resources}) of the fixtures. */
    static final String RESOURCE_FOLDER = "savepoints";

    static final String MODEL_A = "a";
    static final String MODEL_B = "b";
    static final List<String> MODEL_IDS = List.of(MODEL_A, MODEL_B);

    static final int FEATURES = 4;
    static final int CLASSES = 3;
    static final int BATCH_SIZE = 4;
    static final long BATCH_TIMEOUT_MS = 100;

    static final long CHECKPOINT_ID = 7L;
    static final long CHECKPOINT_TIME = 1_260L;
    /** The processing time at which {@code b}'s pending batch is due (started at 1250). */
    static final long DEADLINE_OF_B = 1_350L;

    /** The representative committable of the model-store sink fixture. */
    static final String COMMITTABLE_MODEL_ID = "a";
    static final long COMMITTABLE_VERSION = 4L;
    static final long COMMITTABLE_CHECKPOINT_ID = 8L;
    static final String COMMITTABLE_STAGING_PATH =
            "file:/data/models/.staging/a/v00000000000000000004-c8-0f8fad5b-d9cb-469f-a165-70867728950e";
    /** The representative writer state (the last checkpoint id) of the model-store sink fixture. */
    static final long WRITER_STATE_CHECKPOINT_ID = 7L;

    private SavepointFixtures() {}

    // ---- file names ---------------------------------------------------------------------------------------------

    /** The operator snapshot of a release: an {@code OperatorSubtaskState} written by {@code OperatorSnapshotUtil}. */
    static String operatorSnapshotFile(String release) {
        return "training-operator-" + release + ".snapshot";
    }

    /** The facts a restore of {@link #operatorSnapshotFile} must reproduce. */
    static String operatorFactsFile(String release) {
        return "training-operator-" + release + ".properties";
    }

    /** A {@code SnapshotCommittable} in format {@code version}, with its version header. */
    static String committableFile(int version) {
        return "snapshot-committable-v" + version + ".bin";
    }

    static String committableFactsFile(int version) {
        return "snapshot-committable-v" + version + ".properties";
    }

    /** A model-store sink writer state in format {@code version}, with its version header. */
    static String writerStateFile(int version) {
        return "model-store-writer-state-v" + version + ".bin";
    }

    static String writerStateFactsFile(int version) {
        return "model-store-writer-state-v" + version + ".properties";
    }

    // ---- the operator configuration -----------------------------------------------------------------------------

    static ModelSpec spec() {
        MultiLayerConfiguration mlp = new NeuralNetConfiguration.Builder()
                .seed(1234)
                .updater(new Adam(0.01))
                .list()
                .layer(new DenseLayer.Builder().nIn(FEATURES).nOut(8).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(8).nOut(CLASSES).activation(Activation.SOFTMAX).build())
                .build();
        return ModelSpec.builder()
                .network(mlp)
                .numFeatures(FEATURES)
                .numClasses(CLASSES)
                .alpha(0.2)
                .rho("constant:0.05")
                .seed(99)
                .batchSize(BATCH_SIZE)
                .batchTimeoutMs(BATCH_TIMEOUT_MS)
                .build();
    }

    static TrainingOptions options() {
        return TrainingOptions.builder().snapshotEverySteps(1).build();
    }

    /** A fresh, not yet opened harness around the operator, built only through its public constructor. */
    static KeyedOneInputStreamOperatorTestHarness<String, TrainingRecord, StepMetrics> harness() throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new GsamTrainingOperator(ModelSpecResolver.single(spec()), options()), r -> r.modelId, Types.STRING);
    }

    // ---- the input ----------------------------------------------------------------------------------------------

    /**
     * Drives an opened harness from the start to the checkpoint (see the class comment).
     *
     * @return the rows fed to each model (trained or pending)
     */
    static Map<String, Integer> trainUntilCheckpoint(
            KeyedOneInputStreamOperatorTestHarness<String, TrainingRecord, StepMetrics> h) throws Exception {
        Examples data = new Examples(2024);
        Map<String, Integer> rows = new TreeMap<>();
        Consumer<TrainingRecord> feed = r -> {
            try {
                h.processElement(r, 0L);
            } catch (Exception e) {
                throw new IllegalStateException("the operator failed on " + r, e);
            }
            rows.merge(r.modelId, r.rows, Integer::sum);
        };
        h.setProcessingTime(1_000);
        for (int i = 0; i < 8; i++) {
            feed.accept(data.example(MODEL_A));
            if (i < 4) {
                feed.accept(data.example(MODEL_B));
            }
        }
        feed.accept(data.minibatch(MODEL_A, 3));
        h.setProcessingTime(1_100);
        h.setProcessingTime(1_200);
        for (int i = 0; i < 2; i++) {
            feed.accept(data.example(MODEL_A));
        }
        h.setProcessingTime(1_250);
        for (int i = 0; i < 3; i++) {
            feed.accept(data.example(MODEL_B));
        }
        h.setProcessingTime(CHECKPOINT_TIME);
        return rows;
    }

    /** What the operator emitted for each model in {@link #continueAfterCheckpoint}: one step each. */
    record Continuation(Map<String, StepMetrics> metrics, Map<String, ModelSnapshot> snapshots) {}

    /**
     * Feeds the input after the checkpoint into a harness at the checkpoint (the one that took it, or one restored
     * from it) and checks that it trains exactly one step per model, at the expected moments.
     */
    static Continuation continueAfterCheckpoint(
            KeyedOneInputStreamOperatorTestHarness<String, TrainingRecord, StepMetrics> h) throws Exception {
        Map<String, StepMetrics> metrics = new TreeMap<>();
        Map<String, ModelSnapshot> snaps = new TreeMap<>();
        int seenMetrics = h.extractOutputValues().size();
        int seenSnapshots = snapshots(h).size();

        List<TrainingRecord> ofA = continuationRecordsOfA();
        h.processElement(ofA.get(0), 0L);
        assertThat(h.extractOutputValues().subList(seenMetrics, h.extractOutputValues().size()))
                .as("model a had 2 pending examples at the checkpoint: a third one must not complete its batch")
                .isEmpty();
        h.processElement(ofA.get(1), 0L);
        collectNew(h, seenMetrics, seenSnapshots, metrics, snaps);
        assertThat(metrics.keySet()).as("the fourth example of model a's pending batch trains one step of a")
                .containsExactly(MODEL_A);

        h.setProcessingTime(DEADLINE_OF_B - 1);
        assertThat(h.extractOutputValues()).as("model b's pending batch is not due before its deadline")
                .hasSize(seenMetrics + 1);
        h.setProcessingTime(DEADLINE_OF_B);
        collectNew(h, seenMetrics + 1, seenSnapshots + 1, metrics, snaps);
        assertThat(metrics.keySet()).as("model b's batch timer flushes its pending examples at its deadline")
                .containsExactly(MODEL_A, MODEL_B);
        assertThat(snaps.keySet()).as("one model snapshot per step (snapshotEverySteps = 1)")
                .containsExactly(MODEL_A, MODEL_B);
        assertThat(h.numProcessingTimeTimers()).as("both batch timers have fired").isZero();
        return new Continuation(metrics, snaps);
    }

    private static void collectNew(KeyedOneInputStreamOperatorTestHarness<String, TrainingRecord, StepMetrics> h,
                                   int fromMetric, int fromSnapshot, Map<String, StepMetrics> metrics,
                                   Map<String, ModelSnapshot> snaps) {
        List<StepMetrics> out = h.extractOutputValues();
        assertThat(out).as("exactly one training step").hasSize(fromMetric + 1);
        StepMetrics m = out.get(fromMetric);
        metrics.put(m.modelId, m);
        List<ModelSnapshot> s = snapshots(h);
        assertThat(s).as("exactly one model snapshot").hasSize(fromSnapshot + 1);
        snaps.put(s.get(fromSnapshot).modelId, s.get(fromSnapshot));
    }

    /** The two single examples of {@code a} fed after the checkpoint; they complete its pending batch. */
    static List<TrainingRecord> continuationRecordsOfA() {
        Examples data = new Examples(4202);
        return List.of(data.example(MODEL_A), data.example(MODEL_A));
    }

    /** Deterministic examples (java.util.Random is specified bit for bit): label = arg-max of the first 3 features. */
    private static final class Examples {
        private final Random random;

        Examples(long seed) {
            this.random = new Random(seed);
        }

        private float[] features() {
            float[] f = new float[FEATURES];
            for (int i = 0; i < FEATURES; i++) {
                f[i] = (float) random.nextGaussian();
            }
            return f;
        }

        private static int label(float[] f) {
            int best = 0;
            for (int c = 1; c < CLASSES; c++) {
                if (f[c] > f[best]) {
                    best = c;
                }
            }
            return best;
        }

        TrainingRecord example(String modelId) {
            float[] f = features();
            return TrainingRecord.example(modelId, f, label(f));
        }

        TrainingRecord minibatch(String modelId, int rows) {
            float[] all = new float[rows * FEATURES];
            int[] labels = new int[rows];
            for (int r = 0; r < rows; r++) {
                float[] f = features();
                System.arraycopy(f, 0, all, r * FEATURES, FEATURES);
                labels[r] = label(f);
            }
            return TrainingRecord.minibatch(modelId, FEATURES, all, labels);
        }
    }

    // ---- reading the outputs ------------------------------------------------------------------------------------

    static List<ModelSnapshot> snapshots(KeyedOneInputStreamOperatorTestHarness<String, TrainingRecord, StepMetrics> h) {
        Queue<StreamRecord<ModelSnapshot>> q = h.getSideOutput(GsamTrainingOperator.SNAPSHOTS);
        List<ModelSnapshot> out = new ArrayList<>();
        if (q != null) {
            q.forEach(r -> out.add(r.getValue()));
        }
        return out;
    }

    /** The last element of {@code list} for {@code modelId}, or a failure saying there is none. */
    static <T> T last(List<T> list, Function<T, String> modelIdOf, String modelId, String what) {
        T found = null;
        for (T t : list) {
            if (modelId.equals(modelIdOf.apply(t))) {
                found = t;
            }
        }
        if (found == null) {
            fail("no " + what + " of model '" + modelId + "' was emitted; got " + list);
        }
        return found;
    }

    /** The parameters of a snapshot's model, read back from its {@code ModelSerializer} bytes. */
    static double[] parameters(ModelSnapshot s) {
        try {
            MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(s.modelBytes),
                    false);
            return net.params().toDoubleVector();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The parameters summed in index order (one fixed order, so the value is reproducible). */
    static double sum(double[] values) {
        double s = 0;
        for (double v : values) {
            s += v;
        }
        return s;
    }

    // ---- fixture files ------------------------------------------------------------------------------------------

    /**
     * The path of a committed fixture on the test classpath; fails loudly when it is missing, since a missing
     * fixture means a savepoint format that is no longer checked.
     */
    static Path fixture(String name) {
        return resource(RESOURCE_FOLDER + "/" + name);
    }

    /** The folder of the fixtures on the test classpath. */
    static Path fixtureFolder() {
        return resource(RESOURCE_FOLDER);
    }

    private static Path resource(String name) {
        URL url = SavepointFixtures.class.getResource("/" + name);
        if (url == null) {
            fail("The savepoint fixture " + name + " is missing from the test classpath (operators/src/test/"
                    + "resources/" + name + "). Fixtures stand for savepoints that users have: restore it from git "
                    + "history, never regenerate it with newer code. Only a new release gets new fixtures, written "
                    + "by SavepointFixtureGeneratorTest (-Dgsam.writeSavepointFixtures=true).");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Properties readFacts(String name) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(fixture(name))) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /** Writes {@code facts} sorted, one {@code key=value} a line, under a comment header (no date: reproducible). */
    static void writeFacts(Path file, String header, Map<String, String> facts) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String line : header.split("\n")) {
            sb.append("# ").append(line).append('\n');
        }
        new TreeMap<>(facts).forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    }
}
