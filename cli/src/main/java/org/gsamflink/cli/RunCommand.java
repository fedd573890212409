package org.gsamflink.cli;

import org.gsamflink.cli.common.LoggingMixin;
import org.gsamflink.cli.common.ExitCodes;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.gsamflink.cli.stream.JobProgress;
import org.apache.logging.log4j.Level;
import org.gsamflink.pipeline.job.ClusterMain;
import org.gsamflink.pipeline.InvalidInputException;
import org.gsamflink.pipeline.job.JobConfig;
import org.gsamflink.pipeline.job.JobOptions;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code gsam-flink run}: the Kafka training job, on a local MiniCluster or submitted to a remote cluster. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        versionProvider = GsamFlinkCli.Version.class,
        header = "Run the Kafka training job: locally (embedded Flink) or on a remote Flink cluster.",
        description = {
                "Reads training records from Kafka, validates them (bad ones go to the dead-letter topic), trains one "
                        + "GSAM model per model id, and writes metrics and snapshot notices to Kafka.",
                "The configuration is one YAML file plus -D key=value overrides; every key is checked before the "
                        + "job starts. See the README's Configuration section for all keys."})
public final class RunCommand implements Callable<Integer> {

    private static final Logger LOG = LogManager.getLogger(RunCommand.class);

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    LoggingMixin logging;

    @Option(names = "--config", paramLabel = "FILE", description = "The job's YAML configuration file.")
    Path config;

    @Option(names = {"-D", "--set"}, paramLabel = "KEY=VALUE",
            description = "Override one configuration key (repeatable), e.g. -D gsam.alpha=0.2.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--remote", paramLabel = "HOST:PORT",
            description = "Submit to the Flink cluster whose REST endpoint is HOST:PORT instead of running locally.")
    String remote;

    @Option(names = "--jar", paramLabel = "JAR",
            description = "The job jar to ship with --remote (default: pipeline/target/gsam-flink-job.jar).")
    Path jar;

    @Option(names = "--check", description = "Validate the configuration and print the job graph; do not run.")
    boolean check;

    @Override
    public Integer call() throws Exception {
        logging.quiet(Level.WARN, true);
        JobConfig cfg = ClusterMain.load(config, overrides);
        StreamExecutionEnvironment env = environment(cfg);
        ClusterMain.build(env, cfg);
        if (check) {
            spec.commandLine().getOut().println(env.getExecutionPlan());
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
        ClusterMain.preflight(cfg);
        LOG.info("Starting '{}' {}", cfg.get(JobOptions.JOB_NAME), remote == null ? "locally" : "on " + remote);
        try (JobProgress progress = JobProgress.builder().bootstrapServers(cfg.get(JobOptions.BOOTSTRAP_SERVERS))
                .clientProperties(cfg.kafkaProperties()).metricsTopic(cfg.get(JobOptions.METRICS_TOPIC))
                .deadLetterTopic(cfg.get(JobOptions.DEAD_LETTER_TOPIC))
                .output(spec.commandLine().getOut(), System.console() != null).build()) {
            JobExecutionResult result = progress.follow(env.executeAsync(cfg.get(JobOptions.JOB_NAME)));
            LOG.info("'{}' finished in {} s: {} steps, {} examples, {} dead letters committed",
                    cfg.get(JobOptions.JOB_NAME), result.getNetRuntime() / 1000, progress.history().steps(),
                    progress.history().examples(), progress.deadLetters());
        }
        return ExitCodes.OK;
    }

    private StreamExecutionEnvironment environment(JobConfig cfg) {
        if (remote == null) {
            return StreamExecutionEnvironment.getExecutionEnvironment(cfg.flinkConfiguration());
        }
        int colon = remote.lastIndexOf(':');
        if (colon <= 0) {
            throw new InvalidInputException("--remote must be HOST:PORT, got '" + remote + "'");
        }
        int port;
        try {
            port = Integer.parseInt(remote.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new InvalidInputException("--remote must be HOST:PORT, got '" + remote + "'");
        }
        Path job = jar != null ? jar : Path.of("pipeline", "target", "gsam-flink-job.jar");
        if (!Files.isRegularFile(job)) {
            throw new InvalidInputException("--jar " + job + ": no such file (build it with ./mvnw -pl pipeline -am package)");
        }
        return StreamExecutionEnvironment.createRemoteEnvironment(remote.substring(0, colon), port,
                cfg.flinkConfiguration(), job.toString());
    }
}
