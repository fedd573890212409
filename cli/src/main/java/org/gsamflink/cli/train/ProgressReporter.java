package org.gsamflink.cli.train;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Shows training progress as a single line: epoch, step, examples/s, mean loss, running prequential accuracy, ρ
 * and mean surrogate gap of the epoch so far. On a terminal the line is redrawn in place (carriage return, at most
 * every {@value #REDRAW_MILLIS} ms); otherwise it is logged every {@code interval} (10 s by default). Each epoch
 * ends with a logged summary line, with held-out accuracy when there is test data.
 */
public final class ProgressReporter implements TrainerListener {

    private static final Logger LOG = LogManager.getLogger(ProgressReporter.class);

    /** Minimum time between two redraws of the terminal line. */
    public static final long REDRAW_MILLIS = 200;
    public static final long DEFAULT_LOG_INTERVAL_MILLIS = 10_000;

    private final PrintWriter terminal;
    private final long intervalNanos;
    private final LongSupplier clock;
    private long lastShown;
    private int lastWidth;

    /**
     * @param terminal        where to redraw the line in place, or {@code null} to log it periodically instead
     * @param logIntervalMillis time between two log lines when there is no terminal
     */
    public ProgressReporter(PrintWriter terminal, long logIntervalMillis) {
        this(terminal, logIntervalMillis, System::nanoTime);
    }

    ProgressReporter(PrintWriter terminal, long logIntervalMillis, LongSupplier clock) {
        if (logIntervalMillis < 0) {
            throw new IllegalArgumentException("logIntervalMillis must be >= 0, got " + logIntervalMillis);
        }
        this.terminal = terminal;
        this.intervalNanos = (terminal != null ? REDRAW_MILLIS : logIntervalMillis) * 1_000_000L;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void onStart(TrainingPlan plan) {
        lastShown = clock.getAsLong();
        LOG.info("training: {} examples, batch size {}, {} steps per epoch, {} epoch{} ({} steps){}",
                plan.trainExamples(), plan.batchSize(), plan.stepsPerEpoch(), plan.epochs(),
                plan.epochs() == 1 ? "" : "s", plan.totalSteps(),
                plan.testExamples() > 0 ? ", " + plan.testExamples() + " held-out examples" : "");
    }

    @Override
    public void onStep(StepEvent e) {
        long now = clock.getAsLong();
        boolean last = e.stepInEpoch() == e.stepsPerEpoch();
        if (now - lastShown < intervalNanos && !(terminal != null && last)) {
            return;
        }
        lastShown = now;
        String line = line(e);
        if (terminal != null) {
            int pad = Math.max(0, lastWidth - line.length());
            terminal.print("\r" + line + " ".repeat(pad));
            terminal.flush();
            lastWidth = line.length();
        } else {
            LOG.info(line);
        }
    }

    /** The progress line for {@code e}. */
    static String line(StepEvent e) {
        EpochStats s = e.epochSoFar();
        return String.format(Locale.ROOT, "epoch %d/%d  step %d/%d  %.0f ex/s  loss %.4f  acc %.4f  rho %.4g  gap %.3g%s",
                e.epoch(), e.epochs(), e.stepInEpoch(), e.stepsPerEpoch(), s.examplesPerSecond(), s.meanLoss(),
                s.accuracy(), e.result().rho(), s.meanGap(), s.skipped() > 0 ? "  skipped " + s.skipped() : "");
    }

    @Override
    public void onEpochEnd(EpochSummary summary) {
        if (terminal != null && lastWidth > 0) {
            terminal.println();
            terminal.flush();
            lastWidth = 0;
        }
        EpochStats s = summary.stats();
        LOG.info(String.format(Locale.ROOT, "epoch %d/%d done in %.1f s: %d steps (%.0f ex/s), mean loss %.4f, "
                        + "prequential accuracy %.4f, mean surrogate gap %.3g%s%s",
                summary.epoch(), summary.epochs(), s.elapsedSeconds(), s.steps(), s.examplesPerSecond(),
                s.meanLoss(), s.accuracy(), s.meanGap(), s.skipped() > 0 ? ", skipped " + s.skipped() + " steps" : "",
                summary.test().map(a -> ", test accuracy " + a).orElse("")));
    }
}
