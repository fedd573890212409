package org.gsamflink.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.gsamflink.operators.TrainingRecord;
import org.gsamflink.pipeline.format.BinaryMinibatchFormat;
import org.gsamflink.pipeline.format.RecordFormat;
import org.gsamflink.pipeline.format.RecordLimits;
import org.gsamflink.pipeline.job.GsamJob;
import org.gsamflink.pipeline.job.JobConfig;
import org.gsamflink.pipeline.job.KafkaCodecs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gsamflink.tests.TrainingFixtures.CLASSES;
import static org.gsamflink.tests.TrainingFixtures.FEATURES;

/** The whole Kafka training job against a real Kafka broker and a Flink MiniCluster. */
class KafkaTrainingJobITCase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = TrainingFixtures.miniCluster(2);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger TOPIC_IDS = new AtomicInteger();
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }

    /** Topic names for one job run. */
    record Topics(String in, String metrics, String deadLetters, String snapshots) {
        static Topics create(String name) throws Exception {
            String p = name + "-" + TOPIC_IDS.incrementAndGet();
            Topics t = new Topics(p + "-in", p + "-metrics", p + "-dlq", p + "-snapshots");
            kafka.createTopics(t.in, t.metrics, t.deadLetters, t.snapshots);
            return t;
        }
    }

    private static Map<String, String> config(Topics t, String format) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        c.put("source.topics", t.in);
        c.put("source.starting-offsets", "earliest");
        c.put("source.bounded", "true");
        c.put("format.type", format);
        c.put("format.default-model-id", "m1");
        c.put("model.architecture", "mlp:" + FEATURES + "-32-" + CLASSES);
        c.put("model.updater", "adam");
        c.put("model.learning-rate", "0.005");
        c.put("model.label-smoothing", "0");
        c.put("gsam.alpha", "0.3");
        c.put("gsam.rho", "constant:0.05");
        c.put("training.batch-size", "16");
        c.put("training.batch-timeout", "0 ms");
        c.put("training.snapshot-every-steps", "0");
        c.put("sink.metrics-topic", t.metrics);
        c.put("sink.snapshots-topic", t.snapshots);
        c.put("sink.dead-letter-topic", t.deadLetters);
        c.put("sink.transactional-id-prefix", t.in);
        c.put("job.checkpoint-interval", "300 ms");
        return c;
    }

    private static List<TrainingRecord> examples(int n, long offset) {
        List<TrainingRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(TrainingFixtures.example("m1", offset + i));
        }
        return out;
    }

    /** Minibatches of 16 built from consecutive examples. */
    private static List<TrainingRecord> minibatches(List<TrainingRecord> examples) {
        List<TrainingRecord> out = new ArrayList<>();
        for (int from = 0; from < examples.size(); from += 16) {
            int rows = Math.min(16, examples.size() - from);
            float[] x = new float[rows * FEATURES];
            int[] y = new int[rows];
            for (int i = 0; i < rows; i++) {
                System.arraycopy(examples.get(from + i).features, 0, x, i * FEATURES, FEATURES);
                y[i] = examples.get(from + i).labels[0];
            }
            out.add(TrainingRecord.minibatch("m1", FEATURES, x, y));
        }
        return out;
    }

    private static List<byte[]> encode(String format, List<TrainingRecord> records) {
        RecordFormat f = RecordFormat.create(format, "m1", new RecordLimits(FEATURES, CLASSES, 1 << 20), ',', -1);
        List<byte[]> out = new ArrayList<>();
        for (TrainingRecord r : records) {
            out.add(f.encode(r));
        }
        return out;
    }

    private static void runJob(Map<String, String> config) throws Exception {
        StreamExecutionEnvironment env = TrainingFixtures.env();
        GsamJob.build(env, JobConfig.fromMap(config));
        env.execute("kafka-it");
    }

    private static List<JsonNode> metrics(Topics t) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String v : EmbeddedKafka.values(kafka.readAll(t.metrics, true))) {
            out.add(JSON.readTree(v));
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"csv", "json", "binary"})
    void producedRecordsTrainAndMetricsComeBack(String format) throws Exception {
        Topics t = Topics.create("fmt-" + format);
        List<TrainingRecord> data = examples(1600, 0);
        kafka.produce(t.in, encode(format, format.equals("binary") ? minibatches(data) : data));

        Path store = java.nio.file.Files.createTempDirectory("gsam-store");
        Map<String, String> c = config(t, format);
        c.put("model-store.root", store.toUri().toString());
        runJob(c);

        assertThat(org.gsamflink.modelstore.ModelStore.builder().root(store.toUri().toString()).build()
                .latest("m1")).hasValue(100);
        List<JsonNode> metrics = metrics(t);
        assertThat(metrics).hasSize(100);
        for (int i = 0; i < metrics.size(); i++) {
            JsonNode m = metrics.get(i);
            assertThat(m.get("model").asText()).isEqualTo("m1");
            assertThat(m.get("step").asLong()).isEqualTo(i + 1);
            assertThat(m.get("examples").asLong()).isEqualTo(16);
            for (String field : List.of("loss", "perturbed_loss", "surrogate_gap", "accuracy", "rho", "lr",
                    "grad_norm", "perturbed_grad_norm", "cosine", "examples_per_second", "skipped_steps")) {
                assertThat(m.has(field)).as(field).isTrue();
            }
        }
        double lateAccuracy = metrics.subList(80, 100).stream().mapToDouble(m -> m.get("accuracy").asDouble())
                .average().orElseThrow();
        assertThat(lateAccuracy).as("prequential accuracy, chance is 0.25").isGreaterThan(0.6);
        List<String> notices = EmbeddedKafka.values(kafka.readAll(t.snapshots, true));
        assertThat(notices).hasSize(1);
        assertThat(JSON.readTree(notices.get(0)).get("version").asLong()).isEqualTo(100);
        assertThat(kafka.readAll(t.deadLetters, true)).isEmpty();
    }

    // ---- Dead letters

    /** A malformed record and the reason it must be rejected with. */
    record Bad(String reason, byte[] value) {
        static Bad of(String reason, String text) {
            return new Bad(reason, text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static String jsonExample(String model, String x, String y) {
        return "{\"model\":\"" + model + "\",\"x\":" + x + ",\"y\":" + y + "}";
    }

    private static String features(int n, String value) {
        List<String> v = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            v.add(i == 0 ? value : "0.5");
        }
        return "[" + String.join(",", v) + "]";
    }

    static List<Bad> jsonCorpus() {
        String ok = features(FEATURES, "0.1");
        return List.of(
                new Bad("empty", new byte[0]),
                new Bad("oversized", ("{\"pad\":\"" + "x".repeat(3000) + "\"}").getBytes(StandardCharsets.UTF_8)),
                new Bad("invalid-utf8", new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'}),
                Bad.of("malformed-json", "{\"model\":\"m1\",\"x\":[1,2"),
                Bad.of("malformed-json", "[1,2,3]"),
                Bad.of("malformed-json", jsonExample("m1", ok, "1") + " trailing"),
                Bad.of("missing-field", "{\"model\":\"m1\",\"y\":1}"),
                Bad.of("missing-field", "{\"model\":\"m1\",\"x\":" + ok + "}"),
                Bad.of("wrong-type", jsonExample("m1", "\"not an array\"", "1")),
                Bad.of("wrong-type", jsonExample("m1", features(FEATURES, "\"a\""), "1")),
                Bad.of("wrong-type", jsonExample("m1", ok, "2.5")),
                Bad.of("wrong-type", "{\"model\":7,\"x\":" + ok + ",\"y\":1}"),
                Bad.of("wrong-dimension", jsonExample("m1", features(FEATURES - 1, "0.1"), "1")),
                Bad.of("wrong-dimension", jsonExample("m1", "[]", "1")),
                Bad.of("non-finite", jsonExample("m1", features(FEATURES, "1e39"), "1")),
                Bad.of("label-out-of-range", jsonExample("m1", ok, "4")),
                Bad.of("label-out-of-range", jsonExample("m1", ok, "-1")),
                Bad.of("bad-weight", "{\"model\":\"m1\",\"x\":" + ok + ",\"y\":1,\"w\":-2}"),
                Bad.of("wrong-type", "{\"model\":\"m1\",\"x\":" + ok + ",\"y\":1,\"w\":\"heavy\"}"),
                Bad.of("bad-model-id", jsonExample("../etc", ok, "1")),
                Bad.of("bad-model-id", jsonExample("a/b", ok, "1")),
                Bad.of("bad-model-id", jsonExample("m".repeat(129), ok, "1")),
                Bad.of("unknown-model", jsonExample("m2", ok, "1")));
    }

    static List<Bad> binaryCorpus() {
        TrainingRecord good = minibatches(examples(16, 99_000)).get(0);
        byte[] valid = BinaryMinibatchFormat.encode(good, BinaryMinibatchFormat.FLOAT32);
        List<Bad> out = new ArrayList<>();
        byte[] magic = valid.clone();
        magic[0] = 'X';
        out.add(new Bad("bad-magic", magic));
        byte[] version = valid.clone();
        version[4] = 9;
        out.add(new Bad("unsupported-version", version));
        byte[] dtype = valid.clone();
        dtype[5] = 7;
        out.add(new Bad("unsupported-dtype", dtype));
        out.add(new Bad("truncated", java.util.Arrays.copyOf(valid, 9)));
        out.add(new Bad("truncated", java.util.Arrays.copyOf(valid, valid.length - 3)));
        byte[] trailing = java.util.Arrays.copyOf(valid, valid.length + 4);
        out.add(new Bad("trailing-bytes", trailing));
        byte[] zeroRows = valid.clone();
        ByteBuffer.wrap(zeroRows).order(ByteOrder.LITTLE_ENDIAN).putInt(10 + 2, 0);   // model id "m1": 2 bytes
        out.add(new Bad("bad-shape", zeroRows));
        TrainingRecord narrow = new TrainingRecord("m1", 2, FEATURES - 1, new float[2 * (FEATURES - 1)], new int[2], null, true);
        out.add(new Bad("wrong-dimension", BinaryMinibatchFormat.encode(narrow, BinaryMinibatchFormat.FLOAT32)));
        TrainingRecord nan = minibatches(examples(16, 98_000)).get(0);
        nan.features[5] = Float.NaN;
        out.add(new Bad("non-finite", BinaryMinibatchFormat.encode(nan, BinaryMinibatchFormat.FLOAT64)));
        TrainingRecord label = minibatches(examples(16, 97_000)).get(0);
        label.labels[3] = 17;
        out.add(new Bad("label-out-of-range", BinaryMinibatchFormat.encode(label, BinaryMinibatchFormat.FLOAT32)));
        out.add(Bad.of("bad-magic", "{\"model\":\"m1\"}"));
        out.add(new Bad("empty", new byte[0]));
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"json", "binary"})
    void malformedRecordsGoToTheDeadLetterTopicAndTheRestTrainsAsIfTheyWereAbsent(String format) throws Exception {
        List<TrainingRecord> data = examples(640, 5_000);
        List<byte[]> good = encode(format, format.equals("binary") ? minibatches(data) : data);
        List<Bad> corpus = format.equals("json") ? jsonCorpus() : binaryCorpus();
        List<byte[]> mixed = new ArrayList<>();
        int nextBad = 0;
        for (int i = 0; i < good.size(); i++) {
            if (i % 2 == 1 && nextBad < corpus.size()) {
                mixed.add(corpus.get(nextBad++).value());
            }
            mixed.add(good.get(i));
        }
        while (nextBad < corpus.size()) {
            mixed.add(corpus.get(nextBad++).value());
        }

        Topics dirty = Topics.create("dirty-" + format);
        kafka.produce(dirty.in, mixed);
        Map<String, String> dirtyConfig = config(dirty, format);
        dirtyConfig.put("format.max-record-bytes", format.equals("json") ? "2048" : "8192");
        dirtyConfig.put("model.ids", "m1");
        runJob(dirtyConfig);

        Topics clean = Topics.create("clean-" + format);
        kafka.produce(clean.in, good);
        runJob(config(clean, format));

        List<ConsumerRecord<byte[], byte[]>> dead = kafka.readAll(dirty.deadLetters, true);
        assertThat(dead).hasSize(corpus.size());
        for (int i = 0; i < corpus.size(); i++) {
            ConsumerRecord<byte[], byte[]> d = dead.get(i);
            assertThat(header(d, KafkaCodecs.DeadLetters.REASON)).as("reason of bad record %d", i)
                    .isEqualTo(corpus.get(i).reason());
            assertThat(d.value() == null ? new byte[0] : d.value()).isEqualTo(corpus.get(i).value());
            assertThat(header(d, KafkaCodecs.DeadLetters.SOURCE_TOPIC)).isEqualTo(dirty.in);
            assertThat(header(d, KafkaCodecs.DeadLetters.SOURCE_PARTITION)).isEqualTo("0");
            assertThat(Long.parseLong(header(d, KafkaCodecs.DeadLetters.SOURCE_OFFSET))).isBetween(0L, (long) mixed.size());
            assertThat(header(d, KafkaCodecs.DeadLetters.DETAIL)).isNotBlank();
        }
        List<JsonNode> dirtyMetrics = metrics(dirty);
        List<JsonNode> cleanMetrics = metrics(clean);
        assertThat(dirtyMetrics).hasSize(40).hasSameSizeAs(cleanMetrics);
        for (int i = 0; i < cleanMetrics.size(); i++) {
            assertThat(dirtyMetrics.get(i).get("loss").asDouble()).isEqualTo(cleanMetrics.get(i).get("loss").asDouble());
            assertThat(dirtyMetrics.get(i).get("surrogate_gap").asDouble())
                    .isEqualTo(cleanMetrics.get(i).get("surrogate_gap").asDouble());
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String key) {
        var h = r.headers().lastHeader(key);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    // ---- Exactly-once metrics after a failure

    /** Slows the stream so checkpoints complete mid-stream; throws once after one did. */
    static final class SlowThenFailOnce extends RichMapFunction<TrainingRecord, TrainingRecord>
            implements CheckpointListener {
        static final AtomicBoolean FAILED = new AtomicBoolean();
        private long seen;
        private volatile boolean checkpointDone;

        @Override
        public TrainingRecord map(TrainingRecord r) throws Exception {
            if (!FAILED.get()) {
                Thread.sleep(2);
            }
            if (++seen > 300 && checkpointDone && FAILED.compareAndSet(false, true)) {
                throw new IllegalStateException("injected failure after " + seen + " records");
            }
            return r;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            checkpointDone = true;
        }
    }

    @Test
    void afterAnInjectedFailureAReadCommittedConsumerSeesEachStepExactlyOnce() throws Exception {
        Topics t = Topics.create("exactly-once");
        kafka.produce(t.in, encode("json", examples(1600, 20_000)));
        SlowThenFailOnce.FAILED.set(false);
        StreamExecutionEnvironment env = TrainingFixtures.env();
        GsamJob.build(env, JobConfig.fromMap(config(t, "json")),
                s -> s.map(new SlowThenFailOnce()).name("slow, fail once"));
        env.execute("exactly-once-it");

        assertThat(SlowThenFailOnce.FAILED).isTrue();
        List<JsonNode> committed = metrics(t);
        Map<Long, Integer> perStep = new HashMap<>();
        committed.forEach(m -> perStep.merge(m.get("step").asLong(), 1, Integer::sum));
        assertThat(perStep).hasSize(100);
        assertThat(perStep.values()).allMatch(n -> n == 1);
        // The uncommitted view may hold the aborted attempt's duplicates; the committed one never does.
        assertThat(kafka.readAll(t.metrics, false).size()).isGreaterThanOrEqualTo(committed.size());
    }

    // ---- Too-many-models dead letters, exactly once after a failure (the alerts topic wired alongside)

    /** Sleeps 2 ms per record until {@link SlowThenFailOnce} failed. */
    static final class Slow extends RichMapFunction<TrainingRecord, TrainingRecord> {
        @Override
        public TrainingRecord map(TrainingRecord r) throws Exception {
            if (!SlowThenFailOnce.FAILED.get()) {
                Thread.sleep(2);
            }
            return r;
        }
    }

    @Test
    void afterAnInjectedFailureTooManyModelsDeadLettersAreCommittedExactlyOnce() throws Exception {
        Topics t = Topics.create("cap");
        String alertsTopic = t.in + "-alerts";
        kafka.createTopics(alertsTopic);
        List<TrainingRecord> records = new ArrayList<>();
        List<TrainingRecord> m1 = examples(1600, 30_000);
        for (int i = 0; i < m1.size(); i++) {
            records.add(m1.get(i));
            if (i % 160 == 80) {
                records.add(TrainingFixtures.example("other-" + i, i));   // 10 new ids beyond the cap of 1
            }
        }
        kafka.produce(t.in, encode("json", records));
        SlowThenFailOnce.FAILED.set(false);
        Map<String, String> c = config(t, "json");
        c.put("training.max-models", "1");
        c.put("sink.alerts-topic", alertsTopic);
        StreamExecutionEnvironment env = TrainingFixtures.env();
        // The failing map runs behind rebalance(), not chained to the decoder (whose catch-all would turn the
        // injected failure into a dead letter); the slow map before it keeps checkpoint barriers from queueing
        // behind the whole input.
        GsamJob.build(env, JobConfig.fromMap(c), s -> s.map(new Slow()).name("slow")
                .rebalance().map(new SlowThenFailOnce()).name("slow, fail once"));
        env.execute("cap-exactly-once-it");

        assertThat(SlowThenFailOnce.FAILED).isTrue();
        // Every record of a new id beyond the cap is one committed dead letter, also across the restart (the cap is
        // counted from the restored state, so none of them got in after it).
        List<ConsumerRecord<byte[], byte[]>> dead = kafka.readAll(t.deadLetters, true);
        assertThat(dead).extracting(d -> header(d, KafkaCodecs.DeadLetters.REASON)).containsOnly("too-many-models");
        assertThat(EmbeddedKafka.values(dead)).extracting(v -> v.replaceAll(".*\"model\":\"([^\"]+)\".*", "$1"))
                .containsExactlyInAnyOrder("other-80", "other-240", "other-400", "other-560", "other-720",
                        "other-880", "other-1040", "other-1200", "other-1360", "other-1520");
        assertThat(metrics(t)).extracting(m -> m.get("model").asText()).containsOnly("m1");
        Map<Long, Integer> perStep = new HashMap<>();
        metrics(t).forEach(m -> perStep.merge(m.get("step").asLong(), 1, Integer::sum));
        assertThat(perStep).hasSize(100);
        assertThat(perStep.values()).allMatch(n -> n == 1);
        // Clean training raises no alert; the alerts sink commits with the others (no aborted transaction left).
        assertThat(kafka.readAll(alertsTopic, true)).isEmpty();
    }
}
