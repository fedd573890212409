package org.gsamflink.cli.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainingChartTest {

    @TempDir
    Path dir;

    @Test
    void drawsTheChosenCurvesWithMarkersAndEventDots() throws Exception {
        Path png = dir.resolve("sub/chart.png");
        TrainingChart.builder().title("t").curves(TrainingChart.Curve.FADING_ACCURACY, TrainingChart.Curve.KAPPA)
                .run("a", points(0.8)).run("b", points(0.7)).events("b", List.of(12L, 40L))
                .marker(20, "drift 1").build().writePng(png);

        assertThat(Files.size(png)).isPositive();
    }

    @Test
    void eventsNeedTheirRunAndCurvesAtLeastOne() {
        assertThatThrownBy(() -> TrainingChart.builder().events("nobody", List.of(1L)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nobody");
        assertThatThrownBy(() -> TrainingChart.builder().curves())
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static List<MetricPoint> points(double level) {
        List<MetricPoint> p = new ArrayList<>();
        for (int step = 5; step <= 50; step += 5) {
            p.add(new MetricPoint("m", step, 5, 160, 0.5, 0.6, 0.1, level, level + step / 1000.0, level - 0.3,
                    0.05, 0.01, 1000, 0, step));
        }
        return p;
    }
}
