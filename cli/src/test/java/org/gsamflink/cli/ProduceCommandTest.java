package org.gsamflink.cli;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.gsamflink.cli.data.LabeledData;
import org.gsamflink.cli.stream.DatasetProducer;
import org.gsamflink.cli.stream.EmbeddedKafkaBroker;
import org.gsamflink.operators.TrainingRecord;
import org.gsamflink.pipeline.format.RecordFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code produce}: where the data comes from (--file or --generator, exactly one) and what reaches the topic. */
class ProduceCommandTest {

    private static final String[] TARGET = {"--topic", "t", "--bootstrap-servers", "127.0.0.1:1"};

    private static Cli.Run produce(String... args) {
        List<String> all = new ArrayList<>(List.of("produce"));
        all.addAll(List.of(TARGET));
        all.addAll(List.of(args));
        return Cli.run(all.toArray(String[]::new));
    }

    private static void assertRefused(String message, String... args) {
        Cli.Run run = produce(args);
        assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
        assertThat(run.err()).contains(message);
    }

    private static LabeledData data(String... args) {
        ProduceCommand command = new ProduceCommand();
        List<String> all = new ArrayList<>(List.of(TARGET));
        all.addAll(List.of(args));
        new CommandLine(command).parseArgs(all.toArray(String[]::new));
        return command.data();
    }

    @Test
    void exactlyOneOfFileAndGenerator() {
        assertRefused("gsam-flink produce: no data: give --file PATH or --generator sea|hyperplane");
        assertRefused("--file and --generator exclude each other: give one of them", "--file", "x.csv",
                "--generator", "sea");
    }

    @Test
    void optionsOfTheOtherSourceAreRefused() {
        assertRefused("--noise applies only to --generator, not --file", "--file", "x.csv", "--noise", "3");
        assertRefused("--limit applies only to --file; a generator takes --examples", "--generator", "sea",
                "--limit", "5");
        assertRefused("--split applies only to --file", "--generator", "hyperplane", "--split", "test");
        assertRefused("--features applies only to --generator hyperplane", "--generator", "sea", "--features", "5");
        assertRefused("--drift-positions applies only to --generator sea", "--generator", "hyperplane",
                "--drift-positions", "5");
    }

    @Test
    void badGeneratorValuesNameTheirOption() {
        assertRefused("expected one of sea, hyperplane but was 'agrawal'", "--generator", "agrawal");
        assertRefused("--examples must be >= 1, got 0", "--generator", "sea", "--examples", "0");
        assertRefused("--generator sea: 2 concepts need 1 --drift-positions, got 2", "--generator", "sea",
                "--concepts", "1,2", "--drift-positions", "5,6");
        assertRefused("--generator sea: drift position 200 is beyond the 100 examples", "--generator", "sea",
                "--examples", "100", "--concepts", "3,1", "--drift-positions", "200");
        assertRefused("--generator sea: drift positions must increase, got 40 after 50", "--generator", "sea",
                "--examples", "100", "--concepts", "1,2,3", "--drift-positions", "50,40");
        assertRefused("--generator sea: SEA function must be 1..4, got 5", "--generator", "sea", "--concepts", "1,5");
        assertRefused("one concept has no drifts", "--generator", "sea", "--concepts", "2", "--drift-width", "10");
        assertRefused("--generator hyperplane: noise percentage must be a percentage in [0, 100], got 101",
                "--generator", "hyperplane", "--noise", "101");
        assertRefused("--generator hyperplane: drift features (3) must not exceed features (2)", "--generator",
                "hyperplane", "--features", "2", "--drift-features", "3");
        assertRefused("more than half the heap", "--generator", "hyperplane", "--features", "1000000",
                "--examples", "100000000");
    }

    @Test
    void aGeneratorGivesItsStreamDeterministically() {
        LabeledData sea = data("--generator", "sea", "--examples", "1000");
        assertThat(sea.size()).isEqualTo(1000);
        assertThat(sea.numFeatures()).isEqualTo(3);
        assertThat(sea.numClasses()).isEqualTo(2);
        assertThat(sea.source()).isEqualTo("SEA (1000 examples, functions 1,2,3,4, drifts at 250,500,750 width 1, "
                + "noise 10 %, seed 1)");
        LabeledData again = data("--generator", "SEA", "--examples", "1000");
        LabeledData other = data("--generator", "sea", "--examples", "1000", "--seed", "2");
        boolean differs = false;
        for (int i = 0; i < 1000; i++) {
            assertThat(again.feature(i, 1)).isEqualTo(sea.feature(i, 1));
            assertThat(again.label(i)).isEqualTo(sea.label(i));
            differs |= other.feature(i, 1) != sea.feature(i, 1);
        }
        assertThat(differs).isTrue();

        LabeledData plane = data("--generator", "hyperplane", "--examples", "50", "--features", "4",
                "--drift-features", "1", "--mag-change", "0.01", "--sigma", "20", "--noise", "0", "--seed", "3");
        assertThat(plane.numFeatures()).isEqualTo(4);
        assertThat(plane.source()).isEqualTo("rotating hyperplane (50 examples, 4 features, 1 drifting by 0.01, "
                + "sigma 20 %, noise 0 %, seed 3)");
        assertThat(data("--generator", "hyperplane", "--examples", "10").source())
                .contains("10 features, 2 drifting by 0.001, sigma 10 %, noise 5 %, seed 1");
    }

    @Test
    void theFileStillWorksAndTakesItsLimit(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("d.csv");
        Files.writeString(csv, "0.5,1.5,1\n2,3,0\n4,5,1\n");
        LabeledData d = data("--file", csv.toString(), "--limit", "2");
        assertThat(d.size()).isEqualTo(2);
        assertThat(d.feature(1, 1)).isEqualTo(3f);
    }

    /** The generated examples reach the topic as a file's would: one csv record per example, in order. */
    @Test
    void generatedExamplesReachTheTopicInTheRecordFormat(@TempDir Path dir) throws Exception {
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.builder().dataDir(dir).build().start()) {
            kafka.createTopics(List.of("gen"), 1);
            String[] args = {"produce", "--topic", "gen", "--bootstrap-servers", kafka.bootstrapServers(),
                    "--generator", "hyperplane", "--examples", "300", "--features", "5", "--format", "csv"};
            Cli.Run run = Cli.run(args);
            assertThat(run.exitCode()).as(run.err()).isZero();

            LabeledData expected = data("--generator", "hyperplane", "--examples", "300", "--features", "5");
            RecordFormat csv = RecordFormat.create("csv", "default", DatasetProducer.limitsFor(expected), ',', -1);
            List<TrainingRecord> got = new ArrayList<>();
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.GROUP_ID_CONFIG, "check"),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                consumer.subscribe(List.of("gen"));
                long deadline = System.currentTimeMillis() + 30_000;
                while (got.size() < 300 && System.currentTimeMillis() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                        got.add(csv.decode(r.value()));
                    }
                }
            }
            assertThat(got).hasSize(300);
            for (int i = 0; i < 300; i++) {
                assertThat(got.get(i).labels).containsExactly(expected.label(i));
                for (int f = 0; f < 5; f++) {
                    assertThat(got.get(i).features[f]).isEqualTo(expected.feature(i, f));
                }
            }
        }
    }
}
