package org.gsamflink.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.gsamflink.modelstore.ModelStore;
import org.gsamflink.modelstore.ModelVersion;
import org.gsamflink.operators.TrainingRecord;
import org.gsamflink.pipeline.job.GsamJob;
import org.gsamflink.pipeline.job.JobConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gsamflink.tests.TrainingFixtures.CLASSES;
import static org.gsamflink.tests.TrainingFixtures.FEATURES;

/**
 * A poisoned stream through the whole Kafka job (real broker, MiniCluster): good records, then records whose
 * features or loss weights are finite but huge (several magnitudes, at several positions of a row and of a
 * minibatch), then good records again. No record may make the model non-finite or be published broken: every step
 * after the bad records is trained or reported skipped with a reason, every stored version is finite, and the
 * held-out accuracy of the last stored version stays within one point of the same stream without the bad records.
 *
 * <p>Two ways in: with the default validation bounds most bad records are dead letters ({@code out-of-range}) and
 * the ones inside the bounds meet the optimizer's guards; with the bounds lifted every bad record reaches the
 * optimizer, whose guards (non-finite direction and parameters, clipping, the loss-spike guard) must hold alone.
 */
class PoisonedStreamITCase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = TrainingFixtures.miniCluster(2);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger RUNS = new AtomicInteger();
    private static final int GOOD_BEFORE = 1600;
    private static final int GOOD_AFTER = 1600;
    private static final int HELD_OUT = 2000;
    private static final double[] MAGNITUDES = {1e3, 1e6, 1e9, 1e12, 1e18, 1e24, 1e30, 3e38};
    private static EmbeddedKafka kafka;
    /** Held-out accuracy of the stream without bad records (computed once). */
    private static double cleanAccuracy = Double.NaN;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }

    /** What one run of the job left behind. */
    record Outcome(double heldOutAccuracy, List<Long> versions, List<JsonNode> metrics, List<JsonNode> alerts,
                   Map<String, Integer> deadLettersByReason, Map<String, Integer> skippedByReason) {}

    private static String good(long index) {
        TrainingRecord r = TrainingFixtures.example("m1", index);
        return json(r.features, r.labels[0], null);
    }

    private static String json(float[] x, int y, String weight) {
        StringBuilder sb = new StringBuilder("{\"model\":\"m1\",\"x\":[");
        for (int i = 0; i < x.length; i++) {
            sb.append(i == 0 ? "" : ",").append(x[i]);
        }
        sb.append("],\"y\":").append(y);
        if (weight != null) {
            sb.append(",\"w\":").append(weight);
        }
        return sb.append('}').toString();
    }

    /**
     * Bad records: each magnitude as one feature at the first, a middle and the last position of a row, as every
     * feature of a row, and as a loss weight; they land at different positions of the minibatches of 16.
     */
    private static List<String> bad() {
        List<String> out = new ArrayList<>();
        long index = 5_000_000;
        for (double m : MAGNITUDES) {
            for (int position : new int[] {0, FEATURES / 2, FEATURES - 1, -1}) {
                TrainingRecord r = TrainingFixtures.example("m1", index++);
                float[] x = r.features.clone();
                for (int j = 0; j < FEATURES; j++) {
                    if (position < 0 || j == position) {
                        x[j] = (float) (x[j] < 0 ? -m : m);
                    }
                }
                out.add(json(x, r.labels[0], null));
                out.add(good(index++));
            }
            TrainingRecord r = TrainingFixtures.example("m1", index++);
            out.add(json(r.features, r.labels[0], String.format(Locale.ROOT, "%.1e", m)));
        }
        return out;
    }

    private static Outcome run(boolean poisoned, boolean liftBounds) throws Exception {
        return run(poisoned, liftBounds, true);
    }

    private static Outcome run(boolean poisoned, boolean liftBounds, boolean guards) throws Exception {
        String p = "poison-" + RUNS.incrementAndGet();
        String in = p + "-in";
        String metrics = p + "-metrics";
        String dlq = p + "-dlq";
        String alerts = p + "-alerts";
        kafka.createTopics(in, metrics, dlq, alerts, p + "-snapshots");
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < GOOD_BEFORE; i++) {
            values.add(good(i).getBytes(StandardCharsets.UTF_8));
        }
        if (poisoned) {
            bad().forEach(b -> values.add(b.getBytes(StandardCharsets.UTF_8)));
        }
        for (int i = 0; i < GOOD_AFTER; i++) {
            values.add(good(GOOD_BEFORE + i).getBytes(StandardCharsets.UTF_8));
        }
        kafka.produce(in, values);

        Path store = Files.createTempDirectory("gsam-poison-store");
        Map<String, String> c = new LinkedHashMap<>();
        c.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        c.put("source.topics", in);
        c.put("source.starting-offsets", "earliest");
        c.put("source.bounded", "true");
        c.put("format.type", "json");
        c.put("model.architecture", "mlp:" + FEATURES + "-32-" + CLASSES);
        c.put("model.updater", "adam");
        c.put("model.learning-rate", "0.005");
        c.put("model.label-smoothing", "0");
        c.put("gsam.alpha", "0.3");
        c.put("gsam.rho", "constant:0.05");
        if (guards) {
            c.put("gsam.clip-norm", "5");
            c.put("gsam.loss-spike-factor", "10");
        }
        if (liftBounds) {
            c.put("format.max-abs-feature", "3.4e38");
            c.put("format.max-weight", "3.4e38");
        }
        c.put("training.batch-size", "16");
        c.put("training.batch-timeout", "0 ms");
        c.put("training.snapshot-every-steps", "10");
        c.put("model-store.root", store.toUri().toString());
        c.put("model-store.keep-last", "1000");
        c.put("sink.metrics-topic", metrics);
        c.put("sink.dead-letter-topic", dlq);
        c.put("sink.alerts-topic", alerts);
        c.put("sink.snapshots-topic", p + "-snapshots");
        c.put("sink.transactional-id-prefix", p);
        c.put("job.checkpoint-interval", "300 ms");
        StreamExecutionEnvironment env = TrainingFixtures.env();
        GsamJob.build(env, JobConfig.fromMap(c));
        env.execute(p);

        ModelStore s = ModelStore.builder().root(store.toUri().toString()).build();
        List<Long> versions = s.listVersions("m1");
        for (long v : versions) {
            assertThat(finite(s.read("m1", v))).as("stored version %d has only finite parameters", v).isTrue();
        }
        ModelVersion latest = s.readLatest("m1").orElseThrow();
        List<JsonNode> metricRecords = new ArrayList<>();
        Map<String, Integer> skipped = new TreeMap<>();
        for (String v : EmbeddedKafka.values(kafka.readAll(metrics, true))) {
            JsonNode m = JSON.readTree(v);
            metricRecords.add(m);
            if (m.hasNonNull("skipped_reason")) {
                skipped.merge(m.get("skipped_reason").asText(), 1, Integer::sum);
            }
        }
        List<JsonNode> alertRecords = new ArrayList<>();
        for (String v : EmbeddedKafka.values(kafka.readAll(alerts, true))) {
            alertRecords.add(JSON.readTree(v));
        }
        Map<String, Integer> reasons = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : kafka.readAll(dlq, true)) {
            Header h = r.headers().lastHeader("gsam.reason");
            reasons.merge(h == null ? "?" : new String(h.value(), StandardCharsets.UTF_8), 1, Integer::sum);
        }
        return new Outcome(heldOutAccuracy(latest), versions, metricRecords, alertRecords, reasons, skipped);
    }

    private static boolean finite(ModelVersion v) throws Exception {
        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(v.modelBytes()),
                true);
        INDArray params = net.params();
        boolean updaterFinite = net.getUpdater() == null || net.getUpdater().getStateViewArray() == null
                || allFinite(net.getUpdater().getStateViewArray());
        return allFinite(params) && updaterFinite;
    }

    private static boolean allFinite(INDArray a) {
        double[] values = a.dup().data().asDouble();
        for (double d : values) {
            if (!Double.isFinite(d)) {
                return false;
            }
        }
        return true;
    }

    private static double heldOutAccuracy(ModelVersion v) throws Exception {
        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(v.modelBytes()),
                false);
        float[] x = new float[HELD_OUT * FEATURES];
        int[] y = new int[HELD_OUT];
        for (int i = 0; i < HELD_OUT; i++) {
            TrainingRecord r = TrainingFixtures.example("m1", 9_000_000L + i);
            System.arraycopy(r.features, 0, x, i * FEATURES, FEATURES);
            y[i] = r.labels[0];
        }
        INDArray out = net.output(Nd4j.create(x, new long[] {HELD_OUT, FEATURES}));
        return (double) org.gsamflink.optimizer.Predictions.countCorrect(out, y) / HELD_OUT;
    }

    private static synchronized double cleanAccuracy() throws Exception {
        if (Double.isNaN(cleanAccuracy)) {
            Outcome clean = run(false, false);
            assertThat(clean.deadLettersByReason()).isEmpty();
            assertThat(clean.heldOutAccuracy()).as("the clean stream learns (chance 0.25)").isGreaterThan(0.6);
            cleanAccuracy = clean.heldOutAccuracy();
        }
        return cleanAccuracy;
    }

    private static void assertTrainedOrSkipped(Outcome o) {
        // Every step is trained (finite loss) or reported skipped with a reason.
        for (JsonNode m : o.metrics()) {
            boolean skippedWithReason = m.hasNonNull("skipped_reason") && !m.get("skipped_reason").asText().isBlank();
            assertThat(skippedWithReason || Double.isFinite(m.get("loss").asDouble()))
                    .as("metrics record %s: trained with a finite loss, or skipped with a reason", m).isTrue();
        }
        assertThat(o.versions()).isNotEmpty();
        System.out.printf(Locale.ROOT, "poisoned stream: held-out %.4f, dead letters %s, skipped %s, alerts %d, "
                + "versions %d%n", o.heldOutAccuracy(), o.deadLettersByReason(), o.skippedByReason(), o.alerts().size(),
                o.versions().size());
    }

    private static void assertSafe(Outcome o, double clean) {
        assertTrainedOrSkipped(o);
        assertThat(o.heldOutAccuracy()).as("held-out accuracy %.4f vs %.4f without bad records", o.heldOutAccuracy(),
                clean).isGreaterThanOrEqualTo(clean - 0.01);
        System.out.printf(Locale.ROOT, "  (clean stream: held-out %.4f)%n", clean);
    }

    @Test
    void withTheDefaultBoundsBadRecordsAreDeadLettersAndTheModelStaysGood() throws Exception {
        double clean = cleanAccuracy();
        Outcome o = run(true, false);

        assertSafe(o, clean);
        assertThat(o.deadLettersByReason()).containsKey("out-of-range");
    }

    @Test
    void withTheBoundsLiftedTheOptimizersGuardsAloneKeepTheModelFiniteAndGood() throws Exception {
        double clean = cleanAccuracy();
        Outcome o = run(true, true);

        assertSafe(o, clean);
        assertThat(o.deadLettersByReason()).doesNotContainKey("out-of-range");
        assertThat(o.skippedByReason()).as("the huge records reach the optimizer and some steps are skipped")
                .isNotEmpty();
    }

    @Test
    void withoutClippingOrTheSpikeGuardNoRecordMakesTheModelNonFinite() throws Exception {
        Outcome o = run(true, true, false);

        // Every stored version was checked finite in run(); every step trained or skipped with a reason.
        assertTrainedOrSkipped(o);
        assertThat(o.skippedByReason()).as("the non-finite passes are skipped, with their reasons").isNotEmpty();
    }
}
