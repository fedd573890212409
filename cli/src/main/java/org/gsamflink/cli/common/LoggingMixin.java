package org.gsamflink.cli.common;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import picocli.CommandLine.Option;

import java.util.List;

/**
 * The {@code -v/--verbose} option every command has: debug logging, and stack traces of runtime errors. Without it,
 * commands that run Flink or Kafka inside this process keep those frameworks quiet: their INFO lines (client config
 * dumps, blob caches, delegation tokens) say nothing to a person watching a training run.
 */
public final class LoggingMixin {

    public static final String OPTION = "--verbose";

    /** Flink, the Kafka clients and the embedded Kafka broker. */
    private static final List<String> FRAMEWORKS = List.of("org.apache.kafka", "kafka", "state.change.logger",
            "org.apache.flink");
    /**
     * Framework warnings that a local run always produces and that need no action: no delegation tokens, no log
     * file for the web UI, long operator names truncated in metric names, and checkpoints declined by tasks that
     * are finishing at the end of a bounded stream. Repeated checkpoint failures still end the job with its error.
     */
    private static final List<String> EXPECTED_WARNINGS = List.of(
            "org.apache.flink.runtime.security.token.DefaultDelegationTokenManager",
            "org.apache.flink.runtime.webmonitor.WebMonitorUtils",
            "org.apache.flink.runtime.metrics.util.MetricUtils",
            "org.apache.flink.runtime.checkpoint.CheckpointFailureManager");
    /** Our own per-event INFO lines (checkpoints, snapshots, restores), which a live progress line replaces. */
    private static final List<String> PER_EVENT = List.of("org.gsamflink.operators", "org.gsamflink.pipeline.job");

    private boolean verbose;

    @Option(names = {"-v", OPTION}, description = "Log everything (Flink and Kafka at INFO, gsam-flink at DEBUG) and "
            + "print the stack trace of runtime errors.")
    void setVerbose(boolean verbose) {
        this.verbose = verbose;
        if (verbose) {
            Configurator.setLevel("org.gsamflink", Level.DEBUG);
        }
    }

    public boolean verbose() {
        return verbose;
    }

    /**
     * Unless {@code -v} was given: the frameworks log at {@code frameworks} and above; with {@code progressShown},
     * our per-event lines too are only shown from WARN up.
     */
    public void quiet(Level frameworks, boolean progressShown) {
        if (verbose) {
            return;
        }
        FRAMEWORKS.forEach(logger -> Configurator.setLevel(logger, frameworks));
        if (frameworks.isLessSpecificThan(Level.ERROR)) {
            EXPECTED_WARNINGS.forEach(logger -> Configurator.setLevel(logger, Level.ERROR));
        }
        if (progressShown) {
            PER_EVENT.forEach(logger -> Configurator.setLevel(logger, Level.WARN));
        }
    }
}
