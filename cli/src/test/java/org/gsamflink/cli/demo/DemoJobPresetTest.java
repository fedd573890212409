package org.gsamflink.cli.demo;

import org.gsamflink.cli.stream.RunFolder;
import org.gsamflink.pipeline.InvalidInputException;
import org.gsamflink.pipeline.job.JobConfig;
import org.gsamflink.pipeline.job.JobOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DemoJobPresetTest {

    @TempDir
    Path dir;

    /** The demo's job settings as they were before the demo was split into its parts, plus live serving. */
    private Map<String, String> expected(RunFolder f, long startMs, long plannedSteps) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("kafka.bootstrap.servers", "127.0.0.1:9092");
        c.put("source.topics", "gsam-demo-train");
        c.put("source.group-id", "gsam-demo");
        c.put("source.starting-offsets", "timestamp");
        c.put("source.starting-timestamp-ms", String.valueOf(startMs));
        c.put("format.type", "binary");
        c.put("format.default-model-id", "fashion");
        c.put("model.architecture", "mlp:784-256-10");
        c.put("model.ids", "fashion");
        c.put("model.updater", "nesterovs");
        c.put("model.learning-rate", "0.05");
        c.put("model.momentum", "0.9");
        c.put("model.label-smoothing", "0.1");
        c.put("gsam.alpha", "0.1");
        if (plannedSteps > 1) {
            c.put("gsam.lr-schedule", "cosine:max=0.05,min=0.005,T=" + plannedSteps + ",warmup=0");
            c.put("gsam.rho", "proportion:lrMax=0.05,lrMin=0.005,rhoMax=0.05,rhoMin=0.02");
        } else {
            c.put("gsam.rho", "constant:0.05");
        }
        c.put("training.batch-size", "128");
        c.put("training.batch-timeout", "1 s");
        c.put("training.metrics-every-steps", "5");
        c.put("training.snapshot-every-steps", "100");
        c.put("sink.metrics-topic", "gsam-demo-metrics");
        c.put("sink.snapshots-topic", "gsam-demo-snapshots");
        c.put("sink.dead-letter-topic", "gsam-demo-dead-letters");
        c.put("sink.transactional-id-prefix", "gsam-demo-" + startMs);
        c.put("model-store.root", f.store().toUri().toString());
        c.put("serve.enabled", "true");
        c.put("serve.topics", "gsam-demo-requests");
        c.put("serve.format", "json");
        c.put("serve.starting-offsets", "timestamp");
        c.put("serve.poll-interval", "500 ms");
        c.put("sink.predictions-topic", "gsam-demo-predictions");
        c.put("job.name", "gsam-flink demo");
        c.put("job.checkpoint-interval", "1 s");
        c.put("flink.execution.checkpointing.dir", f.checkpoints().toUri().toString());
        return c;
    }

    @Test
    void theSettingsAreTheDemosAndMakeAValidConfig() throws Exception {
        RunFolder folder = RunFolder.prepare(dir);
        DemoJobPreset preset = DemoJobPreset.builder().folder(folder).build();
        for (long planned : new long[] {469, 1, 0}) {
            assertThat(preset.settings("127.0.0.1:9092", 1234, planned))
                    .containsExactlyEntriesOf(expected(folder, 1234, planned));
        }
        JobConfig cfg = preset.config("127.0.0.1:9092", 1234, 469);
        assertThat(cfg.get(JobOptions.ARCHITECTURE)).isEqualTo("mlp:784-256-10");
        assertThat(cfg.get(JobOptions.ALPHA)).isEqualTo(0.1);
        assertThat(cfg.get(JobOptions.TOPICS)).containsExactly(DemoJobPreset.TRAIN_TOPIC);
        assertThat(cfg.get(JobOptions.METRICS_TOPIC)).isEqualTo(DemoJobPreset.TOPICS.metrics());
        assertThat(cfg.get(JobOptions.DEAD_LETTER_TOPIC)).isEqualTo(DemoJobPreset.TOPICS.deadLetters());
        assertThat(cfg.get(JobOptions.SNAPSHOTS_TOPIC)).isEqualTo(DemoJobPreset.TOPICS.snapshots());
        assertThat(cfg.get(JobOptions.STORE_ROOT)).isEqualTo(folder.store().toUri().toString());
        assertThat(cfg.get(JobOptions.SERVE_ENABLED)).isTrue();
        assertThat(cfg.get(JobOptions.PREDICTIONS_TOPIC)).isEqualTo(LiveServing.PREDICTIONS_TOPIC);
        assertThat(DemoJobPreset.builder().folder(folder).overrides(List.of("serve.enabled=false")).build()
                .config("127.0.0.1:9092", 1234, 469).get(JobOptions.SERVE_ENABLED)).isFalse();
    }

    @Test
    void formatModelBatchAndOverridesReachTheConfig() throws Exception {
        DemoJobPreset preset = DemoJobPreset.builder().folder(RunFolder.prepare(dir)).format("JSON").modelId("m1")
                .batchSize(32).overrides(List.of("gsam.alpha=0.3", "model.architecture=mlp:784-512-10")).build();
        JobConfig cfg = preset.config("127.0.0.1:9092", 1, 10);
        assertThat(cfg.get(JobOptions.DEFAULT_MODEL_ID)).isEqualTo("m1");
        assertThat(cfg.get(JobOptions.MODEL_IDS)).containsExactly("m1");
        assertThat(cfg.get(JobOptions.BATCH_SIZE)).isEqualTo(32);
        assertThat(cfg.get(JobOptions.ALPHA)).isEqualTo(0.3);
        assertThat(cfg.get(JobOptions.ARCHITECTURE)).isEqualTo("mlp:784-512-10");
        assertThat(preset.settings("s", 1, 10)).containsEntry("format.type", "json");
    }

    @Test
    void badOverridesAreInvalidInputNamingTheKey() throws Exception {
        RunFolder folder = RunFolder.prepare(dir);
        assertThatThrownBy(() -> DemoJobPreset.builder().folder(folder).overrides(List.of("gsam.alpha")).build()
                .config("s:1", 1, 10))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("override 'gsam.alpha' must look like key=value");
        assertThatThrownBy(() -> DemoJobPreset.builder().folder(folder).overrides(List.of("gsam.alpah=1")).build()
                .config("s:1", 1, 10))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("unknown configuration key 'gsam.alpah'");
    }

    @Test
    void theNetworkFollowsTheData() throws Exception {
        assertThat(DemoJobPreset.architectureFor(784, 10)).isEqualTo("mlp:784-256-10");
        assertThat(DemoJobPreset.architectureFor(3, 2)).isEqualTo("mlp:3-64-2");
        assertThat(DemoJobPreset.architectureFor(255, 5)).isEqualTo("mlp:255-64-5");
        assertThat(DemoJobPreset.architectureFor(256, 5)).isEqualTo("mlp:256-256-5");
        assertThat(DemoJobPreset.architectureFor(10, 1)).as("a softmax needs two outputs").isEqualTo("mlp:10-64-2");
        DemoJobPreset preset = DemoJobPreset.builder().folder(RunFolder.prepare(dir)).data(10, 2).build();
        assertThat(preset.settings("s", 1, 10)).containsEntry("model.architecture", "mlp:10-64-2");
        assertThatThrownBy(() -> DemoJobPreset.builder().data(0, 2)).hasMessageContaining("features and classes "
                + "must be >= 1, got 0 and 2");
    }

    @Test
    void builderRules() {
        assertThatThrownBy(() -> DemoJobPreset.builder().build()).hasMessageContaining("needs a folder");
        assertThatThrownBy(() -> DemoJobPreset.builder().format("xml"))
                .hasMessageContaining("format must be one of binary, json, csv; got 'xml'");
        assertThatThrownBy(() -> DemoJobPreset.builder().batchSize(0)).hasMessageContaining("batch size must be 1..4096");
    }
}
