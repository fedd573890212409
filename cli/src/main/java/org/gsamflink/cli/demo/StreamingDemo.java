package org.gsamflink.cli.demo;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.gsamflink.cli.data.CsvReader;
import org.gsamflink.cli.report.RunReport;
import org.gsamflink.cli.stream.RunFolder;
import org.gsamflink.cli.stream.StreamingRun;
import org.gsamflink.modelstore.ModelIds;
import org.gsamflink.pipeline.job.GsamJob;
import org.gsamflink.pipeline.job.JobConfig;
import org.gsamflink.pipeline.job.JobOptions;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The one-command streaming demo: a real Kafka broker (embedded, or one given), a local Flink MiniCluster with
 * its web UI, a producer streaming Fashion-MNIST (or a CSV file, or {@link GeneratedImages}: {@link DemoData})
 * into the training topic, and the Kafka training job ({@link GsamJob}: decode and validate, GSAM training,
 * exactly-once metrics, snapshots to a local model store). While it runs, one progress line; at the end a clean stop-with-savepoint (so every
 * committed output is complete), the held-out accuracy of the newest stored model, a PNG of the curves, the
 * metrics as JSON lines and a {@code summary.json}.
 *
 * <pre>{@code
 * RunReport.Result r = StreamingDemo.builder().dataDir(Path.of("demo-data")).maxSteps(200).build().run();
 * }</pre>
 *
 * <p>The demo chooses the data ({@link DemoData}) and composes the parts: {@link RunFolder} (the data folder: everything the demo
 * writes lives there, and each run starts afresh), {@link DemoJobPreset} (the job), {@link StreamingRun} (broker,
 * cluster, producer, the run and its stop) and {@link RunReport} (held-out accuracy, chart, summary).
 */
public final class StreamingDemo {

    private static final Logger LOG = LogManager.getLogger(StreamingDemo.class);

    public static final Path DEFAULT_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    private final Path dataDir;
    private final String bootstrapServers;
    private final Path data;
    private final boolean generated;
    private final int labelColumn;
    private final String modelId;
    private final String format;
    private final int batchSize;
    private final int passes;
    private final long maxSteps;
    private final Duration duration;
    private final double rate;
    private final int webUiPort;
    private final List<String> overrides;
    private final PrintWriter out;
    private final boolean liveLine;
    private volatile StreamingRun running;
    private volatile boolean stopRequested;
    private volatile LiveServing.Summary serving;
    private volatile double majorityShare = Double.NaN;

    private StreamingDemo(Builder b) {
        this.dataDir = b.dataDir;
        this.bootstrapServers = b.bootstrapServers;
        this.data = b.data;
        this.generated = b.generated;
        this.labelColumn = b.labelColumn;
        this.modelId = b.modelId;
        this.format = b.format;
        this.batchSize = b.batchSize;
        this.passes = b.passes;
        this.maxSteps = b.maxSteps;
        this.duration = b.duration;
        this.rate = b.rate;
        this.webUiPort = b.webUiPort;
        this.overrides = List.copyOf(b.overrides);
        this.out = b.out;
        this.liveLine = b.liveLine;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Asks a running demo to stop cleanly (from a signal handler or another thread). */
    public void requestStop() {
        stopRequested = true;
        StreamingRun r = running;
        if (r != null) {
            r.requestStop();
        }
    }

    /** What live serving did in the last {@link #run}; empty when serving was off or before a run. */
    public java.util.Optional<LiveServing.Summary> servingSummary() {
        return java.util.Optional.ofNullable(serving);
    }

    /** The training stream's most frequent class share (see {@link DemoData#majorityShare}); NaN before a run. */
    public double majorityShare() {
        return majorityShare;
    }

    /** Runs the demo to its end (see {@link org.gsamflink.cli.report.StopReason}); blocks. */
    public RunReport.Result run() throws Exception {
        RunFolder folder = RunFolder.prepare(dataDir);
        DemoData ds = DemoData.load(data, generated, labelColumn, out);
        majorityShare = ds.majorityShare();
        DemoJobPreset preset = DemoJobPreset.builder().folder(folder).format(format).modelId(modelId)
                .batchSize(batchSize).data(ds.train().numFeatures(), ds.train().numClasses()).overrides(overrides)
                .build();
        boolean serves = preset.config("127.0.0.1:9092", 0, 1).get(JobOptions.SERVE_ENABLED);
        LiveServing live = serves ? new LiveServing(folder.store(), modelId, ds.test(), LiveServing.DEFAULT_RATE)
                : null;
        StreamingRun run = StreamingRun.builder().folder(folder).bootstrapServers(bootstrapServers).companion(live)
                .data(ds.source(), ds.train()).topics(DemoJobPreset.TOPICS).jobConfig(preset).modelId(modelId)
                .format(format).batchSize(batchSize).passes(passes).maxSteps(maxSteps).duration(duration).rate(rate)
                .webUiPort(webUiPort).output(out, liveLine).build();
        running = run;
        if (stopRequested) {
            run.requestStop();
        }
        try {
            StreamingRun.Outcome o = run.run();
            JobConfig cfg = o.config();
            serving = live == null ? null : live.summary();
            return RunReport.builder().modelId(modelId).dataSource(ds.source()).heldOut(ds.test())
                    .store(folder.store()).metrics(folder.metrics()).chart(folder.chart()).summary(folder.summary())
                    .chartTitle(String.format(Locale.ROOT, "gsam-flink demo: %s, alpha %s, %s", ds.source(),
                            cfg.get(JobOptions.ALPHA), cfg.get(JobOptions.ARCHITECTURE)))
                    .section("serving", serving == null ? null : serving.toJson())
                    .build().write(o.reason(), o.history(), o.startMs(), o.deadLetters(), o.savepoint());
        } finally {
            running = null;
        }
    }

    public static final class Builder {
        /** Checks the run settings by {@link StreamingRun}'s rules, which are theirs. */
        private final StreamingRun.Builder rules = StreamingRun.builder();
        private Path dataDir = Path.of("demo-data");
        private String bootstrapServers;
        private Path data;
        private boolean generated;
        private int labelColumn = CsvReader.DEFAULT_LABEL_COLUMN;
        private String modelId = "fashion";
        private String format = "binary";
        private int batchSize = 128;
        private int passes = 1;
        private long maxSteps;
        private Duration duration;
        private double rate;
        private int webUiPort = -1;
        private final List<String> overrides = new ArrayList<>();
        private PrintWriter out = new PrintWriter(System.out, true, java.nio.charset.Charset.defaultCharset());
        private boolean liveLine;

        private Builder() {}

        /** Where the demo keeps everything it writes (default {@code ./demo-data}). */
        public Builder dataDir(Path dir) {
            this.dataDir = Objects.requireNonNull(dir, "dataDir");
            return this;
        }

        /** Use this Kafka instead of the embedded broker. */
        public Builder bootstrapServers(String servers) {
            rules.bootstrapServers(servers);
            this.bootstrapServers = servers;
            return this;
        }

        /** A directory of MNIST-style IDX files or a CSV file (default: Debian's Fashion-MNIST, else generated). */
        public Builder data(Path dirOrCsv) {
            this.data = dirOrCsv;
            return this;
        }

        /** The label's column of a CSV file; negative counts from the end (default −1, the last). */
        public Builder labelColumn(int labelColumn) {
            this.labelColumn = labelColumn;
            return this;
        }

        /** Use the generated data set even if Fashion-MNIST is installed. */
        public Builder generated(boolean generated) {
            this.generated = generated;
            return this;
        }

        public Builder modelId(String modelId) {
            this.modelId = ModelIds.validate(modelId);
            return this;
        }

        /** Record format on the training topic: binary (minibatches, the default), json or csv (one example each). */
        public Builder format(String format) {
            this.format = StreamingRun.checkFormat(format);
            return this;
        }

        public Builder batchSize(int batchSize) {
            this.batchSize = StreamingRun.checkBatchSize(batchSize);
            return this;
        }

        /** Passes over the training set (default 1); 0 repeats until stopped. */
        public Builder passes(int passes) {
            rules.passes(passes);
            this.passes = passes;
            return this;
        }

        /** Stop after this many training steps (0, the default: no limit). */
        public Builder maxSteps(long maxSteps) {
            rules.maxSteps(maxSteps);
            this.maxSteps = maxSteps;
            return this;
        }

        /** Stop after this much wall-clock time (default: no limit). */
        public Builder duration(Duration duration) {
            rules.duration(duration);
            this.duration = duration;
            return this;
        }

        /** Producer rate in examples per second (0, the default: as fast as possible). */
        public Builder rate(double rate) {
            rules.rate(rate);
            this.rate = rate;
            return this;
        }

        /** Serve Flink's web UI on this port of 127.0.0.1 (another free one if taken); -1, the default: none. */
        public Builder webUiPort(int port) {
            rules.webUiPort(port);
            this.webUiPort = port;
            return this;
        }

        /** Job configuration overrides ({@code key=value}), applied after the demo's own settings. */
        public Builder override(String keyValue) {
            this.overrides.add(Objects.requireNonNull(keyValue, "keyValue"));
            return this;
        }

        /** Where progress and the summary go (default stdout); {@code liveLine}: redraw one line with CR. */
        public Builder output(PrintWriter out, boolean liveLine) {
            this.out = Objects.requireNonNull(out, "out");
            this.liveLine = liveLine;
            return this;
        }

        public StreamingDemo build() {
            if (passes == 0 && maxSteps == 0 && duration == null) {
                LOG.info("no --passes, --max-steps or --duration bound: the demo runs until Ctrl-C");
            }
            return new StreamingDemo(this);
        }
    }
}
