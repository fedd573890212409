package org.gsamflink.benchmarks;

import org.gsamflink.cli.demo.DemoJobPreset;
import org.gsamflink.cli.stream.RunFolder;
import org.gsamflink.pipeline.job.JobConfig;
import org.gsamflink.pipeline.job.JobOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ExperimentJobTest {

    @TempDir
    Path dir;

    /**
     * Before the demo was split, each experiment run was a streaming demo with these overrides on the demo's job;
     * the experiment's own job must be exactly that configuration.
     */
    @Test
    void isTheDemosJobWithTheOverridesTheExperimentUsedToGive() throws Exception {
        RunFolder folder = RunFolder.prepare(dir);
        long steps = 938;
        for (ExperimentMain.Variant v : List.of(ExperimentMain.Variant.sgd(), ExperimentMain.Variant.sam(0.05),
                ExperimentMain.Variant.asam(0.5), ExperimentMain.Variant.gsam(0.05, 0.1))) {
            List<String> overrides = new ArrayList<>(List.of("model.architecture=mlp:784-256-10",
                    "model.updater=nesterovs", "model.learning-rate=0.05", "model.momentum=0.9",
                    "model.label-smoothing=0.1", "model.seed=2", "gsam.seed=2",
                    "gsam.lr-schedule=cosine:max=0.05,min=0.0005,T=" + steps + ",warmup=0",
                    "gsam.perturbation=none", "training.snapshot-every-steps=0"));
            v.keys().forEach((k, val) -> overrides.add(k + "=" + val));
            Map<String, String> before = new HashMap<>(DemoJobPreset.builder().folder(folder).build()
                    .settings("127.0.0.1:1", 77, 2 * 469));
            // The experiment measures training: the demo's live serving is not part of its job.
            before.keySet().removeIf(k -> k.startsWith("serve.") || k.equals("sink.predictions-topic"));
            for (String o : overrides) {
                before.put(o.substring(0, o.indexOf('=')), o.substring(o.indexOf('=') + 1));
            }

            ExperimentJob job = new ExperimentJob(folder, "mlp:784-256-10", "0.05", "0.0005", 128, 2, steps, v.keys());
            assertThat(job.settings("127.0.0.1:1", 77)).as(v.name()).containsExactlyInAnyOrderEntriesOf(before);
            JobConfig cfg = job.config("127.0.0.1:1", 77, 1);
            assertThat(cfg.get(JobOptions.TOPICS)).containsExactly(ExperimentJob.TOPICS.train());
            assertThat(cfg.get(JobOptions.METRICS_TOPIC)).isEqualTo(ExperimentJob.TOPICS.metrics());
            assertThat(cfg.get(JobOptions.DEAD_LETTER_TOPIC)).isEqualTo(ExperimentJob.TOPICS.deadLetters());
        }
    }
}
