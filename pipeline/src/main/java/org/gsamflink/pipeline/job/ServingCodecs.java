package org.gsamflink.pipeline.job;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.gsamflink.operators.serve.Prediction;
import org.gsamflink.operators.serve.PredictionRequest;

import java.nio.charset.StandardCharsets;

/** The serving job's Kafka wire formats: predictions, and unanswered requests as dead-letter values. */
public final class ServingCodecs {

    private ServingCodecs() {}

    /**
     * One prediction per record, keyed by model id:
     * <pre>{@code {"id":"req-7","model":"fashion","version":200,"row":0,"class":3,
     *  "probabilities":[…],"latency_ms":4,"partition":0,"offset":1234}}</pre>
     * {@code id} only when the request had one; {@code row} is the example's row in a minibatch request.
     */
    public static final class PredictionsJson implements KafkaRecordSerializationSchema<Prediction> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        public PredictionsJson(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(Prediction p, KafkaSinkContext ctx, Long timestamp) {
            return new ProducerRecord<>(topic, p.modelId.getBytes(StandardCharsets.UTF_8),
                    toJson(p).getBytes(StandardCharsets.UTF_8));
        }
    }

    public static String toJson(Prediction p) {
        ObjectNode o = KafkaCodecs.JSON.createObjectNode();
        if (p.requestId != null) {
            o.put("id", p.requestId);
        }
        o.put("model", p.modelId);
        o.put("version", p.modelVersion);
        o.put("row", p.row);
        o.put("class", p.predictedClass);
        ArrayNode probabilities = o.putArray("probabilities");
        for (float f : p.probabilities) {
            probabilities.add(f);
        }
        o.put("latency_ms", p.latencyMs);
        o.put("partition", p.sourcePartition);
        o.put("offset", p.sourceOffset);
        return o.toString();
    }

    /** A request as a dead letter's value: {@code {"model":…,"id":…,"rows":…,"x":[…]}} (x row-major). */
    static byte[] requestJson(PredictionRequest r) {
        ObjectNode o = KafkaCodecs.JSON.createObjectNode();
        o.put("model", r.modelId);
        if (r.requestId != null) {
            o.put("id", r.requestId);
        }
        o.put("rows", r.rows);
        ArrayNode x = o.putArray("x");
        for (float f : r.features) {
            x.add(f);
        }
        return o.toString().getBytes(StandardCharsets.UTF_8);
    }
}
