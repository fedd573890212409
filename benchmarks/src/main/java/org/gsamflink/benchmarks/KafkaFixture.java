package org.gsamflink.benchmarks;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.gsamflink.operators.TrainingRecord;
import org.gsamflink.pipeline.format.RecordFormat;
import org.gsamflink.pipeline.format.RecordLimits;
import org.gsamflink.cli.stream.EmbeddedKafkaBroker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * One embedded KRaft broker for all the Kafka runs of a benchmark process (started on first use, stopped at exit),
 * and the topics they read: each run gets a fresh topic, filled before its job starts, deleted after.
 */
final class KafkaFixture {

    private static EmbeddedKafkaBroker broker;
    private static final AtomicInteger TOPICS = new AtomicInteger();

    private KafkaFixture() {}

    static synchronized String bootstrapServers() {
        if (broker == null) {
            try {
                Path dir = Files.createTempDirectory("gsam-bench-kafka");
                broker = EmbeddedKafkaBroker.builder().dataDir(dir).build().start();
                EmbeddedKafkaBroker b = broker;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    b.close();
                    OperatorJob.deleteRecursively(dir);
                }, "bench-kafka-shutdown"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return broker.bootstrapServers();
    }

    /**
     * A new topic holding {@code count} records in the binary minibatch format, record i being {@code record(i)};
     * returns its name once every record is acknowledged.
     */
    static String topicWith(String prefix, int count, int numFeatures, int numClasses,
                            IntFunction<TrainingRecord> record) {
        String topic = newTopic(prefix);
        RecordFormat binary = RecordFormat.create("binary", "default",
                new RecordLimits(numFeatures, numClasses, Integer.MAX_VALUE), ',', -1);
        try (KafkaProducer<byte[], byte[]> producer = producer(Map.of())) {
            for (int i = 0; i < count; i++) {
                TrainingRecord r = record.apply(i);
                producer.send(new ProducerRecord<>(topic, r.modelId.getBytes(StandardCharsets.UTF_8),
                        binary.encode(r)));
            }
            producer.flush();
        }
        return topic;
    }

    /** A new, empty one-partition topic whose name starts with {@code prefix}. */
    static String newTopic(String prefix) {
        String topic = prefix + "-" + TOPICS.incrementAndGet();
        EmbeddedKafkaBroker.createTopics(bootstrapServers(), List.of(topic), 1);
        return topic;
    }

    /** A producer of the broker that takes minibatch-sized records; {@code overrides} on top. */
    static KafkaProducer<byte[], byte[]> producer(Map<String, String> overrides) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(16 << 20));
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.putAll(overrides);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    static void deleteTopic(String topic) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers()))) {
            admin.deleteTopics(List.of(topic)).all().get();
        } catch (ExecutionException e) {
            // the next run uses a new topic anyway
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
