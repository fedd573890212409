package org.gsamflink.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.gsamflink.modelstore.ModelMetadata;
import org.gsamflink.modelstore.ModelStore;
import org.gsamflink.modelstore.ModelVersion;
import org.gsamflink.operators.TrainingRecord;
import org.gsamflink.operators.serve.PredictionRequest;
import org.gsamflink.pipeline.format.JsonRecordFormat;
import org.gsamflink.pipeline.format.RecordLimits;
import org.gsamflink.pipeline.job.GsamJob;
import org.gsamflink.pipeline.job.JobConfig;
import org.gsamflink.pipeline.job.ServingJob;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gsamflink.tests.TrainingFixtures.CLASSES;
import static org.gsamflink.tests.TrainingFixtures.FEATURES;

/**
 * The prediction job against a real Kafka broker and a Flink MiniCluster: hot swap to committed versions while
 * training publishes them, restart, dead letters, and the version gate.
 */
class ServingITCase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = TrainingFixtures.miniCluster(4);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger IDS = new AtomicInteger();
    private static final long CHECKPOINT_MS = 2000;
    private static EmbeddedKafka kafka;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }

    record Topics(String train, String requests, String predictions, String deadLetters, String alerts) {
        static Topics create(String name) throws Exception {
            String p = name + "-" + IDS.incrementAndGet();
            Topics t = new Topics(p + "-train", p + "-requests", p + "-predictions", p + "-dlq", p + "-alerts");
            kafka.createTopics(t.train, t.requests, t.predictions, t.deadLetters, t.alerts);
            return t;
        }
    }

    private Map<String, String> serveConfig(Topics t, Path store) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        c.put("job.mode", "serve");
        c.put("serve.topics", t.requests);
        c.put("serve.group-id", t.requests);
        c.put("serve.poll-interval", "200 ms");
        c.put("sink.predictions-topic", t.predictions);
        c.put("sink.dead-letter-topic", t.deadLetters);
        c.put("sink.alerts-topic", t.alerts);
        c.put("sink.transactional-id-prefix", t.requests);
        c.put("model-store.root", store.toUri().toString());
        c.put("job.checkpoint-interval", CHECKPOINT_MS + " ms");
        return c;
    }

    @Test
    void servesTheVersionsTrainingCommitsInOrderAndSoonAfterEachCommit() throws Exception {
        Topics t = Topics.create("train-and-serve");
        Path store = tmp.resolve("store");
        Map<String, String> c = serveConfig(t, store);
        c.remove("job.mode");
        c.put("serve.enabled", "true");
        c.put("source.topics", t.train);
        c.put("source.starting-offsets", "earliest");
        c.put("format.default-model-id", "m1");
        c.put("model.architecture", "mlp:" + FEATURES + "-32-" + CLASSES);
        c.put("model.updater", "adam");
        c.put("model.learning-rate", "0.005");
        c.put("training.batch-size", "16");
        c.put("training.batch-timeout", "0 ms");
        c.put("training.snapshot-every-steps", "100");
        StreamExecutionEnvironment env = TrainingFixtures.env();
        GsamJob.build(env, JobConfig.fromMap(c));
        RequestStream requests = new RequestStream(t.requests, "m1");
        JobClient job = env.executeAsync("train-and-serve");
        ModelStore models = ModelStore.builder().root(store.toUri().toString()).build();
        try {
            requests.start();
            for (int chunk = 0; chunk < 4; chunk++) {
                kafka.produce(t.train, trainingExamples(chunk * 1600L, 1600));   // 100 steps: one version
                long version = 100L * (chunk + 1);
                waitFor(() -> latest(models) >= version, 60_000, "version " + version + " committed");
                Thread.sleep(1500);   // requests answered by this version
            }
        } finally {
            requests.stop();
            job.cancel().get();
        }
        List<Long> committed = models.listVersions("m1");
        assertThat(committed).contains(100L, 200L, 300L, 400L);
        Map<Long, Long> requestTimes = timestamps(t.requests);
        List<JsonNode> predictions = values(t.predictions, false);
        assertThat(predictions).hasSizeGreaterThan(100);
        long previous = -1;
        Map<Long, Long> firstUse = new TreeMap<>();
        for (JsonNode p : predictions) {   // one partition, parallelism 1: in request order
            long v = p.get("version").asLong();
            assertThat(committed).as("every prediction names a committed version").contains(v);
            assertThat(v).as("versions never go backwards").isGreaterThanOrEqualTo(previous);
            previous = v;
            long predictedAt = requestTimes.get(p.get("offset").asLong()) + p.get("latency_ms").asLong();
            firstUse.putIfAbsent(v, predictedAt);
        }
        assertThat(firstUse.keySet()).containsExactly(100L, 200L, 300L, 400L);
        for (Map.Entry<Long, Long> e : firstUse.entrySet()) {
            long commit = commitTime(store, e.getKey());
            assertThat(e.getValue()).as("version %d used %d ms after its commit", e.getKey(), e.getValue() - commit)
                    .isGreaterThanOrEqualTo(commit - 1)
                    .isLessThanOrEqualTo(commit + CHECKPOINT_MS);
        }
    }

    @Test
    void restartServesTheNewestCommittedVersionAtOnceAndBadRequestsAreDeadLetters() throws Exception {
        Topics t = Topics.create("restart");
        Path store = tmp.resolve("store");
        ModelStore models = ModelStore.builder().root(store.toUri().toString()).build();
        models.publish(version("m1", 1, 0.8));
        models.publish(version("m1", 2, 0.8));
        List<byte[]> first = new ArrayList<>(requests("m1", "a", 20));
        first.add("{\"model\":\"m1\",\"x\":[1,2".getBytes(StandardCharsets.UTF_8));
        first.add("{\"model\":\"m1\",\"x\":[1,2,3,4,5],\"id\":\"narrow\"}".getBytes(StandardCharsets.UTF_8));
        first.add(request("ghost", "g1"));
        kafka.produce(t.requests, first);

        JobClient job = startServing(serveConfig(t, store));
        try {
            waitFor(() -> values(t.predictions, false).size() >= 20 && kafka.readAll(t.deadLetters, true).size() >= 3,
                    60_000, "20 predictions and 3 dead letters");
        } finally {
            job.cancel().get();
        }
        List<JsonNode> before = values(t.predictions, false);
        assertThat(before).allSatisfy(p -> assertThat(p.get("version").asLong()).isEqualTo(2));
        assertThat(before).extracting(p -> p.get("id").asText()).contains("a0", "a19");
        assertThat(before.get(0).get("probabilities")).hasSize(CLASSES);
        Map<String, String> reasons = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> d : kafka.readAll(t.deadLetters, true)) {
            Header reason = d.headers().lastHeader("gsam.reason");
            reasons.put(new String(reason.value(), StandardCharsets.UTF_8), new String(d.value(), StandardCharsets.UTF_8));
        }
        assertThat(reasons).containsOnlyKeys("malformed-json", "wrong-dimension", "no-model");
        assertThat(reasons.get("no-model")).contains("\"model\":\"ghost\"").contains("\"id\":\"g1\"");

        models.publish(version("m1", 3, 0.8));
        kafka.produce(t.requests, requests("m1", "b", 10));
        JobClient again = startServing(serveConfig(t, store));
        try {
            waitFor(() -> values(t.predictions, false).stream().filter(p -> p.get("id").asText().startsWith("b"))
                    .count() >= 10, 60_000, "the 10 requests after the restart answered");
        } finally {
            again.cancel().get();
        }
        List<JsonNode> after = values(t.predictions, false).subList(before.size(), values(t.predictions, false).size());
        assertThat(after).as("from its first prediction the restarted job serves version 3")
                .isNotEmpty().allSatisfy(p -> assertThat(p.get("version").asLong()).isEqualTo(3));
    }

    @Test
    void aVersionTheGateRefusesIsNeverServed() throws Exception {
        Topics t = Topics.create("gate");
        Path store = tmp.resolve("store");
        ModelStore models = ModelStore.builder().root(store.toUri().toString()).build();
        models.publish(version("m1", 1, 0.90));
        Map<String, String> c = serveConfig(t, store);
        c.put("serve.gate.max-accuracy-drop", "0.05");
        JobClient job = startServing(c);
        RequestStream requests = new RequestStream(t.requests, "m1");
        try {
            requests.start();
            waitFor(() -> !values(t.predictions, false).isEmpty(), 60_000, "a prediction of version 1");
            models.publish(version("m1", 2, 0.50));   // 0.40 worse: refused
            Thread.sleep(1500);
            models.publish(version("m1", 3, 0.88));   // 0.02 worse: within the margin
            waitFor(() -> values(t.predictions, false).stream().anyMatch(p -> p.get("version").asLong() == 3),
                    60_000, "a prediction of version 3");
            waitFor(() -> !values(t.alerts, true).isEmpty(), 30_000, "the refusal on the alerts topic");
        } finally {
            requests.stop();
            job.cancel().get();
        }
        Set<Long> served = new TreeSet<>();
        values(t.predictions, false).forEach(p -> served.add(p.get("version").asLong()));
        assertThat(served).containsExactly(1L, 3L);
        JsonNode alert = values(t.alerts, true).get(0);
        assertThat(alert.get("model").asText()).isEqualTo("m1");
        assertThat(alert.get("reason").asText()).isEqualTo("version-refused");
        assertThat(alert.get("step").asLong()).isEqualTo(2);
        assertThat(alert.get("detail").asText()).contains("0.5000").contains("0.9000");
    }

    // ---- helpers

    private static JobClient startServing(Map<String, String> config) throws Exception {
        StreamExecutionEnvironment env = TrainingFixtures.env();
        ServingJob.build(env, JobConfig.fromMap(config));
        return env.executeAsync("serve");
    }

    /** A stored version of the fixtures' network with {@code accuracy} in its metrics. */
    private static ModelVersion version(String model, long v, double accuracy) throws Exception {
        MultiLayerNetwork net = new MultiLayerNetwork(TrainingFixtures.network());
        net.init();
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, zip, false);
        return ModelVersion.builder().modelBytes(zip.toByteArray())
                .metadata(ModelMetadata.builder().modelId(model).version(v).metrics(Map.of("accuracy", accuracy))
                        .build())
                .build();
    }

    private static byte[] request(String model, String id) {
        TrainingRecord example = TrainingFixtures.example(model, Math.abs(id.hashCode()));
        return JsonRecordFormat.encodeRequest(new PredictionRequest(model, id, 1, FEATURES, example.features));
    }

    private static List<byte[]> requests(String model, String prefix, int n) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(request(model, prefix + i));
        }
        return out;
    }

    private static List<byte[]> trainingExamples(long from, int n) {
        JsonRecordFormat json = new JsonRecordFormat(new RecordLimits(FEATURES, CLASSES, 1 << 20), "m1");
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(json.encode(TrainingFixtures.example("m1", from + i)));
        }
        return out;
    }

    /** Requests sent every 10 ms from a thread, until stopped. */
    private static final class RequestStream {
        private final String topic;
        private final String model;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private Thread thread;

        RequestStream(String topic, String model) {
            this.topic = topic;
            this.model = model;
        }

        void start() {
            thread = new Thread(() -> {
                for (int i = 0; running.get(); i++) {
                    kafka.produce(topic, List.of(request(model, "r" + i)));
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "requests");
            thread.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }

    private static long latest(ModelStore store) {
        try {
            return store.latest("m1").orElse(-1);
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    private static long commitTime(Path store, long version) throws Exception {
        return Files.getLastModifiedTime(store.resolve("m1").resolve(ModelStore.versionDirectoryName(version))
                .resolve(ModelStore.COMPLETE_MARKER)).toMillis();
    }

    private static Map<Long, Long> timestamps(String topic) {
        Map<Long, Long> out = new HashMap<>();
        kafka.readAll(topic, false).forEach(r -> out.put(r.offset(), r.timestamp()));
        return out;
    }

    private static List<JsonNode> values(String topic, boolean readCommitted) {
        List<JsonNode> out = new ArrayList<>();
        try {
            for (String v : EmbeddedKafka.values(kafka.readAll(topic, readCommitted))) {
                out.add(JSON.readTree(v));
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    private static void waitFor(BooleanSupplier condition, long timeoutMs, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(200);
        }
    }
}
