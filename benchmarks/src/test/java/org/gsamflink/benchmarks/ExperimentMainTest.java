package org.gsamflink.benchmarks;

import org.gsamflink.cli.report.MetricPoint;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ExperimentMainTest {

    private static MetricPoint point(long step, double loss, double gap, double accuracy) {
        return new MetricPoint("m", step, 5, 640, loss, loss + gap, gap, accuracy, accuracy, 0.5, 0.05, 0.01, 1000, 0,
                step);
    }

    private static ExperimentMain.RunResult result(double heldOut) {
        return new ExperimentMain.RunResult(ExperimentMain.Variant.sgd(), 1, 10, 0.5, 0.5, heldOut, 0, 1, List.of(),
                new double[0]);
    }

    @Test
    void meanAndSampleStandardDeviation() {
        assertThat(ExperimentMain.pm(List.of(result(0.80), result(0.82), result(0.84)),
                ExperimentMain.RunResult::heldOut, 4)).isEqualTo("0.8200 ± 0.0200");
        assertThat(ExperimentMain.pm(List.of(result(0.8)), ExperimentMain.RunResult::heldOut, 2))
                .isEqualTo("0.80 ± 0.00");
    }

    @Test
    void smoothingAveragesTheTrailingWindowAndKeepsTheSteps() {
        List<MetricPoint> s = ExperimentMain.smooth(List.of(point(5, 1.0, 0.1, 0.5), point(10, 3.0, 0.3, 0.7),
                point(15, 5.0, 0.5, 0.9)), 2);
        assertThat(s).extracting(MetricPoint::step).containsExactly(5L, 10L, 15L);
        assertThat(s.get(0).loss()).isEqualTo(1.0);
        assertThat(s.get(1).loss()).isEqualTo(2.0);
        assertThat(s.get(2).loss()).isEqualTo(4.0);
        assertThat(s.get(2).surrogateGap()).isCloseTo(0.4, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(s.get(2).accuracy()).isCloseTo(0.8, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void theVariantsSelectTheOptimizerThroughJobKeysOnly() {
        assertThat(ExperimentMain.Variant.sgd().keys()).containsEntry("gsam.rho", "constant:0");
        assertThat(ExperimentMain.Variant.sam(0.05).keys()).containsAllEntriesOf(
                Map.of("gsam.rho", "constant:0.05", "gsam.alpha", "0"));
        assertThat(ExperimentMain.Variant.asam(0.5).keys()).containsEntry("gsam.perturbation", "asam")
                .containsEntry("gsam.alpha", "0");
        assertThat(ExperimentMain.Variant.gsam(0.05, 0.1).keys()).containsEntry("gsam.alpha", "0.1");
    }
}
