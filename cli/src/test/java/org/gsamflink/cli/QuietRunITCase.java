package org.gsamflink.cli;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.gsamflink.cli.stream.EmbeddedKafkaBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code gsam-flink run} as a person sees it: a real child JVM training on a bounded stream from a real broker.
 * Without {@code -v} the frameworks' INFO chatter stays out and a progress line reports steps and dead letters;
 * with {@code -v} everything is there (which also shows this test would notice the chatter coming back).
 */
class QuietRunITCase {

    private static final int EXAMPLES = 1_024;
    private static final int BAD_RECORDS = 3;
    /** The bound: about 30 lines besides the progress line. */
    private static final int MAX_QUIET_LINES = 30;

    @TempDir
    static Path dir;
    private static EmbeddedKafkaBroker kafka;

    @BeforeAll
    static void streamWithSomeBadRecords() throws Exception {
        kafka = EmbeddedKafkaBroker.builder().dataDir(dir.resolve("broker")).build().start();
        kafka.createTopics(List.of("train", "metrics", "dead-letters"), 1);
        ChildRun.produce(kafka, "train", EXAMPLES);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < BAD_RECORDS; i++) {
                p.send(new ProducerRecord<>("train", "not a record".getBytes(StandardCharsets.UTF_8))).get();
            }
        }
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    private static ChildRun.Output gsamFlinkRun(String name, String... extra) throws Exception {
        Path work = dir.resolve(name);
        Path config = ChildRun.config(work, kafka.bootstrapServers(), name, "metrics",
                "job.checkpoint-interval: 1 s\n");
        String[] args = new String[extra.length + 3];
        args[0] = "run";
        args[1] = "--config";
        args[2] = config.toString();
        System.arraycopy(extra, 0, args, 3, extra.length);
        return ChildRun.run(work, args);
    }

    @Test
    void aBoundedRunPrintsItsProgressAndLittleElse() throws Exception {
        ChildRun.Output quiet = gsamFlinkRun("quiet");

        // What a person sees, for the build log.
        System.out.println("gsam-flink run (no -v), " + quiet.besidesProgress().size()
                + " lines besides progress:\n" + quiet.text());
        assertThat(quiet.exitCode()).as(quiet.text()).isZero();
        assertThat(quiet.besidesProgress()).as(quiet.text()).hasSizeLessThanOrEqualTo(MAX_QUIET_LINES);
        List<String> progress = quiet.progress();
        assertThat(progress).as(quiet.text()).isNotEmpty();
        assertThat(progress.get(progress.size() - 1)).contains("steps " + EXAMPLES / ChildRun.BATCH, "examples/s",
                "prequential acc", "rho", "surrogate gap", "dead letters " + BAD_RECORDS);
        assertThat(quiet.text()).contains("finished").doesNotContain("INFO  org.apache", "ConsumerConfig values",
                "\tat ");

        ChildRun.Output verbose = gsamFlinkRun("verbose", "-v");

        assertThat(verbose.exitCode()).as(verbose.text()).isZero();
        assertThat(verbose.besidesProgress()).hasSizeGreaterThan(MAX_QUIET_LINES * 3);
    }
}
