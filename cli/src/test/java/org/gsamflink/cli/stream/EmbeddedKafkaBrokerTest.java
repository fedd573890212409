package org.gsamflink.cli.stream;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The broker the demo and {@code run} start: it must come up every time, and come back after a stop. */
class EmbeddedKafkaBrokerTest {

    /**
     * The demo on a fresh clone once failed because the broker and controller ports were picked independently and
     * came out equal. Fifty fresh starts in a row, each serving a topic, show the ports no longer collide.
     */
    @Test
    void startsFiftyTimesInARow(@TempDir Path dir) {
        List<String> addresses = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.builder().dataDir(dir.resolve("run-" + i)).build()
                    .start()) {
                kafka.createTopics(List.of("t"), 1);
                addresses.add(kafka.bootstrapServers());
            }
        }
        assertThat(addresses).hasSize(50).allMatch(a -> a.startsWith("127.0.0.1:"));
    }

    @Test
    void restartsOnTheSamePortWithItsData(@TempDir Path dir) {
        EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.builder().dataDir(dir).build().start();
        try {
            String address = kafka.bootstrapServers();
            kafka.createTopics(List.of("kept"), 1);
            try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, address), new StringSerializer(), new StringSerializer())) {
                p.send(new ProducerRecord<>("kept", "before the restart")).get();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            kafka.close();
            assertThatThrownBy(kafka::bootstrapServers).hasMessageContaining("not running");

            kafka.start();
            assertThat(kafka.bootstrapServers()).isEqualTo(address);
            assertThat(readAll(address, "kept")).containsExactly("before the restart");
        } finally {
            kafka.close();
        }
    }

    @Test
    void aRequestedPortInUseIsNamed(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.builder().dataDir(dir).port(taken.getLocalPort()).build();
            assertThatThrownBy(kafka::start).hasStackTraceContaining(String.valueOf(taken.getLocalPort()));
            kafka.close();
        }
    }

    private static List<String> readAll(String servers, String topic) {
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers), new StringDeserializer(), new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            List<String> values = new ArrayList<>();
            // Bounded by the record count, not by time: the record is there, it only takes polls to arrive.
            for (int polls = 0; values.isEmpty() && polls < 100; polls++) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
            return values;
        }
    }
}
