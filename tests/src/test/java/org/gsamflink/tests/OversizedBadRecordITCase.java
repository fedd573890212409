package org.gsamflink.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.gsamflink.pipeline.format.Details;
import org.gsamflink.pipeline.format.JsonRecordFormat;
import org.gsamflink.pipeline.format.RecordLimits;
import org.gsamflink.pipeline.job.GsamJob;
import org.gsamflink.pipeline.job.JobConfig;
import org.gsamflink.pipeline.job.JobOptions;
import org.gsamflink.pipeline.job.KafkaCodecs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gsamflink.tests.TrainingFixtures.CLASSES;
import static org.gsamflink.tests.TrainingFixtures.FEATURES;

/**
 * A record larger than every default Kafka limit (2 MiB) on the training topic, with the dead-letter topic and the
 * job's producers at Kafka's defaults (1 MiB): the job neither fails nor restarts, every good record trains once,
 * and the dead letter arrives cut to {@code sink.dead-letter-max-bytes} with its original size and its reason.
 */
class OversizedBadRecordITCase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = TrainingFixtures.miniCluster(2);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BAD_SIZE = 2 << 20;
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }

    /** A JSON example of exactly {@link #BAD_SIZE} bytes whose first feature is beyond the default bound. */
    private static byte[] twoMebibyteOutOfRangeRecord() {
        StringBuilder x = new StringBuilder("1e7");
        for (int i = 1; i < FEATURES; i++) {
            x.append(",0.5");
        }
        String head = "{\"model\":\"m1\",\"x\":[" + x + "],\"y\":1,\"note\":\"";
        String tail = "\"}";
        String text = head + "n".repeat(BAD_SIZE - head.length() - tail.length()) + tail;
        byte[] value = text.getBytes(StandardCharsets.UTF_8);
        assertThat(value).hasSize(BAD_SIZE);
        return value;
    }

    private static StreamExecutionEnvironment envWithoutRestarts() {
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");   // any failure fails the test
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        return env;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String key) {
        var h = r.headers().lastHeader(key);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void aTwoMebibyteBadRecordBecomesOneTruncatedDeadLetterAndTrainingGoesOn() throws Exception {
        String in = "big-in";
        String metrics = "big-metrics";
        String deadLetters = "big-dlq";
        // Only the training topic (and the test's producer) may carry 2 MiB; the dead-letter topic keeps 1 MiB.
        kafka.createTopics(Map.of("max.message.bytes", String.valueOf(4 << 20)), in);
        kafka.createTopics(metrics, deadLetters);

        JsonRecordFormat format = new JsonRecordFormat(new RecordLimits(FEATURES, CLASSES, 1 << 20), "m1");
        List<byte[]> values = new ArrayList<>();
        byte[] bad = twoMebibyteOutOfRangeRecord();
        int badOffset = 100;
        for (int i = 0; i < 320; i++) {
            if (i == badOffset) {
                values.add(bad);
            }
            byte[] good = format.encode(TrainingFixtures.example("m1", 40_000 + i));
            if (i == 200) {   // a byte-order mark in front of a good record is ignored: it trains
                byte[] withBom = new byte[good.length + 3];
                withBom[0] = (byte) 0xEF;
                withBom[1] = (byte) 0xBB;
                withBom[2] = (byte) 0xBF;
                System.arraycopy(good, 0, withBom, 3, good.length);
                good = withBom;
            }
            values.add(good);
        }
        kafka.produce(in, values, Map.of("max.request.size", String.valueOf(4 << 20)));

        Map<String, String> c = new LinkedHashMap<>();
        c.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        c.put("source.topics", in);
        c.put("source.starting-offsets", "earliest");
        c.put("source.bounded", "true");
        c.put("format.type", "json");
        c.put("model.architecture", "mlp:" + FEATURES + "-32-" + CLASSES);
        c.put("model.updater", "adam");
        c.put("model.learning-rate", "0.005");
        c.put("training.batch-size", "16");
        c.put("training.batch-timeout", "0 ms");
        c.put("training.snapshot-every-steps", "0");
        c.put("sink.metrics-topic", metrics);
        c.put("sink.dead-letter-topic", deadLetters);
        c.put("sink.transactional-id-prefix", in);
        c.put("job.checkpoint-interval", "300 ms");
        StreamExecutionEnvironment env = envWithoutRestarts();
        GsamJob.build(env, JobConfig.fromMap(c));
        env.execute("oversized-bad-record-it");   // with restarts off, a failure anywhere throws here

        // Every good record trained exactly once: 320 examples, 20 contiguous steps of 16.
        List<JsonNode> steps = new ArrayList<>();
        for (String v : EmbeddedKafka.values(kafka.readAll(metrics, true))) {
            steps.add(JSON.readTree(v));
        }
        assertThat(steps).hasSize(20);
        for (int i = 0; i < steps.size(); i++) {
            assertThat(steps.get(i).get("step").asLong()).isEqualTo(i + 1);
            assertThat(steps.get(i).get("examples").asLong()).isEqualTo(16);
        }

        List<ConsumerRecord<byte[], byte[]>> dead = kafka.readAll(deadLetters, true);
        assertThat(dead).hasSize(1);
        ConsumerRecord<byte[], byte[]> d = dead.get(0);
        int max = JobOptions.DEAD_LETTER_MAX_BYTES.defaultValue();
        assertThat(header(d, KafkaCodecs.DeadLetters.REASON)).isEqualTo("out-of-range");
        assertThat(header(d, KafkaCodecs.DeadLetters.TRUNCATED)).isEqualTo(String.valueOf(BAD_SIZE));
        assertThat(d.value()).hasSize(max).isEqualTo(Arrays.copyOf(bad, max));
        assertThat(header(d, KafkaCodecs.DeadLetters.DETAIL)).contains("feature 0 of row 0")
                .hasSizeLessThanOrEqualTo(Details.MAX_DETAIL_CHARS).doesNotContain("\n");
        assertThat(header(d, KafkaCodecs.DeadLetters.SOURCE_TOPIC)).isEqualTo(in);
        assertThat(header(d, KafkaCodecs.DeadLetters.SOURCE_OFFSET)).isEqualTo(String.valueOf(badOffset));
    }
}
