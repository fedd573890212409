package org.gsamflink.cli;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.gsamflink.cli.data.LabeledData;
import org.gsamflink.cli.stream.DatasetProducer;
import org.gsamflink.cli.stream.EmbeddedKafkaBroker;
import org.gsamflink.pipeline.format.RecordFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

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
        Random random = new Random(7);
        float[] features = new float[EXAMPLES * 16];
        int[] labels = new int[EXAMPLES];
        for (int i = 0; i < EXAMPLES; i++) {
            labels[i] = random.nextInt(4);
            for (int f = 0; f < 16; f++) {
                features[i * 16 + f] = (f % 4 == labels[i] ? 1f : 0f) + 0.1f * (float) random.nextGaussian();
            }
        }
        LabeledData data = new LabeledData("test rows", features, labels, 16, 4, null);
        DatasetProducer.builder().bootstrapServers(kafka.bootstrapServers()).topic("train").data(data)
                .format(RecordFormat.create("json", "m", DatasetProducer.limitsFor(data), ',', -1))
                .modelId("m").batchSize(32).passes(1).logProgress(false).build().run();
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

    private record Run(int exitCode, List<String> lines) {
        List<String> besidesProgress() {
            return lines.stream().filter(l -> !l.startsWith("[")).toList();
        }

        String output() {
            return String.join("\n", lines);
        }
    }

    private static Run gsamFlinkRun(String name, String... extra) throws Exception {
        Path work = Files.createDirectories(dir.resolve(name));
        Path config = work.resolve("job.yaml");
        Files.writeString(config, """
                kafka.bootstrap.servers: %s
                source:
                  topics: [train]
                  bounded: true
                  starting-offsets: earliest
                  group-id: %s
                format.type: json
                model:
                  architecture: mlp:16-32-4
                training:
                  batch-size: 32
                  batch-timeout: 0 ms
                  metrics-every-steps: 1
                sink:
                  metrics-topic: metrics
                  dead-letter-topic: dead-letters
                  transactional-id-prefix: %s
                job:
                  name: quiet-%s
                  checkpoint-interval: 1 s
                """.formatted(kafka.bootstrapServers(), name, name, name));
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g", "-cp", classpath,
                "org.gsamflink.cli.GsamFlinkCli", "run", "--config", config.toString()));
        command.addAll(Arrays.asList(extra));
        Process p = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).as(output).isTrue();
        return new Run(p.exitValue(), output.lines().toList());
    }

    @Test
    void aBoundedRunPrintsItsProgressAndLittleElse() throws Exception {
        Run quiet = gsamFlinkRun("quiet");

        // What a person sees, for the build log.
        System.out.println("gsam-flink run (no -v), " + quiet.besidesProgress().size()
                + " lines besides progress:\n" + quiet.output());
        assertThat(quiet.exitCode()).as(quiet.output()).isZero();
        assertThat(quiet.besidesProgress()).as(quiet.output()).hasSizeLessThanOrEqualTo(MAX_QUIET_LINES);
        List<String> progress = quiet.lines().stream().filter(l -> l.startsWith("[")).toList();
        assertThat(progress).as(quiet.output()).isNotEmpty();
        assertThat(progress.get(progress.size() - 1)).contains("steps " + EXAMPLES / 32, "examples/s",
                "prequential acc", "rho", "surrogate gap", "dead letters " + BAD_RECORDS);
        assertThat(quiet.output()).contains("finished").doesNotContain("INFO  org.apache", "ConsumerConfig values",
                "\tat ");

        Run verbose = gsamFlinkRun("verbose", "-v");

        assertThat(verbose.exitCode()).as(verbose.output()).isZero();
        assertThat(verbose.besidesProgress()).hasSizeGreaterThan(MAX_QUIET_LINES * 3);
    }
}
