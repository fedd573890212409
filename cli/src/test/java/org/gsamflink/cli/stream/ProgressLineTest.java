package org.gsamflink.cli.stream;

import org.gsamflink.cli.report.MetricPoint;
import org.gsamflink.cli.report.MetricsHistory;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressLineTest {

    @Test
    void theLineShowsTheNewestFadingAccuracyAndKappa() {
        StringWriter text = new StringWriter();
        ProgressLine line = new ProgressLine(new PrintWriter(text), false);
        MetricsHistory h = new MetricsHistory();
        h.add(new MetricPoint("m", 5, 5, 320, 0.5, 0.6, 0.1, 0.75, 0.8125, 0.7, 0.05, 0.01, 1000, 0, 1));
        line.finish(h);
        assertThat(text.toString()).contains("| prequential acc 0.750 (last 320) | fading acc 0.813 | kappa 0.700 |");
    }

    @Test
    void beforeAnyRecordTheFiguresAreDashes() {
        StringWriter text = new StringWriter();
        new ProgressLine(new PrintWriter(text), false).finish(new MetricsHistory());
        assertThat(text.toString()).contains("| fading acc - | kappa - |");
    }
}
