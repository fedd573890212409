package org.gsamflink.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.gsamflink.modelstore.ModelStore;
import org.gsamflink.modelstore.ModelVersion;
import org.gsamflink.cli.GsamFlinkCli;
import org.gsamflink.cli.data.generators.SeaGenerator;
import org.gsamflink.cli.report.MetricPoint;
import org.gsamflink.cli.demo.DemoJobPreset;
import org.gsamflink.cli.demo.StreamingDemo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code gsam-flink demo} end to end in a short bounded mode: the embedded KRaft broker, a local MiniCluster, the
 * producer and the Kafka job, driven through the command line exactly as a user runs it.
 */
class StreamingDemoITCase {

    private static final ObjectMapper JSON = new ObjectMapper();

    record Run(int exitCode, String out, String err) {}

    private static Run demo(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 1];
        all[0] = "demo";
        System.arraycopy(args, 0, all, 1, args.length);
        int rc = GsamFlinkCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(all);
        return new Run(rc, out.toString(), err.toString());
    }

    @Test
    void theDemoServesEachCommittedVersionWhileItTrains(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("demo");
        Run run = demo("--data-dir", data.toString(), "--max-steps", "260", "--no-web-ui");
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("live serving");

        JsonNode serving = JSON.readTree(data.resolve("summary.json").toFile()).get("serving");
        assertThat(serving.get("predictions").asLong()).isPositive().isLessThanOrEqualTo(
                serving.get("requests").asLong());
        java.util.Map<Long, JsonNode> byVersion = new java.util.TreeMap<>();
        serving.get("by_version").forEach(v -> byVersion.put(v.get("version").asLong(), v));
        // Requests start with the first commit (version 100); 200 commits while they flow.
        assertThat(byVersion).containsKeys(100L, 200L);
        assertThat(byVersion.keySet()).allSatisfy(v -> assertThat(v).isIn(100L, 200L, 260L));
        for (JsonNode v : byVersion.values()) {
            assertThat(v.get("predictions").asLong()).isPositive();
            assertThat(v.get("accuracy").asDouble()).as("live accuracy of version %s", v.get("version"))
                    .isGreaterThan(0.5);
        }
        assertThat(JSON.readTree(data.resolve("summary.json").toFile()).get("dead_letters").asLong()).isZero();
    }

    @Test
    void aBoundedDemoCommitsSnapshotsWritesMetricsAndAPlot(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("demo");
        Run run = demo("--data-dir", data.toString(), "--max-steps", "40", "--no-web-ui");
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("Summary (reached --max-steps)", "held-out accuracy", "training.png");

        JsonNode summary = JSON.readTree(data.resolve("summary.json").toFile());
        assertThat(summary.get("stop_reason").asText()).isEqualTo("max_steps");
        assertThat(summary.get("steps").asLong()).isEqualTo(40);
        assertThat(summary.get("examples").asLong()).isEqualTo(40 * 128);
        assertThat(summary.get("dead_letters").asLong()).isZero();
        boolean fashion = Files.isDirectory(StreamingDemo.DEFAULT_FASHION_MNIST);
        assertThat(summary.get("data").asText()).isEqualTo(fashion ? "Fashion-MNIST" : "generated images");
        // Ten classes: chance is 0.1; 40 steps of GSAM on either data set are far above it.
        assertThat(summary.get("held_out_accuracy").asDouble()).isGreaterThan(0.5);
        assertThat(summary.get("prequential_accuracy").asDouble()).isGreaterThan(0.3);
        // Faded toward the newest examples, which a learning model gets right more often than the early ones;
        // kappa then is (accuracy - chance) / (1 - chance) with about a tenth for chance.
        assertThat(summary.get("fading_accuracy").asDouble()).isGreaterThan(0.3);
        assertThat(summary.get("kappa").asDouble()).isGreaterThan(0.2).isLessThanOrEqualTo(1.0);
        assertThat(run.out()).contains("fading accuracy");

        // The model store holds the final snapshot (taken when the stop drained the job), committed and readable.
        ModelStore store = ModelStore.builder().root(data.resolve("store").toUri()).build();
        assertThat(store.latest("fashion")).hasValue(40);
        assertThat(store.isComplete("fashion", 40)).isTrue();
        ModelVersion v = store.read("fashion", 40);
        assertThat(v.modelBytes()).isNotEmpty();
        assertThat(v.metadata().version()).isEqualTo(40);

        // Metrics: every record has the documented fields; exactly-once means each window appears once, in order.
        List<String> lines = Files.readAllLines(data.resolve("metrics.jsonl"));
        assertThat(lines).isNotEmpty();
        long examples = 0;
        long previousStep = 0;
        for (String line : lines) {
            JsonNode o = JSON.readTree(line);
            for (String field : MetricPoint.FIELDS) {
                assertThat(o.has(field)).as(field + " in " + line).isTrue();
            }
            for (String field : MetricPoint.OPTIONAL_FIELDS) {
                assertThat(o.has(field)).as("this job writes " + field + " in " + line).isTrue();
            }
            MetricPoint p = MetricPoint.parse(line);
            assertThat(p.step()).isEqualTo(previousStep + p.steps());
            assertThat(p.surrogateGap()).isEqualTo(p.perturbedLoss() - p.loss(), org.assertj.core.data.Offset.offset(1e-6));
            previousStep = p.step();
            examples += p.examples();
        }
        assertThat(previousStep).isEqualTo(40);
        assertThat(examples).isEqualTo(40 * 128);

        // A real PNG with the chart's size.
        byte[] png = Files.readAllBytes(data.resolve("training.png"));
        assertThat(Arrays.copyOf(png, 8)).containsExactly(0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n');
        BufferedImage image = ImageIO.read(data.resolve("training.png").toFile());
        assertThat(image.getWidth()).isEqualTo(1000);
        assertThat(image.getHeight()).isEqualTo(900);
    }

    /**
     * {@code --data FILE.csv}: a SEA stream of three features written as CSV with a header; the demo holds out its
     * last fifth, sizes the MLP to 3-64-2 and serves the held-out rows as three-feature JSON requests.
     */
    @Test
    void aCsvFileIsStreamedHeldOutAndServedAtItsOwnWidth(@TempDir Path dir) throws Exception {
        SeaGenerator sea = SeaGenerator.builder().noisePercentage(0).seed(3).build();
        StringBuilder csv = new StringBuilder("x1,x2,x3,class\n");
        double[] x = new double[3];
        for (int i = 0; i < 4000; i++) {
            int label = sea.next(x);
            csv.append(x[0]).append(',').append(x[1]).append(',').append(x[2]).append(',').append(label).append('\n');
        }
        Path file = Files.writeString(dir.resolve("sea.csv"), csv);
        Path data = dir.resolve("demo");
        // 300 examples/s: the run lasts about 6 s, so the versions committed at steps 20 and 40 answer requests
        // (unthrottled, the 60 steps end within a second of the first commit).
        Run run = demo("--data-dir", data.toString(), "--data", file.toString(), "--max-steps", "60",
                "--batch-size", "32", "--rate", "300", "--no-web-ui", "-D", "training.snapshot-every-steps=20");
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("Streaming sea.csv", "live serving", "most frequent class: 0.6");

        JsonNode summary = JSON.readTree(data.resolve("summary.json").toFile());
        assertThat(summary.get("data").asText()).isEqualTo("sea.csv");
        assertThat(summary.get("steps").asLong()).isEqualTo(60);
        assertThat(summary.get("held_out_examples").asLong()).isEqualTo(800);
        // Above always answering class 1 (0.68 of function 1's examples): the network learned the plane.
        assertThat(summary.get("held_out_accuracy").asDouble()).isGreaterThan(0.72);
        assertThat(summary.get("dead_letters").asLong()).isZero();
        JsonNode serving = summary.get("serving");
        assertThat(serving.get("predictions").asLong()).isPositive();
        assertThat(serving.get("by_version")).isNotEmpty();
    }

    @Test
    void generatedImagesAsJsonExamplesAreBatchedByTheJob(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("demo");
        Run run = demo("--data-dir", data.toString(), "--generated", "--format", "json", "--batch-size", "32",
                "--max-steps", "12", "--no-web-ui");
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        JsonNode summary = JSON.readTree(data.resolve("summary.json").toFile());
        assertThat(summary.get("data").asText()).isEqualTo("generated images");
        assertThat(summary.get("steps").asLong()).isEqualTo(12);
        assertThat(summary.get("examples").asLong()).isEqualTo(12 * 32);
        assertThat(summary.get("latest_version").asLong()).isEqualTo(12);
        assertThat(Files.size(data.resolve("training.png"))).isPositive();

        // A second run in the same folder starts afresh.
        Run again = demo("--data-dir", data.toString(), "--generated", "--max-steps", "5", "--batch-size", "16",
                "--no-web-ui");
        assertThat(again.exitCode()).as(again.out() + again.err()).isZero();
        assertThat(JSON.readTree(data.resolve("summary.json").toFile()).get("store_versions").toString())
                .isEqualTo("[5]");
    }

    @Test
    void anExistingKafkaIsUsedAndOnlyThisRunsRecordsAreRead(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            for (int run = 1; run <= 2; run++) {
                Path data = dir.resolve("demo");
                Run r = demo("--data-dir", data.toString(), "--bootstrap-servers", kafka.bootstrapServers(),
                        "--generated", "--max-steps", "10", "--batch-size", "32", "--no-web-ui");
                assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
                assertThat(r.out()).doesNotContain("Starting a Kafka broker");
                assertThat(data.resolve("kafka")).doesNotExist();
                JsonNode summary = JSON.readTree(data.resolve("summary.json").toFile());
                // The second run finds the first run's records in the topics and must not train on them.
                assertThat(summary.get("steps").asLong()).as("run " + run).isEqualTo(10);
                assertThat(summary.get("examples").asLong()).as("run " + run).isEqualTo(10 * 32);
            }
            try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                    java.util.Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                assertThat(admin.listTopics().names().get()).contains(DemoJobPreset.TRAIN_TOPIC,
                        DemoJobPreset.METRICS_TOPIC, DemoJobPreset.DEAD_LETTER_TOPIC, DemoJobPreset.SNAPSHOTS_TOPIC);
            }
        }
    }

    @Test
    void aFolderThatIsNotTheDemosIsRefused(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("precious.txt"), "keep me");
        Run run = demo("--data-dir", dir.toString(), "--max-steps", "5", "--no-web-ui");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("is not empty and was not made by the demo");
        assertThat(dir.resolve("precious.txt")).hasContent("keep me");
    }

    @Test
    void badBoundsFailBeforeAnythingStarts(@TempDir Path dir) {
        Run run = demo("--data-dir", dir.toString(), "--duration", "soon", "--no-web-ui");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--duration 'soon'");
        Run steps = demo("--data-dir", dir.toString(), "--max-steps", "-3", "--no-web-ui");
        assertThat(steps.exitCode()).isEqualTo(2);
        assertThat(steps.err()).contains("max steps must be >= 0");
        // A malformed job key fails before the broker or Flink start: no broker log appears.
        Run key = demo("--data-dir", dir.resolve("d").toString(), "-D", "gsam.alpha", "--generated", "--no-web-ui");
        assertThat(key.exitCode()).isEqualTo(2);
        assertThat(key.err()).contains("override 'gsam.alpha' must look like key=value");
        assertThat(dir.resolve("d").resolve("kafka")).doesNotExist();
    }
}
