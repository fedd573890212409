package org.gsamflink.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.gsamflink.operators.TrainingRecord;
import org.gsamflink.operators.serve.PredictionRequest;
import org.gsamflink.pipeline.format.BinaryMinibatchFormat;
import org.gsamflink.pipeline.format.JsonRecordFormat;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The client side of the serving benchmark: one request topic's producer, which keeps each request's record
 * timestamp by offset (from the broker's acknowledgement, so it is the very timestamp the job measures latency
 * from), and a reader of the predictions topic that keeps each prediction's record timestamp.
 */
final class ServeTraffic implements AutoCloseable {

    /** One prediction as read back: the request it answers (offset in the request topic), its row and version. */
    record Answer(long requestOffset, int row, long version, long timestampMs) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String topic;
    private final byte[] key;
    private final List<byte[]> payloads;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Map<Long, Long> sentAt = new ConcurrentHashMap<>();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private long sent;

    /**
     * @param lingerMs the producer's linger: 0 for paced requests (a request waiting for a batch would count as
     *                 serving latency), the client default for a backlog written as fast as possible
     */
    ServeTraffic(String topic, String modelId, List<byte[]> payloads, int lingerMs) {
        this.topic = topic;
        this.key = modelId.getBytes(StandardCharsets.UTF_8);
        this.payloads = List.copyOf(payloads);
        this.producer = KafkaFixture.producer(Map.of(ProducerConfig.LINGER_MS_CONFIG, String.valueOf(lingerMs)));
    }

    /**
     * The wire form of each input: a JSON single-example request per row for batch 1 (the format a client of one
     * example sends), a binary minibatch per input otherwise, its labels 0 (a request's labels are ignored).
     */
    static List<byte[]> encode(List<INDArray> inputs, String modelId) {
        List<byte[]> out = new ArrayList<>();
        for (INDArray x : inputs) {
            int rows = (int) x.size(0);
            int cols = (int) x.size(1);
            float[] features = x.dup('c').data().asFloat();
            out.add(rows == 1
                    ? JsonRecordFormat.encodeRequest(new PredictionRequest(modelId, null, 1, cols, features))
                    : BinaryMinibatchFormat.encode(TrainingRecord.minibatch(modelId, cols, features, new int[rows]),
                    BinaryMinibatchFormat.FLOAT32));
        }
        return out;
    }

    /** Sends one request (the next payload, cycling). */
    void send() {
        byte[] value = payloads.get((int) (sent++ % payloads.size()));
        producer.send(new ProducerRecord<>(topic, key, value), (md, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            } else {
                sentAt.put(md.offset(), md.timestamp());
            }
        });
    }

    /** {@code count} requests as fast as the producer takes them; returns once all are acknowledged. */
    void burst(int count) {
        for (int i = 0; i < count; i++) {
            send();
        }
        flush();
    }

    /**
     * Requests at {@code perSecond} for {@code durationMs} or until {@code running} turns false, on a fixed schedule
     * (open loop: a send that comes late does not push the later ones back, so a slow job cannot slow the load).
     *
     * @return the requests sent
     */
    long paced(double perSecond, long durationMs, AtomicBoolean running) {
        long periodNs = Math.round(1e9 / perSecond);
        long start = System.nanoTime();
        long end = start + TimeUnit.MILLISECONDS.toNanos(durationMs);
        long n = 0;
        while (running.get()) {
            long due = start + n * periodNs;
            if (due >= end) {
                break;
            }
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            send();
            n++;
        }
        flush();
        return n;
    }

    void flush() {
        producer.flush();
        Exception e = failure.get();
        if (e != null) {
            throw new IllegalStateException("a request was not written to " + topic, e);
        }
    }

    long sent() {
        return sent;
    }

    /** The record timestamp of the request at {@code offset}, or null when it was not acknowledged. */
    Long sentAt(long offset) {
        return sentAt.get(offset);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }

    /** A consumer of the predictions topic (one partition) from its beginning. */
    static final class Answers implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final TopicPartition partition;

        Answers(String topic) {
            partition = new TopicPartition(topic, 0);
            consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrapServers(),
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                    ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000"),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer());
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
        }

        /** How many predictions the topic holds (at-least-once, no failures: one record per answered row). */
        long count() {
            return consumer.endOffsets(List.of(partition)).get(partition);
        }

        /** One poll; each prediction read goes to {@code handler}. */
        void poll(Duration timeout, Consumer<Answer> handler) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
                try {
                    JsonNode p = JSON.readTree(r.value());
                    handler.accept(new Answer(p.get("offset").asLong(), p.get("row").asInt(),
                            p.get("version").asLong(), r.timestamp()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }

        /** Every prediction from the current position to the end as it is now. */
        List<Answer> readToEnd() {
            long end = count();
            List<Answer> out = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 120_000;
            while (consumer.position(partition) < end && System.currentTimeMillis() < deadline) {
                poll(Duration.ofMillis(200), out::add);
            }
            return out;
        }

        /** Waits until the topic holds at least {@code count} predictions. */
        void awaitCount(long count, long timeoutMs, String what) throws InterruptedException {
            long deadline = System.currentTimeMillis() + timeoutMs;
            while (count() < count) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("timed out after " + timeoutMs + " ms waiting for " + what
                            + " (" + count() + " of " + count + " predictions)");
                }
                Thread.sleep(100);
            }
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
