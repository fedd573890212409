package org.gsamflink.cli.stream;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * Reads what a job commits to one topic from now on: a {@code read_committed} consumer of every partition,
 * positioned at the end when it is built, so that records an earlier run left in the topic and transactions that
 * are aborted are never seen. No consumer group: nothing is committed back.
 *
 * <pre>{@code
 * try (CommittedTopicReader metrics = CommittedTopicReader.builder().bootstrapServers(servers).topic("m").build()) {
 *     // ... start the job that writes to "m" ...
 *     metrics.poll(Duration.ofMillis(250), value -> handle(value));
 *     long rest = metrics.readToEnd(value -> handle(value));   // once the job has stopped
 * }
 * }</pre>
 *
 * <p>Required: {@code bootstrapServers} and {@code topic}. {@link Builder#build()} connects to the broker.
 * Lifecycle: build (positions at the end) → any number of {@link #poll} / {@link #readToEnd} → {@link #close}.
 */
public final class CommittedTopicReader implements AutoCloseable {

    /** How long each poll of {@link #readToEnd} waits. */
    public static final Duration READ_TO_END_POLL = Duration.ofMillis(200);
    /** {@link #readToEnd} gives up after this long. */
    public static final Duration READ_TO_END_TIMEOUT = Duration.ofSeconds(30);

    /** Handles the value of one record. */
    @FunctionalInterface
    public interface RecordHandler {
        void accept(byte[] value) throws IOException;
    }

    private final String topic;
    private final KafkaConsumer<byte[], byte[]> consumer;

    private CommittedTopicReader(Builder b) {
        this.topic = b.topic;
        Properties p = new Properties();
        p.putAll(b.clientProperties);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        try {
            List<TopicPartition> parts = c.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToEnd(parts);   // this run's output only: the topic may hold an earlier run's records
            parts.forEach(c::position);
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        this.consumer = c;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String topic() {
        return topic;
    }

    /**
     * Polls once, waiting at most {@code timeout}, and hands each committed record's value to {@code handler}.
     *
     * @return the records read
     */
    public int poll(Duration timeout, RecordHandler handler) throws IOException {
        int n = 0;
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
            handler.accept(r.value());
            n++;
        }
        return n;
    }

    /**
     * Polls until the position reaches the last committed offset the topic has now, or for at most
     * {@link #READ_TO_END_TIMEOUT}; each value goes to {@code handler}.
     *
     * @return the records read
     */
    public long readToEnd(RecordHandler handler) throws IOException {
        Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
        long n = 0;
        long deadline = System.currentTimeMillis() + READ_TO_END_TIMEOUT.toMillis();
        while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())
                && System.currentTimeMillis() < deadline) {
            n += poll(READ_TO_END_POLL, handler);
        }
        return n;
    }

    @Override
    public void close() {
        consumer.close();
    }

    public static final class Builder {
        private String bootstrapServers;
        private String topic;
        private final Properties clientProperties = new Properties();

        private Builder() {}

        /**
         * Kafka client settings the cluster needs (security, timeouts), e.g. a job's {@code kafka.*} properties; the
         * reader's own settings (servers, read_committed, no offset commits) win.
         */
        public Builder clientProperties(Properties properties) {
            clientProperties.putAll(Objects.requireNonNull(properties, "properties"));
            return this;
        }

        public Builder bootstrapServers(String servers) {
            if (Objects.requireNonNull(servers, "bootstrapServers").isBlank()) {
                throw new IllegalArgumentException("bootstrapServers must not be blank");
            }
            this.bootstrapServers = servers;
            return this;
        }

        public Builder topic(String topic) {
            if (Objects.requireNonNull(topic, "topic").isBlank()) {
                throw new IllegalArgumentException("topic must not be blank");
            }
            this.topic = topic;
            return this;
        }

        /** Connects and positions the reader at the end of every partition of the topic. */
        public CommittedTopicReader build() {
            if (bootstrapServers == null) {
                throw new IllegalStateException("bootstrapServers is required");
            }
            if (topic == null) {
                throw new IllegalStateException("topic is required");
            }
            return new CommittedTopicReader(this);
        }
    }
}
