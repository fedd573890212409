package org.gsamflink.cli.stream;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.gsamflink.cli.data.LabeledData;
import org.gsamflink.cli.report.MetricPoint;
import org.gsamflink.cli.report.MetricsHistory;
import org.gsamflink.cli.report.StopReason;
import org.gsamflink.modelstore.ModelIds;
import org.gsamflink.operators.ModelSpec;
import org.gsamflink.pipeline.InvalidInputException;
import org.gsamflink.pipeline.format.RecordFormat;
import org.gsamflink.pipeline.job.GsamJob;
import org.gsamflink.pipeline.job.JobConfig;
import org.gsamflink.pipeline.job.JobOptions;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * One streaming training run on this machine: a Kafka broker (embedded under the run's folder, unless one is
 * given), the run's topics, the Kafka training job ({@link GsamJob}) on a local Flink MiniCluster (with its web UI
 * if asked), a producer thread streaming a data set into the training topic, and a loop that follows the committed
 * metrics until a {@link StopReason} holds. Then a stop-with-savepoint with drain (partial batches train, final
 * snapshots are taken, every sink commits), the rest of the committed metrics and dead letters, and the clean-up
 * of the producer and the broker. The job it runs is whatever {@link JobConfigFactory} makes of the servers, the
 * start time and the planned steps.
 *
 * <pre>{@code
 * StreamingRun.Outcome o = StreamingRun.builder().folder(RunFolder.prepare(dir)).data("Fashion-MNIST", train)
 *         .topics(topics).jobConfig(preset::config).maxSteps(200).build().run();
 * }</pre>
 *
 * <p>Required: {@code folder}, {@code data}, {@code topics} and {@code jobConfig}. The committed metrics records
 * go to the folder's {@code metrics.jsonl} as they arrive; progress lines and notices to {@code output}.
 */
public final class StreamingRun {

    /** With the producer finished, stop when nothing new was committed for this long. */
    private static final long IDLE_STOP_MS = 30_000;
    /** Record formats the producer writes. */
    public static final List<String> FORMATS = List.of("binary", "json", "csv");

    /** Makes the job's configuration; {@code plannedSteps} is 0 for a stream without a bound. */
    @FunctionalInterface
    public interface JobConfigFactory {
        JobConfig config(String bootstrapServers, long startMs, long plannedSteps);
    }

    /** The run's topics, created when missing: the job reads {@code train} and writes the others. */
    public record Topics(String train, String metrics, String snapshots, String deadLetters) {
        public Topics {
            Objects.requireNonNull(train, "train");
            Objects.requireNonNull(metrics, "metrics");
            Objects.requireNonNull(snapshots, "snapshots");
            Objects.requireNonNull(deadLetters, "deadLetters");
        }

        List<String> all() {
            return List.of(train, metrics, snapshots, deadLetters);
        }
    }

    /**
     * How a run ended: why, the committed metrics, the committed dead letters, the final savepoint (null when the
     * job had ended or the stop failed), when it started and the job's configuration.
     */
    public record Outcome(StopReason reason, MetricsHistory history, long deadLetters, Path savepoint, long startMs,
                          JobConfig config) {}

    private final RunFolder folder;
    private final String bootstrapServers;
    private final String dataSource;
    private final LabeledData train;
    private final Topics topics;
    private final JobConfigFactory jobConfig;
    private final String modelId;
    private final String format;
    private final int batchSize;
    private final int passes;
    private final long maxSteps;
    private final Duration duration;
    private final double rate;
    private final int webUiPort;
    private final PrintWriter out;
    private final boolean liveLine;
    private final RunCompanion companion;
    private volatile boolean stopRequested;

    private StreamingRun(Builder b) {
        this.folder = b.folder;
        this.bootstrapServers = b.bootstrapServers;
        this.dataSource = b.dataSource;
        this.train = b.train;
        this.topics = b.topics;
        this.jobConfig = b.jobConfig;
        this.modelId = b.modelId;
        this.format = b.format;
        this.batchSize = b.batchSize;
        this.passes = b.passes;
        this.maxSteps = b.maxSteps;
        this.duration = b.duration;
        this.rate = b.rate;
        this.webUiPort = b.webUiPort;
        this.out = b.out;
        this.liveLine = b.liveLine;
        this.companion = b.companion;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Asks a running run to stop cleanly (from a signal handler or another thread). */
    public void requestStop() {
        stopRequested = true;
    }

    /** The batch-size rule of the producer and the runs: 1..4096. */
    public static int checkBatchSize(int batchSize) {
        if (batchSize <= 0 || batchSize > 4096) {
            throw new IllegalArgumentException("batch size must be 1..4096, got " + batchSize);
        }
        return batchSize;
    }

    /** The format rule: one of {@link #FORMATS}, in any case; returns it in lower case. */
    public static String checkFormat(String format) {
        String f = Objects.requireNonNull(format, "format").toLowerCase(Locale.ROOT);
        if (!FORMATS.contains(f)) {
            throw new IllegalArgumentException("format must be one of binary, json, csv; got '" + format + "'");
        }
        return f;
    }

    /** Runs to the end (see {@link StopReason}); blocks. */
    public Outcome run() throws Exception {
        long startMs = System.currentTimeMillis();
        long plannedExamples = plannedExamples(train.size());
        long plannedSteps = (plannedExamples + batchSize - 1) / batchSize;
        EmbeddedKafkaBroker broker = null;
        Thread producerThread = null;
        DatasetProducer producer = null;
        // A bad key fails here, before a broker or a cluster starts (the real servers come in below).
        jobConfig.config(bootstrapServers != null ? bootstrapServers : "127.0.0.1:9092", startMs, plannedSteps);
        try {
            String servers = bootstrapServers;
            if (servers == null) {
                out.println("Starting a Kafka broker (KRaft, embedded, 127.0.0.1) ...");
                broker = EmbeddedKafkaBroker.builder().dataDir(folder.dir()).build().start();
                servers = broker.bootstrapServers();
            }
            EmbeddedKafkaBroker.createTopics(servers, topics.all(), 1);
            JobConfig cfg = jobConfig.config(servers, startMs, plannedSteps);
            checkModelFitsData(cfg);
            if (companion != null) {
                companion.prepare(servers);
            }

            // Readers of this run's committed output, positioned before the job can write anything.
            try (CommittedTopicReader metrics = reader(servers, topics.metrics());
                 CommittedTopicReader deadLetterReader = reader(servers, topics.deadLetters())) {
                JobClient job = LocalJob.start(cfg, webUiPort, out);
                RecordFormat encoder = RecordFormat.create(format, modelId, DatasetProducer.limitsFor(train), ',',
                        -1);
                DatasetProducer.Builder pb = DatasetProducer.builder().bootstrapServers(servers).topic(topics.train())
                        .data(train).format(encoder).modelId(modelId).batchSize(batchSize).rate(rate)
                        .passes(passes).logProgress(false);
                if (plannedExamples > 0) {
                    pb.maxExamples(plannedExamples);
                }
                DatasetProducer p = pb.build();
                producer = p;
                out.println("Streaming " + dataSource + " to topic " + topics.train() + " on " + servers + " ("
                        + (plannedExamples > 0 ? plannedExamples + " examples" : "until stopped") + ", " + format
                        + (rate > 0 ? ", " + (long) rate + " examples/s" : "") + ")");
                producerThread = new Thread(p::run, "demo-producer");
                producerThread.setDaemon(true);
                producerThread.start();
                if (companion != null) {
                    companion.start(servers);
                }

                MetricsHistory history = new MetricsHistory();
                ProgressLine progress = new ProgressLine(out, liveLine);
                try (BufferedWriter metricsOut = Files.newBufferedWriter(folder.metrics(), StandardCharsets.UTF_8)) {
                    CommittedTopicReader.RecordHandler toHistory = value -> {
                        String json = new String(value, StandardCharsets.UTF_8);
                        history.add(MetricPoint.parse(json));
                        metricsOut.write(json);
                        metricsOut.newLine();
                    };
                    long window = (long) cfg.get(JobOptions.METRICS_EVERY) * batchSize;
                    long[] deadLetters = {0};
                    StopReason reason = follow(job, p, producerThread, () -> {
                        int n = metrics.poll(Duration.ofMillis(250), toHistory);
                        metricsOut.flush();
                        deadLetters[0] += deadLetterReader.poll(Duration.ZERO, value -> { });
                        progress.deadLetters(deadLetters[0]);
                        return n;
                    }, history, progress, startMs, window);
                    progress.finish(history);
                    out.println("Stopping (" + reason.description() + "): stop-with-savepoint, so that every "
                            + "committed output is complete ...");
                    Path savepoint = LocalJob.stop(job, folder.savepoints());
                    metrics.readToEnd(toHistory);
                    metricsOut.flush();
                    deadLetters[0] += deadLetterReader.readToEnd(value -> { });
                    if (companion != null) {
                        companion.stop();
                    }
                    return new Outcome(reason, history, deadLetters[0], savepoint, startMs, cfg);
                }
            }
        } finally {
            if (producer != null) {
                producer.stop();
            }
            if (producerThread != null) {
                producerThread.interrupt();
                producerThread.join(10_000);
            }
            if (broker != null) {
                broker.close();
            }
        }
    }

    private void checkModelFitsData(JobConfig cfg) {
        ModelSpec spec = GsamJob.modelSpec(cfg);
        if (spec.numFeatures() != train.numFeatures() || spec.numClasses() < train.numClasses()) {
            throw new InvalidInputException("model.architecture '" + cfg.get(JobOptions.ARCHITECTURE) + "' takes "
                    + spec.numFeatures() + " features and " + spec.numClasses() + " classes; the data has "
                    + train.numFeatures() + " features and " + train.numClasses() + " classes");
        }
    }

    private static CommittedTopicReader reader(String servers, String topic) {
        return CommittedTopicReader.builder().bootstrapServers(servers).topic(topic).build();
    }

    /** Examples to produce: one or more passes, or enough for {@code maxSteps}; 0 = until stopped. */
    private long plannedExamples(int trainSize) {
        long perPasses = passes == 0 ? 0 : (long) passes * trainSize;
        long forSteps = maxSteps > 0 ? maxSteps * batchSize : 0;
        if (perPasses == 0) {
            return forSteps;
        }
        return forSteps == 0 ? perPasses : Math.min(perPasses, forSteps);
    }

    /** One poll of the metrics topic; says how many records it read. */
    @FunctionalInterface
    private interface MetricsPoll {
        int once() throws IOException;
    }

    private StopReason follow(JobClient job, DatasetProducer producer, Thread producerThread, MetricsPoll poll,
                              MetricsHistory history, ProgressLine progress, long startMs, long metricsWindow)
            throws Exception {
        long lastNews = System.currentTimeMillis();
        long lastProgress = 0;
        while (true) {
            if (poll.once() > 0) {
                lastNews = System.currentTimeMillis();
            }
            long now = System.currentTimeMillis();
            if (now - lastProgress >= 1000) {
                progress.update(history);
                lastProgress = now;
            }
            boolean produced = !producerThread.isAlive();
            if (stopRequested) {
                return StopReason.INTERRUPTED;
            }
            if (maxSteps > 0 && history.steps() >= maxSteps) {
                return StopReason.MAX_STEPS;
            }
            if (duration != null && now - startMs >= duration.toMillis()) {
                return StopReason.DURATION;
            }
            // The newest steps may sit in a metrics window that is only emitted when the input ends: less than a
            // window left and nothing new for two checkpoints means the rest is trained and comes with the stop.
            long left = producer.sent() - history.examples();
            if (produced && (left <= 0 || (left < metricsWindow && now - lastNews > 2_000))) {
                return StopReason.ALL_DATA_TRAINED;
            }
            if (produced && now - lastNews > IDLE_STOP_MS) {
                return StopReason.IDLE;
            }
            JobStatus status = job.getJobStatus().get(10, TimeUnit.SECONDS);
            if (status.isGloballyTerminalState()) {
                if (status == JobStatus.FAILED) {
                    job.getJobExecutionResult().get(30, TimeUnit.SECONDS);   // throws the job's failure
                }
                return StopReason.JOB_ENDED;
            }
        }
    }

    public static final class Builder {
        private RunFolder folder;
        private String bootstrapServers;
        private String dataSource;
        private LabeledData train;
        private Topics topics;
        private JobConfigFactory jobConfig;
        private String modelId = "fashion";
        private String format = "binary";
        private int batchSize = 128;
        private int passes = 1;
        private long maxSteps;
        private Duration duration;
        private double rate;
        private int webUiPort = -1;
        private PrintWriter out = new PrintWriter(System.out, true, java.nio.charset.Charset.defaultCharset());
        private boolean liveLine;
        private RunCompanion companion;

        private Builder() {}

        /** Runs {@code companion} beside the job (none by default). */
        public Builder companion(RunCompanion companion) {
            this.companion = companion;
            return this;
        }

        /** The run's folder (see {@link RunFolder#prepare}): broker log, savepoints and metrics go there. */
        public Builder folder(RunFolder folder) {
            this.folder = Objects.requireNonNull(folder, "folder");
            return this;
        }

        /** Use this Kafka instead of an embedded broker. */
        public Builder bootstrapServers(String servers) {
            if (servers != null && servers.isBlank()) {
                throw new IllegalArgumentException("bootstrapServers must not be blank");
            }
            this.bootstrapServers = servers;
            return this;
        }

        /** Stream {@code train}, in its order; {@code source} names it in the output. */
        public Builder data(String source, LabeledData train) {
            this.dataSource = Objects.requireNonNull(source, "source");
            this.train = Objects.requireNonNull(train, "train");
            return this;
        }

        public Builder topics(Topics topics) {
            this.topics = Objects.requireNonNull(topics, "topics");
            return this;
        }

        /** The job to run; called once to check the configuration before anything starts, then for real. */
        public Builder jobConfig(JobConfigFactory factory) {
            this.jobConfig = Objects.requireNonNull(factory, "jobConfig");
            return this;
        }

        /** The model id the producer puts on the records (default {@code fashion}). */
        public Builder modelId(String modelId) {
            this.modelId = ModelIds.validate(modelId);
            return this;
        }

        /** Record format on the training topic: binary (minibatches, the default), json or csv (one example each). */
        public Builder format(String format) {
            this.format = checkFormat(format);
            return this;
        }

        /** Examples per produced minibatch and per training step in the plan (default 128). */
        public Builder batchSize(int batchSize) {
            this.batchSize = checkBatchSize(batchSize);
            return this;
        }

        /** Passes over the training set (default 1); 0 repeats until stopped. */
        public Builder passes(int passes) {
            if (passes < 0) {
                throw new IllegalArgumentException("passes must be >= 0, got " + passes);
            }
            this.passes = passes;
            return this;
        }

        /** Stop after this many training steps (0, the default: no limit). */
        public Builder maxSteps(long maxSteps) {
            if (maxSteps < 0) {
                throw new IllegalArgumentException("max steps must be >= 0, got " + maxSteps);
            }
            this.maxSteps = maxSteps;
            return this;
        }

        /** Stop after this much wall-clock time (default: no limit). */
        public Builder duration(Duration duration) {
            if (duration != null && (duration.isNegative() || duration.isZero())) {
                throw new IllegalArgumentException("duration must be positive, got " + duration);
            }
            this.duration = duration;
            return this;
        }

        /** Producer rate in examples per second (0, the default: as fast as possible). */
        public Builder rate(double rate) {
            if (!(rate >= 0) || Double.isInfinite(rate)) {
                throw new IllegalArgumentException("rate must be finite and >= 0, got " + rate);
            }
            this.rate = rate;
            return this;
        }

        /** Serve Flink's web UI on this port of 127.0.0.1 (another free one if taken); -1, the default: none. */
        public Builder webUiPort(int port) {
            if (port < -1 || port > 65535) {
                throw new IllegalArgumentException("web UI port must be -1 (off) or 0..65535, got " + port);
            }
            this.webUiPort = port;
            return this;
        }

        /** Where progress and notices go (default stdout); {@code liveLine}: redraw one line with CR. */
        public Builder output(PrintWriter out, boolean liveLine) {
            this.out = Objects.requireNonNull(out, "out");
            this.liveLine = liveLine;
            return this;
        }

        public StreamingRun build() {
            if (folder == null || train == null || topics == null || jobConfig == null) {
                throw new IllegalStateException("a StreamingRun needs folder, data, topics and jobConfig");
            }
            return new StreamingRun(this);
        }
    }
}
