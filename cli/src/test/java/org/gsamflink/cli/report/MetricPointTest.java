package org.gsamflink.cli.report;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link MetricPoint#parse} of the job's metrics records, with and without the fading statistics. */
class MetricPointTest {

    /** A record as {@code KafkaCodecs.toJson} writes it (NaN as Jackson's string), without the fading fields. */
    private static final String BEFORE_ISSUE_16 = "{\"model\":\"m\",\"step\":10,\"steps\":5,\"examples\":320,"
            + "\"loss\":0.5,\"perturbed_loss\":0.6,\"surrogate_gap\":0.1,\"accuracy\":0.75,\"rho\":0.05,\"lr\":0.01,"
            + "\"grad_norm\":1.0,\"perturbed_grad_norm\":1.1,\"cosine\":0.9,\"examples_per_second\":1000.0,"
            + "\"skipped_steps\":0,\"skipped_reason\":null,\"timestamp_ms\":123}";

    @Test
    void theFadingAccuracyAndKappaAreRead() {
        MetricPoint p = MetricPoint.parse(BEFORE_ISSUE_16.replace("\"accuracy\":0.75,",
                "\"accuracy\":0.75,\"fading_accuracy\":0.8125,\"kappa\":\"NaN\","));
        assertThat(p.accuracy()).isEqualTo(0.75);
        assertThat(p.fadingAccuracy()).isEqualTo(0.8125);
        assertThat(p.kappa()).isNaN();
        assertThat(p.step()).isEqualTo(10);
    }

    @Test
    void aRecordOfAnOlderJobHasNoFadingFiguresButStillParses() {
        MetricPoint p = MetricPoint.parse(BEFORE_ISSUE_16);
        assertThat(p.fadingAccuracy()).isNaN();
        assertThat(p.kappa()).isNaN();
        assertThat(p.examples()).isEqualTo(320);
    }

    @Test
    void aRequiredFieldIsStillRequired() {
        assertThatThrownBy(() -> MetricPoint.parse(BEFORE_ISSUE_16.replace("\"accuracy\":0.75,", "")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("metrics record without 'accuracy'");
    }

    @Test
    void theNewestFadingFiguresAreThoseOfTheNewestRecordOfTakenSteps() {
        MetricsHistory h = new MetricsHistory();
        assertThat(h.latest(MetricPoint::fadingAccuracy)).isNaN();
        h.add(point(5, 5, 0.6, 0.2));
        h.add(point(10, 5, 0.7, Double.NaN));
        assertThat(h.latest(MetricPoint::fadingAccuracy)).isEqualTo(0.7);
        assertThat(h.latest(MetricPoint::kappa)).as("an undefined kappa is shown as such").isNaN();
        // A skipped step's record (no steps, NaN figures) does not hide the last real ones.
        h.add(point(10, 0, Double.NaN, Double.NaN));
        assertThat(h.latest(MetricPoint::fadingAccuracy)).isEqualTo(0.7);
    }

    static MetricPoint point(long step, int steps, double fading, double kappa) {
        return new MetricPoint("m", step, steps, steps * 64L, 0.5, 0.6, 0.1, 0.75, fading, kappa, 0.05, 0.01, 1000,
                0, step * 100);
    }
}
