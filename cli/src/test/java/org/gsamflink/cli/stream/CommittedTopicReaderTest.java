package org.gsamflink.cli.stream;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Against the real (embedded) broker: only what is committed after the reader was built is read. */
class CommittedTopicReaderTest {

    @TempDir
    static Path dir;
    private static EmbeddedKafkaBroker kafka;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafkaBroker.builder().dataDir(dir).build().start();
        EmbeddedKafkaBroker.createTopics(kafka.bootstrapServers(), List.of("t"), 2);
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    private static KafkaProducer<String, String> producer(String transactionalId) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId), new StringSerializer(),
                new StringSerializer());
    }

    private static void send(KafkaProducer<String, String> p, boolean commit, String... values) {
        p.beginTransaction();
        for (int i = 0; i < values.length; i++) {
            p.send(new ProducerRecord<>("t", i % 2, null, values[i]));
        }
        if (commit) {
            p.commitTransaction();
        } else {
            p.abortTransaction();
        }
    }

    @Test
    void readsOnlyWhatIsCommittedAfterItWasBuilt() throws Exception {
        try (KafkaProducer<String, String> p = producer("tx-test")) {
            p.initTransactions();
            send(p, true, "earlier-1", "earlier-2");
            List<String> seen = new ArrayList<>();
            try (CommittedTopicReader r = CommittedTopicReader.builder().bootstrapServers(kafka.bootstrapServers())
                    .topic("t").build()) {
                assertThat(r.topic()).isEqualTo("t");
                send(p, true, "a", "b", "c");
                send(p, false, "aborted-1", "aborted-2");
                send(p, true, "d");
                long n = r.readToEnd(v -> seen.add(new String(v, StandardCharsets.UTF_8)));
                assertThat(n).isEqualTo(4);
                assertThat(r.poll(Duration.ofMillis(100), v -> seen.add("more"))).isZero();
            }
            assertThat(seen).containsExactlyInAnyOrder("a", "b", "c", "d");
        }
    }

    @Test
    void builderRules() {
        assertThatThrownBy(() -> CommittedTopicReader.builder().topic("t").build())
                .hasMessageContaining("bootstrapServers is required");
        assertThatThrownBy(() -> CommittedTopicReader.builder().bootstrapServers("x:1").build())
                .hasMessageContaining("topic is required");
        assertThatThrownBy(() -> CommittedTopicReader.builder().topic(" "))
                .hasMessageContaining("topic must not be blank");
        assertThatThrownBy(() -> CommittedTopicReader.builder().bootstrapServers(""))
                .hasMessageContaining("bootstrapServers must not be blank");
    }
}
