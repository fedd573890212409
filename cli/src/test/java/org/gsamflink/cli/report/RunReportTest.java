package org.gsamflink.cli.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.gsamflink.cli.demo.GeneratedImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class RunReportTest {

    @TempDir
    Path dir;

    private RunReport report() {
        return RunReport.builder().modelId("fashion").dataSource("generated images")
                .heldOut(GeneratedImages.generate(50, 2)).store(dir.resolve("store"))
                .metrics(dir.resolve("metrics.jsonl")).chart(dir.resolve("training.png"))
                .summary(dir.resolve("summary.json")).chartTitle("test").build();
    }

    private static MetricPoint point(long step, double loss, double gap, double accuracy, long ts) {
        return new MetricPoint("fashion", step, 5, 640, loss, loss + gap, gap, accuracy, accuracy + step / 1000.0,
                step / 100.0, 0.04, 0.01, 1000, 0, ts);
    }

    @Test
    void summaryJsonHasEveryFieldOfTheResult() throws Exception {
        MetricsHistory h = new MetricsHistory();
        for (int i = 1; i <= 10; i++) {
            h.add(point(5L * i, 1.0 / i, 0.01 * i, 0.5, 1000L * i));
        }
        RunReport.Result r = report().write(StopReason.MAX_STEPS, h, System.currentTimeMillis() - 2000, 3,
                dir.resolve("savepoints/sp-1"));

        JsonNode s = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
        List<String> names = new ArrayList<>();
        s.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactly("stop_reason", "data", "model", "steps", "examples", "seconds",
                "examples_per_second", "prequential_accuracy", "prequential_accuracy_last_10pct", "fading_accuracy",
                "kappa", "loss_last_10pct",
                "surrogate_gap_last_10pct", "held_out_accuracy", "held_out_examples", "latest_version",
                "store_versions", "dead_letters", "store", "metrics", "chart", "savepoint");
        assertThat(s.get("stop_reason").asText()).isEqualTo("max_steps");
        assertThat(s.get("data").asText()).isEqualTo("generated images");
        assertThat(s.get("model").asText()).isEqualTo("fashion");
        assertThat(s.get("steps").asLong()).isEqualTo(50);
        assertThat(s.get("examples").asLong()).isEqualTo(6400);
        assertThat(s.get("seconds").asDouble()).isGreaterThanOrEqualTo(2.0);
        assertThat(s.get("prequential_accuracy").asDouble()).isEqualTo(0.5);
        // Fading accuracy and kappa are the newest record's (step 50), not means.
        assertThat(s.get("fading_accuracy").asDouble()).isCloseTo(0.55, within(1e-12));
        assertThat(s.get("kappa").asDouble()).isEqualTo(0.5);
        // The last 10 % of 6400 examples is the newest record.
        assertThat(s.get("loss_last_10pct").asDouble()).isCloseTo(0.1, within(1e-12));
        assertThat(s.get("surrogate_gap_last_10pct").asDouble()).isCloseTo(0.1, within(1e-12));
        assertThat(s.get("examples_per_second").asDouble()).isCloseTo(5760 / 9.0, within(1e-9));
        assertThat(s.get("latest_version").asLong()).isEqualTo(-1);
        assertThat(s.get("held_out_examples").asLong()).isZero();
        assertThat(s.get("store_versions").toString()).isEqualTo("[]");
        assertThat(s.get("dead_letters").asLong()).isEqualTo(3);
        assertThat(s.get("store").asText()).isEqualTo(dir.resolve("store").toString());
        assertThat(s.get("metrics").asText()).isEqualTo(dir.resolve("metrics.jsonl").toString());
        assertThat(s.get("chart").asText()).isEqualTo(dir.resolve("training.png").toString());
        assertThat(s.get("savepoint").asText()).isEqualTo(dir.resolve("savepoints/sp-1").toString());

        assertThat(Double.isNaN(r.heldOutAccuracy())).isTrue();
        assertThat(r.rho()).isEqualTo(0.04);
        assertThat(r.lr()).isEqualTo(0.01);
        assertThat(Files.size(dir.resolve("training.png"))).isPositive();
    }

    @Test
    void withoutMetricsThereIsNoChart() throws Exception {
        RunReport.Result r = report().write(StopReason.JOB_ENDED, new MetricsHistory(), System.currentTimeMillis(),
                0, null);
        JsonNode s = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
        assertThat(s.get("stop_reason").asText()).isEqualTo("job_ended");
        assertThat(s.get("chart").isNull()).isTrue();
        assertThat(s.get("savepoint").isNull()).isTrue();
        assertThat(r.chart()).isNull();
        assertThat(dir.resolve("training.png")).doesNotExist();
    }

    @Test
    void everyFieldIsRequired() {
        assertThatThrownBy(() -> RunReport.builder().modelId("m").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("RunReport needs dataSource, heldOut, store, metrics, chart, summary, chartTitle");
    }
}
