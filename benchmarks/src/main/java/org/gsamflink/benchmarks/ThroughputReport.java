package org.gsamflink.benchmarks;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.gsamflink.benchmarks.OperatorThroughputMain.BARE;

/**
 * The Markdown report of {@link OperatorThroughputMain}: its lines (printed as they come and kept for
 * {@code --out}), the tables of the runs and of the single operations, and the number formats.
 */
final class ThroughputReport {

    private final StringBuilder report = new StringBuilder();

    /** The report so far. */
    StringBuilder text() {
        return report;
    }

    /** The table of the variants' runs, one row each, the bare loop's first. */
    void table(ThroughputRounds.Results res) {
        boolean blocks = res.paired();
        line("| variant | examples/s | ms/step | ratio to bare loop"
                + (blocks ? " (median of per-round paired ratios) | median block ratio" : " (ratio of medians)"
                        + " | paired ratio (median of rounds)")
                + " | best round ratio | median-step ratio | Gsam.step alone ms | rest of a step ms | own CPU cores"
                + " | other processes' CPU cores | examples/s per round |");
        line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        for (Map.Entry<String, List<ThroughputRun>> e : res.runs().entrySet()) {
            List<ThroughputRun> rs = e.getValue();
            List<ThroughputRun> refRuns = res.refs().get(e.getKey());
            double eps = ThroughputRun.medianExamplesPerSecond(rs);
            double[] paired = ThroughputRounds.Results.pairedRatios(rs, refRuns);
            double[] blockRatios = new double[paired.length];
            for (int i = 0; i < paired.length; i++) {
                blockRatios[i] = rs.get(i) == refRuns.get(i) ? 1.0 : rs.get(i).medianBlockRatio(refRuns.get(i));
            }
            double second = blocks ? new Samples(blockRatios).median() : new Samples(paired).median();
            double best = ThroughputRun.bestExamplesPerSecond(rs) / ThroughputRun.bestExamplesPerSecond(refRuns);
            double gap = median(rs, ThroughputRun::examplesPerSecondFromMedianGap)
                    / median(refRuns, ThroughputRun::examplesPerSecondFromMedianGap);
            String perRound = rs.stream().map(r -> String.format(Locale.ROOT, "%.0f", r.examplesPerSecond()))
                    .reduce((x, y) -> x + ", " + y).orElse("");
            double ratio = e.getKey().equals(BARE) ? 1.0 : res.ratio(e.getKey());
            line("| " + e.getKey() + " | " + f1(eps) + " | " + f3(median(rs, ThroughputRun::msPerStep)) + " | "
                    + f3(ratio) + " | " + f3(second) + " | " + f3(best) + " | " + f3(gap) + " | "
                    + f3(median(rs, ThroughputRun::medianStepOnlyMs)) + " | "
                    + f3(median(rs, ThroughputRun::medianOutsideStepMs)) + " | "
                    + f2(median(rs, ThroughputRun::ownCores)) + " | "
                    + f2(median(rs, ThroughputRun::foreignCores)) + " | " + perRound + " |");
        }
    }

    static double median(List<ThroughputRun> runs, java.util.function.ToDoubleFunction<ThroughputRun> f) {
        double[] v = runs.stream().mapToDouble(f).filter(Double::isFinite).toArray();
        return v.length == 0 ? Double.NaN : new Samples(v).median();
    }

    /** The table of {@link SingleOpCosts#measure}, each row also as a share of the reference step. */
    void singleOperations(Map<String, Samples> results) {
        double step = results.get(SingleOpCosts.STEP).median();
        line("### Single operations per step (median of 200, checkpoint rows of 50; ms; % of a bare Gsam.step)");
        line("");
        line("| operation | median ms | IQR ms | % of step |");
        line("|---|---:|---:|---:|");
        results.forEach((name, s) -> line("| " + name + " | " + f3(s.median()) + " | " + f3(s.p25()) + "–"
                + f3(s.p75()) + " | " + String.format(Locale.ROOT, "%.1f%%", 100 * s.median() / step) + " |"));
        line("");
    }

    void line(String s) {
        System.out.println(s);
        report.append(s).append('\n');
    }

    static void log(String s) {
        System.out.println(s);
        System.out.flush();
    }

    static String f1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String f2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static String f3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
