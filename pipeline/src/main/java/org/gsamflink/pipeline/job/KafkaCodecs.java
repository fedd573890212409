package org.gsamflink.pipeline.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.gsamflink.operators.ModelSnapshot;
import org.gsamflink.operators.StepMetrics;
import org.gsamflink.operators.TrainingAlert;

import java.nio.charset.StandardCharsets;

/** The (de)serialization schemas between Kafka and the job's types. */
public final class KafkaCodecs {

    static final ObjectMapper JSON = new ObjectMapper();

    private KafkaCodecs() {}

    /** Keeps the raw bytes and their coordinates: decoding happens downstream, where failures become dead letters. */
    public static final class RawRecords implements KafkaRecordDeserializationSchema<RawRecord> {
        private static final long serialVersionUID = 1L;

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> r, Collector<RawRecord> out) {
            out.collect(new RawRecord(r.topic(), r.partition(), r.offset(), r.timestamp(), r.value()));
        }

        @Override
        public TypeInformation<RawRecord> getProducedType() {
            return TypeInformation.of(RawRecord.class);
        }
    }

    /**
     * Dead letters: the original bytes as the value, the reason and the source as headers. A value longer than
     * {@code maxValueBytes} is cut to its first {@code maxValueBytes} bytes and carries {@link #TRUNCATED} with the
     * original size, so that every dead letter fits the producer's {@code max.request.size} and the topic's
     * {@code max.message.bytes}; the detail header is one line of at most 256 characters.
     */
    public static final class DeadLetters implements KafkaRecordSerializationSchema<DeadLetter> {
        private static final long serialVersionUID = 2L;
        public static final String REASON = "gsam.reason";
        public static final String DETAIL = "gsam.detail";
        public static final String SOURCE_TOPIC = "gsam.source.topic";
        public static final String SOURCE_PARTITION = "gsam.source.partition";
        public static final String SOURCE_OFFSET = "gsam.source.offset";
        /** Present on a cut value: the original value's size in bytes, in decimal. */
        public static final String TRUNCATED = "gsam.truncated";
        /**
         * What a dead letter needs beyond its value, with a wide margin: the headers (keys ~110 bytes; reason ≤ 32;
         * detail ≤ 256 characters = ≤ 768 bytes of UTF-8; source topic ≤ 249; partition, offset and size ≤ 31),
         * the record's own framing (≤ 30 bytes) and the record batch header (61 bytes): under 1.3 KiB.
         */
        public static final int OVERHEAD_BYTES = 16 << 10;
        private final String topic;
        private final int maxValueBytes;

        public DeadLetters(String topic) {
            this(topic, JobOptions.DEAD_LETTER_MAX_BYTES.defaultValue());
        }

        public DeadLetters(String topic, int maxValueBytes) {
            if (maxValueBytes <= 0) {
                throw new IllegalArgumentException("maxValueBytes must be > 0, got " + maxValueBytes);
            }
            this.topic = topic;
            this.maxValueBytes = maxValueBytes;
        }

        /** The producer's {@code max.request.size} that every dead letter of at most {@code maxValueBytes} fits. */
        public static long requiredRequestSize(int maxValueBytes) {
            return (long) maxValueBytes + OVERHEAD_BYTES;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(DeadLetter d, KafkaSinkContext ctx, Long timestamp) {
            RecordHeaders headers = new RecordHeaders();
            headers.add(REASON, utf8(d.reason));
            headers.add(DETAIL, utf8(org.gsamflink.pipeline.format.Details.oneLine(d.detail)));
            headers.add(SOURCE_TOPIC, utf8(d.sourceTopic));
            headers.add(SOURCE_PARTITION, utf8(Integer.toString(d.sourcePartition)));
            headers.add(SOURCE_OFFSET, utf8(Long.toString(d.sourceOffset)));
            byte[] value = d.value;
            if (value != null && value.length > maxValueBytes) {
                headers.add(TRUNCATED, utf8(Integer.toString(value.length)));
                value = java.util.Arrays.copyOf(value, maxValueBytes);
            }
            return new ProducerRecord<>(topic, null, null, null, value, headers);
        }
    }

    /** Metrics as one JSON object per record, keyed by model id. */
    public static final class MetricsJson implements KafkaRecordSerializationSchema<StepMetrics> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        public MetricsJson(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(StepMetrics m, KafkaSinkContext ctx, Long timestamp) {
            return new ProducerRecord<>(topic, utf8(m.modelId), utf8(toJson(m)));
        }
    }

    /** Alerts as one JSON object per record, keyed by model id. */
    public static final class AlertsJson implements KafkaRecordSerializationSchema<TrainingAlert> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        public AlertsJson(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(TrainingAlert a, KafkaSinkContext ctx, Long timestamp) {
            return new ProducerRecord<>(topic, utf8(a.modelId), utf8(toJson(a)));
        }
    }

    /** Snapshot notifications: what was trained, not the model bytes (those go to the model store). */
    public static final class SnapshotNotices implements KafkaRecordSerializationSchema<ModelSnapshot> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        public SnapshotNotices(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(ModelSnapshot s, KafkaSinkContext ctx, Long timestamp) {
            return new ProducerRecord<>(topic, utf8(s.modelId), utf8(toJson(s)));
        }
    }

    public static String toJson(StepMetrics m) {
        ObjectNode o = JSON.createObjectNode();
        o.put("model", m.modelId);
        o.put("step", m.step);
        o.put("steps", m.steps);
        o.put("examples", m.examples);
        o.put("loss", m.cleanLoss);
        o.put("perturbed_loss", m.perturbedLoss);
        o.put("surrogate_gap", m.surrogateGap);
        o.put("accuracy", m.accuracy);
        o.put("fading_accuracy", m.fadingAccuracy);
        o.put("kappa", m.kappa);
        o.put("rho", m.rho);
        o.put("lr", m.lr);
        o.put("grad_norm", m.gradNorm);
        o.put("perturbed_grad_norm", m.perturbedGradNorm);
        o.put("cosine", m.cosine);
        o.put("examples_per_second", m.examplesPerSecond);
        o.put("skipped_steps", m.skippedSteps);
        o.put("skipped_reason", m.skippedReason);
        o.put("timestamp_ms", m.timestampMs);
        return o.toString();
    }

    /** {@code model, step, reason, action, detail, timestamp_ms}. */
    public static String toJson(TrainingAlert a) {
        ObjectNode o = JSON.createObjectNode();
        o.put("model", a.modelId);
        o.put("step", a.step);
        o.put("reason", a.reason);
        o.put("action", a.action);
        o.put("detail", a.detail);
        // Only a detector's alarm has figures; the other alerts keep their old shape.
        if (!Double.isNaN(a.statistic)) {
            o.put("statistic", a.statistic);
            o.put("threshold", a.threshold);
        }
        o.put("timestamp_ms", a.timestampMs);
        return o.toString();
    }

    public static String toJson(ModelSnapshot s) {
        ObjectNode o = JSON.createObjectNode();
        o.put("model", s.modelId);
        o.put("version", s.version);
        o.put("timestamp_ms", s.timestampMs);
        o.put("examples_seen", s.examplesSeen);
        o.put("model_bytes", s.modelBytes == null ? 0 : s.modelBytes.length);
        try {
            o.set("metrics", JSON.readTree(s.metricsJson));
        } catch (Exception e) {
            o.put("metrics", s.metricsJson);
        }
        return o.toString();
    }

    static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }
}
