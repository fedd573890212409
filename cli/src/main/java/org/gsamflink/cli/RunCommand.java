package org.gsamflink.cli;

import org.gsamflink.cli.common.LoggingMixin;
import org.gsamflink.cli.common.ExitCodes;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.gsamflink.cli.stream.JobProgress;
import org.gsamflink.cli.stream.RunStateDirectory;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.logging.log4j.Level;
import org.apache.flink.util.SerializedThrowable;
import org.gsamflink.operators.IncompatibleStateException;
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
public class RunCommand implements Callable<Integer> {

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

    @Option(names = "--resume", arity = "0..1", paramLabel = "PATH", fallbackValue = "",
            description = "Continue from the newest completed checkpoint or savepoint in job.state-dir, or from the "
                    + "checkpoint/savepoint directory PATH (required with --remote).")
    String resume;

    @Option(names = "--fresh", description = "Start from scratch: delete the checkpoints and savepoints an earlier "
            + "run left in job.state-dir.")
    boolean fresh;

    @Override
    public Integer call() throws Exception {
        logging.quiet(Level.WARN, true);
        List<String> all = new ArrayList<>(impliedOverrides());
        all.addAll(overrides);
        JobConfig cfg = ClusterMain.load(config, all);
        if (resume != null && fresh) {
            throw new InvalidInputException("--resume and --fresh exclude each other");
        }
        RunStateDirectory state = remote == null ? RunStateDirectory.of(cfg, Path.of("")) : null;
        RunStateDirectory.RestorePoint from = check ? null : restorePoint(state);
        StreamExecutionEnvironment env = environment(cfg, state, from);
        ClusterMain.build(env, cfg);
        if (check) {
            spec.commandLine().getOut().println(env.getExecutionPlan());
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
        ClusterMain.preflight(cfg);
        if (fresh && state != null) {
            state.clear();
            LOG.info("Deleted the earlier run's checkpoints and savepoints in {}", state.dir());
        }
        if (from != null) {
            LOG.info("Resuming from {}", from.describe());
        }
        LOG.info("Starting '{}' {}", cfg.get(JobOptions.JOB_NAME), remote == null ? "locally" : "on " + remote);
        try (JobProgress progress = JobProgress.builder().bootstrapServers(cfg.get(JobOptions.BOOTSTRAP_SERVERS))
                .clientProperties(cfg.kafkaProperties()).metricsTopic(cfg.get(JobOptions.METRICS_TOPIC))
                .deadLetterTopic(cfg.get(JobOptions.DEAD_LETTER_TOPIC))
                .output(spec.commandLine().getOut(), System.console() != null).build()) {
            JobExecutionResult result;
            try {
                result = progress.follow(env.executeAsync(cfg.get(JobOptions.JOB_NAME)));
            } catch (Exception e) {
                // A configuration that does not fit the restored state is the user's input, not a crash.
                throw incompatibleState(e).map(m -> (Exception) new InvalidInputException(m)).orElse(e);
            }
            LOG.info("'{}' finished in {} s: {} steps, {} examples, {} dead letters committed",
                    cfg.get(JobOptions.JOB_NAME), result.getNetRuntime() / 1000, progress.history().steps(),
                    progress.history().examples(), progress.deadLetters());
        }
        return ExitCodes.OK;
    }

    /** Keys this command sets before the user's (the serve command's job.mode). */
    List<String> impliedOverrides() {
        return List.of();
    }

    /** The message of an {@link IncompatibleStateException} in {@code e}'s causes (also when serialized). */
    static java.util.Optional<String> incompatibleState(Throwable e) {
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            Throwable original = t instanceof SerializedThrowable s
                    ? s.deserializeError(IncompatibleStateException.class.getClassLoader()) : t;
            if (original instanceof IncompatibleStateException) {
                return java.util.Optional.of(original.getMessage());
            }
        }
        return java.util.Optional.empty();
    }

    /** Where to resume from; null for a fresh start. Refuses to start over state an earlier local run left. */
    private RunStateDirectory.RestorePoint restorePoint(RunStateDirectory state) {
        if (state == null) {
            if (resume != null && resume.isEmpty()) {
                throw new InvalidInputException("--resume with --remote needs the PATH of a checkpoint or savepoint "
                        + "on the cluster's storage");
            }
            return null;   // a remote PATH is on the cluster's storage: the cluster checks it
        }
        if (resume != null && !resume.isEmpty()) {
            return RunStateDirectory.given(Path.of(resume));
        }
        var newest = state.newest();
        if (resume != null) {
            return newest.orElseThrow(() -> new InvalidInputException("--resume: no completed checkpoint or "
                    + "savepoint in " + state.dir() + " (" + JobOptions.STATE_DIR.key() + ")"));
        }
        if (newest.isPresent() && !fresh) {
            throw new InvalidInputException(state.dir() + " (" + JobOptions.STATE_DIR.key() + ") holds the state of "
                    + "an earlier run, newest: " + newest.get().describe() + ". Continue it with --resume, or "
                    + "start over with --fresh (deletes it).");
        }
        return null;
    }

    private StreamExecutionEnvironment environment(JobConfig cfg, RunStateDirectory state,
                                                   RunStateDirectory.RestorePoint from) {
        if (remote == null) {
            return StreamExecutionEnvironment.getExecutionEnvironment(state.apply(cfg.flinkConfiguration(), from));
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
        Configuration flink = cfg.flinkConfiguration();
        if (resume != null && !check) {
            flink.set(StateRecoveryOptions.SAVEPOINT_PATH, resume);
            LOG.info("Resuming from {}", resume);
        }
        return StreamExecutionEnvironment.createRemoteEnvironment(remote.substring(0, colon), port, flink,
                job.toString());
    }
}
