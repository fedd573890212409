package org.gsamflink.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.gsamflink.cli.data.LabeledData;
import org.gsamflink.cli.stream.CommittedTopicReader;
import org.gsamflink.cli.stream.EmbeddedKafkaBroker;
import org.gsamflink.cli.stream.RunCompanion;
import org.gsamflink.modelstore.ModelStore;
import org.gsamflink.operators.serve.PredictionRequest;
import org.gsamflink.pipeline.format.JsonRecordFormat;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The demo's live serving: while the job trains, it asks the job's prediction operator ({@code serve.enabled}) to
 * classify the held-out examples (of any width), one JSON request each ({@code "id":"test-<i>"}) at a steady rate, from the
 * moment the first version is committed; after the job's final savepoint it reads the predictions back and reports
 * the live serving accuracy per model version and the request→prediction latency.
 *
 * <p>State: a sender thread, a Kafka producer, and a reader of the predictions topic positioned before the job
 * starts; all closed by {@link #stop}.
 */
public final class LiveServing implements RunCompanion {

    private static final Logger LOG = LogManager.getLogger(LiveServing.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    public static final String REQUESTS_TOPIC = "gsam-demo-requests";
    public static final String PREDICTIONS_TOPIC = "gsam-demo-predictions";
    /** Requests per second: enough to see every version answer, little next to training's input. */
    public static final double DEFAULT_RATE = 100;

    /** The predictions one version made, and how many were right. */
    public record VersionAccuracy(long version, long predictions, long correct) {
        public double accuracy() {
            return predictions == 0 ? Double.NaN : (double) correct / predictions;
        }
    }

    /** What serving did during the run. */
    public record Summary(long requests, long predictions, List<VersionAccuracy> byVersion, double latencyP50Ms,
                          double latencyP99Ms) {

        /** The {@code serving} section of the demo's {@code summary.json}. */
        public com.fasterxml.jackson.databind.node.ObjectNode toJson() {
            var o = JSON.createObjectNode();
            o.put("requests", requests);
            o.put("predictions", predictions);
            o.put("latency_p50_ms", latencyP50Ms);
            o.put("latency_p99_ms", latencyP99Ms);
            var versions = o.putArray("by_version");
            for (VersionAccuracy v : byVersion) {
                versions.addObject().put("version", v.version()).put("predictions", v.predictions())
                        .put("accuracy", v.accuracy());
            }
            return o;
        }

        public void print(PrintWriter out) {
            out.printf(Locale.ROOT, "  live serving         %d predictions of %d requests (held-out examples), "
                    + "latency p50 %.0f ms, p99 %.0f ms%n", predictions, requests, latencyP50Ms, latencyP99Ms);
            for (VersionAccuracy v : byVersion) {
                out.printf(Locale.ROOT, "                       version %-5d accuracy %.4f on %d%n", v.version(),
                        v.accuracy(), v.predictions());
            }
        }
    }

    private final Path store;
    private final String modelId;
    private final LabeledData test;
    private final double rate;
    private CommittedTopicReader predictions;
    private KafkaProducer<byte[], byte[]> producer;
    private Thread sender;
    private volatile boolean stopping;
    private volatile long sent;
    private Summary summary;

    public LiveServing(Path store, String modelId, LabeledData test, double rate) {
        this.store = store;
        this.modelId = modelId;
        this.test = test;
        this.rate = rate;
    }

    @Override
    public void prepare(String servers) {
        EmbeddedKafkaBroker.createTopics(servers, List.of(REQUESTS_TOPIC, PREDICTIONS_TOPIC), 1);
        predictions = CommittedTopicReader.builder().bootstrapServers(servers).topic(PREDICTIONS_TOPIC).build();
    }

    @Override
    public void start(String servers) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        sender = new Thread(this::send, "demo-serving-requests");
        sender.setDaemon(true);
        sender.start();
    }

    /** Waits for the first committed version, then sends the held-out examples round-robin at {@link #rate}. */
    private void send() {
        ModelStore models = ModelStore.builder().root(store.toUri()).build();
        try {
            while (!stopping && models.latest(modelId).isEmpty()) {
                Thread.sleep(200);
            }
            long nanosPerRequest = (long) (1e9 / rate);
            long next = System.nanoTime();
            for (int i = 0; !stopping; i = (i + 1) % test.size()) {
                float[] x = new float[test.numFeatures()];
                for (int f = 0; f < x.length; f++) {
                    x[f] = test.feature(i, f);
                }
                byte[] value = JsonRecordFormat.encodeRequest(new PredictionRequest(modelId, "test-" + i, 1,
                        x.length, x));
                producer.send(new ProducerRecord<>(REQUESTS_TOPIC, modelId.getBytes(StandardCharsets.UTF_8), value));
                sent++;
                next += nanosPerRequest;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("Live serving stopped sending requests: {}", e.toString());
        }
    }

    @Override
    public void stop() throws Exception {
        stopping = true;
        if (sender != null) {
            sender.join(10_000);
        }
        try {
            Map<Long, long[]> byVersion = new TreeMap<>();
            List<Long> latencies = new ArrayList<>();
            if (predictions != null) {
                predictions.readToEnd(value -> {
                    JsonNode p = JSON.readTree(value);
                    int example = Integer.parseInt(p.get("id").asText().substring("test-".length()));
                    long[] counts = byVersion.computeIfAbsent(p.get("version").asLong(), v -> new long[2]);
                    counts[0]++;
                    counts[1] += p.get("class").asInt() == test.label(example) ? 1 : 0;
                    latencies.add(p.get("latency_ms").asLong());
                });
            }
            List<VersionAccuracy> rows = new ArrayList<>();
            byVersion.forEach((v, c) -> rows.add(new VersionAccuracy(v, c[0], c[1])));
            long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            summary = new Summary(sent, sorted.length, rows, percentile(sorted, 0.5), percentile(sorted, 0.99));
        } finally {
            if (producer != null) {
                producer.close(Duration.ofSeconds(5));
            }
            if (predictions != null) {
                predictions.close();
            }
        }
    }

    /** What serving did; null before {@link #stop}. */
    public Summary summary() {
        return summary;
    }

    static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

    @Override
    public String toString() {
        return "LiveServing{" + Arrays.asList(REQUESTS_TOPIC, PREDICTIONS_TOPIC) + ", " + rate + "/s}";
    }
}
