package org.gsamflink.cli.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The metrics of one training run in arrival order, with the summaries the demo and the experiments report:
 * totals, prequential accuracy over the whole stream and over its last part, means over a tail, and the newest
 * fading accuracy and kappa.
 */
public final class MetricsHistory {

    private final List<MetricPoint> points = new ArrayList<>();
    private long examples;
    private double correct;
    private long lastStep;

    public synchronized void add(MetricPoint p) {
        points.add(p);
        examples += p.examples();
        correct += p.correct();
        lastStep = Math.max(lastStep, p.step());
    }

    public synchronized List<MetricPoint> points() {
        return Collections.unmodifiableList(new ArrayList<>(points));
    }

    public synchronized boolean isEmpty() {
        return points.isEmpty();
    }

    /** The step counter after the newest record (0 before any). */
    public synchronized long steps() {
        return lastStep;
    }

    public synchronized long examples() {
        return examples;
    }

    /** Prequential accuracy over every example trained so far (NaN before any). */
    public synchronized double accuracy() {
        return examples == 0 ? Double.NaN : correct / examples;
    }

    /** The newest records covering at least {@code fraction} of the examples (at least one record). */
    public synchronized List<MetricPoint> tail(double fraction) {
        if (points.isEmpty()) {
            return List.of();
        }
        long wanted = Math.max(1, (long) Math.ceil(examples * fraction));
        long covered = 0;
        int from = points.size();
        while (from > 0 && covered < wanted) {
            covered += points.get(--from).examples();
        }
        return List.copyOf(points.subList(from, points.size()));
    }

    /**
     * {@code field} of the newest record of taken steps, NaN before any: for the figures a record gives as they stand
     * at its end (fading accuracy, kappa), which a skipped step's record (no steps) does not carry.
     */
    public synchronized double latest(java.util.function.ToDoubleFunction<MetricPoint> field) {
        for (int i = points.size() - 1; i >= 0; i--) {
            if (points.get(i).steps() > 0) {
                return field.applyAsDouble(points.get(i));
            }
        }
        return Double.NaN;
    }

    /** The newest {@code n} records. */
    public synchronized List<MetricPoint> last(int n) {
        return List.copyOf(points.subList(Math.max(0, points.size() - n), points.size()));
    }

    /** Prequential accuracy over {@code records} (weighted by their examples). */
    public static double accuracy(List<MetricPoint> records) {
        long n = 0;
        double c = 0;
        for (MetricPoint p : records) {
            n += p.examples();
            c += p.correct();
        }
        return n == 0 ? Double.NaN : c / n;
    }

    /** Step-weighted mean of one field over {@code records}, skipping NaN values. */
    public static double mean(List<MetricPoint> records, java.util.function.ToDoubleFunction<MetricPoint> field) {
        double sum = 0;
        long weight = 0;
        for (MetricPoint p : records) {
            double v = field.applyAsDouble(p);
            if (!Double.isNaN(v)) {
                sum += v * p.steps();
                weight += p.steps();
            }
        }
        return weight == 0 ? Double.NaN : sum / weight;
    }

    /** Examples per second of wall-clock time between the first and the newest record (NaN with fewer than two). */
    public synchronized double wallClockThroughput() {
        if (points.size() < 2) {
            return Double.NaN;
        }
        MetricPoint first = points.get(0);
        MetricPoint last = points.get(points.size() - 1);
        long ms = last.timestampMs() - first.timestampMs();
        return ms <= 0 ? Double.NaN : (examples - first.examples()) * 1000.0 / ms;
    }
}
