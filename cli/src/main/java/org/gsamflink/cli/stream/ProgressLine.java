package org.gsamflink.cli.stream;

import org.gsamflink.cli.report.MetricPoint;
import org.gsamflink.cli.report.MetricsHistory;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/**
 * A streaming run's live progress: one line redrawn in place on a terminal (carriage return), or a plain line every
 * few seconds when the output is a file or a pipe.
 */
final class ProgressLine {

    private static final long PLAIN_EVERY_MS = 5_000;

    private final PrintWriter out;
    private final boolean live;
    private final long startedMs = System.currentTimeMillis();
    private long lastPlainMs;
    private int lastLength;
    private long lastExamples;
    private long lastMs = startedMs;
    private double rate = Double.NaN;
    private long deadLetters = -1;

    ProgressLine(PrintWriter out, boolean live) {
        this.out = out;
        this.live = live;
    }

    /** The committed dead letters so far; the line shows them once this was called. */
    void deadLetters(long count) {
        deadLetters = count;
    }

    void update(MetricsHistory h) {
        long now = System.currentTimeMillis();
        if (now - lastMs >= 2_000 || Double.isNaN(rate)) {
            rate = (h.examples() - lastExamples) * 1000.0 / Math.max(1, now - lastMs);
            lastExamples = h.examples();
            lastMs = now;
        }
        String line = format(h, now);
        if (live) {
            out.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
            out.flush();
            lastLength = line.length();
        } else if (now - lastPlainMs >= PLAIN_EVERY_MS) {
            out.println(line);
            lastPlainMs = now;
        }
    }

    /** Ends the live line (the next output starts on a new line) and shows the final state. */
    void finish(MetricsHistory h) {
        String line = format(h, System.currentTimeMillis());
        if (live) {
            out.println("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
        } else {
            out.println(line);
        }
        lastLength = 0;
    }

    private String format(MetricsHistory h, long now) {
        List<MetricPoint> recent = h.last(10);
        MetricPoint last = recent.isEmpty() ? null : recent.get(recent.size() - 1);
        return String.format(Locale.ROOT,
                "[%5.0f s] steps %d | %d examples | %s examples/s | prequential acc %s (last %d) | fading acc %s"
                        + " | kappa %s | loss %s | rho %s | surrogate gap %s%s",
                (now - startedMs) / 1000.0, h.steps(), h.examples(), Double.isNaN(rate) ? "-" : String.valueOf(
                        Math.round(rate)), num(MetricsHistory.accuracy(recent), "%.3f"),
                recent.stream().mapToLong(MetricPoint::examples).sum(),
                num(h.latest(MetricPoint::fadingAccuracy), "%.3f"), num(h.latest(MetricPoint::kappa), "%.3f"),
                num(MetricsHistory.mean(recent, MetricPoint::loss), "%.3f"),
                last == null ? "-" : num(last.rho(), "%.3f"),
                num(MetricsHistory.mean(recent, MetricPoint::surrogateGap), "%.4f"),
                deadLetters < 0 ? "" : " | dead letters " + deadLetters);
    }

    private static String num(double v, String pattern) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, pattern, v);
    }
}
