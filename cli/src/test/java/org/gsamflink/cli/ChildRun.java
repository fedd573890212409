package org.gsamflink.cli;

import org.gsamflink.cli.data.LabeledData;
import org.gsamflink.cli.stream.DatasetProducer;
import org.gsamflink.cli.stream.EmbeddedKafkaBroker;
import org.gsamflink.pipeline.format.RecordFormat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code gsam-flink run} in a child JVM, the way a person starts it: its own working directory, a job YAML for a
 * small model (mlp:16-32-4) on a bounded JSON stream, stdout and stderr merged.
 */
final class ChildRun {

    static final int FEATURES = 16;
    static final int CLASSES = 4;
    static final int BATCH = 32;

    record Output(int exitCode, List<String> lines) {
        /** Lines other than the progress line's ({@code [   12 s] steps …}). */
        List<String> besidesProgress() {
            return lines.stream().filter(l -> !l.startsWith("[")).toList();
        }

        List<String> progress() {
            return lines.stream().filter(l -> l.startsWith("[")).toList();
        }

        String text() {
            return String.join("\n", lines);
        }
    }

    private ChildRun() {}

    /** {@code examples} learnable rows (class = the strongest of four feature groups) into {@code topic}. */
    static void produce(EmbeddedKafkaBroker kafka, String topic, int examples) {
        Random random = new Random(7);
        float[] features = new float[examples * FEATURES];
        int[] labels = new int[examples];
        for (int i = 0; i < examples; i++) {
            labels[i] = random.nextInt(CLASSES);
            for (int f = 0; f < FEATURES; f++) {
                features[i * FEATURES + f] = (f % CLASSES == labels[i] ? 1f : 0f) + 0.1f * (float) random.nextGaussian();
            }
        }
        LabeledData data = new LabeledData("test rows", features, labels, FEATURES, CLASSES, null);
        DatasetProducer.builder().bootstrapServers(kafka.bootstrapServers()).topic(topic).data(data)
                .format(RecordFormat.create("json", "m", DatasetProducer.limitsFor(data), ',', -1))
                .modelId("m").batchSize(BATCH).passes(1).logProgress(false).build().run();
    }

    /**
     * Writes {@code work/job.yaml}: a bounded run of {@code train} from the earliest offset, one metrics record per
     * step into {@code metrics}, named {@code name} (so group id and transactional ids are its own), plus
     * {@code extraYaml} (top-level keys).
     */
    static Path config(Path work, String servers, String name, String metrics, String extraYaml) throws IOException {
        Files.createDirectories(work);
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
                  architecture: mlp:%d-32-%d
                training:
                  batch-size: %d
                  batch-timeout: 0 ms
                  metrics-every-steps: 1
                sink:
                  metrics-topic: %s
                  dead-letter-topic: dead-letters
                job:
                  name: %s
                """.formatted(servers, name, FEATURES, CLASSES, BATCH, metrics, name) + extraYaml);
        return config;
    }

    /** Starts {@code gsam-flink <args>} with {@code work} as its working directory. */
    static Process start(Path work, String... args) throws IOException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g", "-cp", classpath,
                "org.gsamflink.cli.GsamFlinkCli"));
        command.addAll(Arrays.asList(args));
        return new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true).start();
    }

    /** Runs {@code gsam-flink <args>} to its end (at most 5 minutes). */
    static Output run(Path work, String... args) throws Exception {
        Process p = start(work, args);
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).as(output).isTrue();
        return new Output(p.exitValue(), output.lines().toList());
    }
}
