package org.gsamflink.cli.demo;

import org.gsamflink.cli.FileTrees;
import org.gsamflink.cli.report.MetricPoint;
import org.gsamflink.cli.report.MetricsHistory;
import org.gsamflink.cli.report.TrainingChart;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.gsamflink.modelstore.ModelStore;
import org.gsamflink.modelstore.ModelVersion;
import org.gsamflink.operators.ModelSpec;
import org.gsamflink.pipeline.InvalidInputException;
import org.gsamflink.cli.data.IdxReader;
import org.gsamflink.cli.data.LabeledData;
import org.gsamflink.pipeline.format.RecordFormat;
import org.gsamflink.pipeline.job.GsamJob;
import org.gsamflink.pipeline.job.JobConfig;
import org.gsamflink.pipeline.job.JobOptions;
import org.gsamflink.cli.stream.DatasetProducer;
import org.gsamflink.cli.stream.EmbeddedKafkaBroker;
import org.gsamflink.cli.train.Accuracy;
import org.gsamflink.cli.train.OfflineTrainer;

import java.io.BufferedWriter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The one-command streaming demo: a real Kafka broker (embedded, or one given), a local Flink MiniCluster with
 * its web UI, a producer streaming Fashion-MNIST (or {@link GeneratedImages}) into the training topic, and the
 * Kafka training job ({@link GsamJob}: decode and validate, GSAM training, exactly-once metrics, snapshots to a
 * local model store). While it runs, one progress line; at the end a clean stop-with-savepoint (so every
 * committed output is complete), the held-out accuracy of the newest stored model, a PNG of the curves, the
 * metrics as JSON lines and a {@code summary.json}.
 *
 * <pre>{@code
 * StreamingDemo.Result r = StreamingDemo.builder().dataDir(Path.of("demo-data")).maxSteps(200).build().run();
 * }</pre>
 *
 * <p>Everything the demo writes lives under the data folder: {@code kafka/} (the broker's log), {@code store/}
 * (the model store), {@code checkpoints/}, {@code savepoints/}, {@code metrics.jsonl}, {@code training.png} and
 * {@code summary.json}. A run starts afresh: it deletes those it finds from an earlier run, and refuses to touch a
 * non-empty folder that is not a demo folder.
 */
public final class StreamingDemo {

    private static final Logger LOG = LogManager.getLogger(StreamingDemo.class);
    private static final String MARKER = ".gsam-flink-demo";
    private static final List<String> OWNED = List.of("kafka", "kafka-server.properties", "store", "checkpoints",
            "savepoints", "metrics.jsonl", "training.png", "summary.json");
    /** With the producer finished, stop when nothing new was committed for this long. */
    private static final long IDLE_STOP_MS = 30_000;

    public static final Path DEFAULT_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");
    public static final String TRAIN_TOPIC = "gsam-demo-train";
    public static final String METRICS_TOPIC = "gsam-demo-metrics";
    public static final String SNAPSHOTS_TOPIC = "gsam-demo-snapshots";
    public static final String DEAD_LETTER_TOPIC = "gsam-demo-dead-letters";

    /** Why the demo stopped. */
    public enum StopReason {
        ALL_DATA_TRAINED("every produced example was trained"),
        MAX_STEPS("reached --max-steps"),
        DURATION("reached --duration"),
        IDLE("the producer finished and nothing new was trained for 30 s"),
        INTERRUPTED("interrupted (Ctrl-C)"),
        JOB_ENDED("the Flink job ended by itself");

        private final String description;

        StopReason(String description) {
            this.description = description;
        }

        public String description() {
            return description;
        }
    }

    /** What a run produced. {@code heldOutAccuracy} is NaN when no model version was stored. */
    public record Result(StopReason reason, String dataSource, long steps, long examples, double seconds,
                         double prequentialAccuracy, double recentAccuracy, double recentLoss,
                         double recentSurrogateGap, double rho, double lr, double examplesPerSecond,
                         double heldOutAccuracy, long heldOutExamples, long latestVersion, List<Long> storeVersions,
                         long deadLetters, Path store, Path metrics, Path chart, Path summary, Path savepoint) {}

    private final Path dataDir;
    private final String bootstrapServers;
    private final Path data;
    private final boolean generated;
    private final Dataset given;
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
    private volatile boolean stopRequested;

    private StreamingDemo(Builder b) {
        this.dataDir = b.dataDir.toAbsolutePath().normalize();
        this.bootstrapServers = b.bootstrapServers;
        this.data = b.data;
        this.generated = b.generated;
        this.given = b.given;
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
    }

    /** Runs the demo to its end (see {@link StopReason}); blocks. */
    public Result run() throws Exception {
        prepareDataDir();
        Dataset ds = loadData();
        long startMs = System.currentTimeMillis();
        long plannedExamples = plannedExamples(ds.train.size());
        EmbeddedKafkaBroker broker = null;
        Thread producerThread = null;
        DatasetProducer producer = null;
        // A bad -D key fails here, before a broker or a cluster starts (the real servers come in below).
        jobConfig(bootstrapServers != null ? bootstrapServers : "127.0.0.1:9092", startMs, ds.train.size());
        try {
            String servers = bootstrapServers;
            if (servers == null) {
                out.println("Starting a Kafka broker (KRaft, embedded, 127.0.0.1) ...");
                broker = EmbeddedKafkaBroker.builder().dataDir(dataDir).build().start();
                servers = broker.bootstrapServers();
            }
            EmbeddedKafkaBroker.createTopics(servers, List.of(TRAIN_TOPIC, METRICS_TOPIC, SNAPSHOTS_TOPIC,
                    DEAD_LETTER_TOPIC), 1);
            JobConfig cfg = jobConfig(servers, startMs, ds.train.size());
            ModelSpec spec = GsamJob.modelSpec(cfg);
            if (spec.numFeatures() != ds.train.numFeatures() || spec.numClasses() < ds.train.numClasses()) {
                throw new InvalidInputException("model.architecture '" + cfg.get(JobOptions.ARCHITECTURE) + "' takes "
                        + spec.numFeatures() + " features and " + spec.numClasses() + " classes; the data has "
                        + ds.train.numFeatures() + " features and " + ds.train.numClasses() + " classes");
            }

            // Readers of this run's committed output, positioned before the job can write anything.
            try (KafkaConsumer<byte[], byte[]> metrics = committedReader(servers, METRICS_TOPIC);
                 KafkaConsumer<byte[], byte[]> deadLetterReader = committedReader(servers, DEAD_LETTER_TOPIC)) {
                JobClient job = startJob(cfg);
                RecordFormat encoder = RecordFormat.create(format, modelId, DatasetProducer.limitsFor(ds.train), ',',
                        -1);
                DatasetProducer.Builder pb = DatasetProducer.builder().bootstrapServers(servers).topic(TRAIN_TOPIC)
                        .data(ds.train).format(encoder).modelId(modelId).batchSize(batchSize).rate(rate)
                        .passes(passes).logProgress(false);
                if (plannedExamples > 0) {
                    pb.maxExamples(plannedExamples);
                }
                DatasetProducer p = pb.build();
                producer = p;
                out.println("Streaming " + ds.source + " to topic " + TRAIN_TOPIC + " on " + servers + " ("
                        + (plannedExamples > 0 ? plannedExamples + " examples" : "until stopped") + ", " + format
                        + (rate > 0 ? ", " + (long) rate + " examples/s" : "") + ")");
                producerThread = new Thread(p::run, "demo-producer");
                producerThread.setDaemon(true);
                producerThread.start();

                MetricsHistory history = new MetricsHistory();
                Path metricsFile = dataDir.resolve("metrics.jsonl");
                ProgressLine progress = new ProgressLine(out, liveLine);
                try (BufferedWriter metricsOut = Files.newBufferedWriter(metricsFile, StandardCharsets.UTF_8)) {
                    long window = (long) cfg.get(JobOptions.METRICS_EVERY) * batchSize;
                    StopReason reason = follow(job, p, producerThread, metrics, metricsOut, history, progress, startMs,
                            window);
                    progress.finish(history);
                    out.println("Stopping (" + reason.description() + "): stop-with-savepoint, so that every "
                            + "committed output is complete ...");
                    Path savepoint = stop(job);
                    readToEnd(metrics, () -> poll(metrics, metricsOut, history, Duration.ofMillis(200)));
                    long deadLetters = readToEnd(deadLetterReader,
                            () -> deadLetterReader.poll(Duration.ofMillis(200)).count());
                    return report(reason, ds, history, startMs, deadLetters, metricsFile, savepoint, cfg);
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

    private JobClient startJob(JobConfig cfg) throws Exception {
        Configuration flink = cfg.flinkConfiguration();
        String webUi = null;
        StreamExecutionEnvironment env;
        if (webUiPort >= 0) {
            int port = freeOr(webUiPort);
            flink.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
            flink.set(RestOptions.ADDRESS, "127.0.0.1");
            flink.set(RestOptions.PORT, port);
            env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(flink);
            webUi = "http://127.0.0.1:" + port;
        } else {
            env = StreamExecutionEnvironment.createLocalEnvironment(flink);
        }
        GsamJob.build(env, cfg);
        JobClient job = env.executeAsync(cfg.get(JobOptions.JOB_NAME));
        out.println("Flink job " + job.getJobID() + " started (local MiniCluster"
                + (webUi == null ? ")" : ", web UI " + webUi + ")"));
        return job;
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

    /** The job's configuration: the demo's settings, then the user's -D overrides (checked like any job's). */
    JobConfig jobConfig(String servers, long startMs, int trainSize) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("kafka.bootstrap.servers", servers);
        c.put("source.topics", TRAIN_TOPIC);
        c.put("source.group-id", "gsam-demo");
        // Only this run's records, also on a Kafka that already holds the demo's topics from an earlier run.
        c.put("source.starting-offsets", "timestamp");
        c.put("source.starting-timestamp-ms", String.valueOf(startMs));
        c.put("format.type", format);
        c.put("format.default-model-id", modelId);
        c.put("model.architecture", "mlp:784-256-10");
        c.put("model.ids", modelId);
        c.put("model.updater", "nesterovs");
        c.put("model.learning-rate", "0.05");
        c.put("model.momentum", "0.9");
        c.put("model.label-smoothing", "0.1");
        c.put("gsam.alpha", "0.1");
        long plannedSteps = (plannedExamples(trainSize) + batchSize - 1) / batchSize;
        if (plannedSteps > 1) {
            c.put("gsam.lr-schedule", "cosine:max=0.05,min=0.005,T=" + plannedSteps + ",warmup=0");
            c.put("gsam.rho", "proportion:lrMax=0.05,lrMin=0.005,rhoMax=0.05,rhoMin=0.02");
        } else {
            c.put("gsam.rho", "constant:0.05");
        }
        c.put("training.batch-size", String.valueOf(batchSize));
        c.put("training.batch-timeout", "1 s");
        c.put("training.metrics-every-steps", "5");
        c.put("training.snapshot-every-steps", "100");
        c.put("sink.metrics-topic", METRICS_TOPIC);
        c.put("sink.snapshots-topic", SNAPSHOTS_TOPIC);
        c.put("sink.dead-letter-topic", DEAD_LETTER_TOPIC);
        c.put("sink.transactional-id-prefix", "gsam-demo-" + startMs);
        c.put("model-store.root", dataDir.resolve("store").toUri().toString());
        c.put("job.name", "gsam-flink demo");
        c.put("job.checkpoint-interval", "1 s");
        c.put("flink.execution.checkpointing.dir", dataDir.resolve("checkpoints").toUri().toString());
        try {
            return JobConfig.fromMapWithOverrides(c, overrides);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage());
        }
    }

    private StopReason follow(JobClient job, DatasetProducer producer, Thread producerThread,
                              KafkaConsumer<byte[], byte[]> metrics, BufferedWriter metricsOut,
                              MetricsHistory history, ProgressLine progress, long startMs, long metricsWindow)
            throws Exception {
        long lastNews = System.currentTimeMillis();
        long lastProgress = 0;
        while (true) {
            if (poll(metrics, metricsOut, history, Duration.ofMillis(250)) > 0) {
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

    /** Stop-with-savepoint with drain: partial batches train, final snapshots are taken, every sink commits. */
    private Path stop(JobClient job) throws Exception {
        JobStatus status = job.getJobStatus().get(10, TimeUnit.SECONDS);
        if (status.isGloballyTerminalState()) {
            return null;
        }
        try {
            String location = job.stopWithSavepoint(true, dataDir.resolve("savepoints").toUri().toString(),
                    SavepointFormatType.CANONICAL).get(3, TimeUnit.MINUTES);
            job.getJobExecutionResult().get(1, TimeUnit.MINUTES);
            return Path.of(java.net.URI.create(location));
        } catch (Exception e) {
            LOG.warn("stop-with-savepoint failed ({}); cancelling the job", e.toString());
            job.cancel().get(1, TimeUnit.MINUTES);
            return null;
        }
    }

    /** One poll of the metrics topic: each record into the history and the JSON-lines file. */
    private static int poll(KafkaConsumer<byte[], byte[]> consumer, BufferedWriter sink, MetricsHistory history,
                            Duration timeout) throws IOException {
        int n = 0;
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
            String json = new String(r.value(), StandardCharsets.UTF_8);
            history.add(MetricPoint.parse(json));
            sink.write(json);
            sink.newLine();
            n++;
        }
        sink.flush();
        return n;
    }

    /** A poll that handles what it read and says how many records that was. */
    @FunctionalInterface
    private interface Poll {
        int once() throws IOException;
    }

    /**
     * Polls until the reader's position reaches the topic's last committed offset (at most 30 s).
     *
     * @return the records read
     */
    private static long readToEnd(KafkaConsumer<byte[], byte[]> consumer, Poll poll) throws IOException {
        Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
        long n = 0;
        long deadline = System.currentTimeMillis() + 30_000;
        while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())
                && System.currentTimeMillis() < deadline) {
            n += poll.once();
        }
        return n;
    }

    private static KafkaConsumer<byte[], byte[]> committedReader(String servers, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        List<TopicPartition> parts = c.partitionsFor(topic).stream()
                .map(i -> new TopicPartition(topic, i.partition())).toList();
        c.assign(parts);
        c.seekToEnd(parts);   // this run's output only: the topics may hold an earlier run's records
        parts.forEach(c::position);
        return c;
    }

    private Result report(StopReason reason, Dataset ds, MetricsHistory history, long startMs, long deadLetters,
                          Path metricsFile, Path savepoint, JobConfig cfg) throws IOException {
        ModelStore store = ModelStore.builder().root(dataDir.resolve("store").toUri()).build();
        List<Long> versions = store.listModels().contains(modelId) ? store.listVersions(modelId) : List.of();
        OptionalLong latest = versions.isEmpty() ? OptionalLong.empty() : store.latest(modelId);
        double heldOut = Double.NaN;
        long heldOutExamples = 0;
        if (latest.isPresent()) {
            ModelVersion v = store.read(modelId, latest.getAsLong());
            MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(v.modelBytes()),
                    false);
            Accuracy a = OfflineTrainer.evaluate(net, ds.test, 1000);
            heldOut = a.value();
            heldOutExamples = a.total();
        }
        List<MetricPoint> recent = history.tail(0.1);
        List<MetricPoint> points = history.points();
        MetricPoint last = points.isEmpty() ? null : points.get(points.size() - 1);
        Path chart = dataDir.resolve("training.png");
        if (!points.isEmpty()) {
            TrainingChart.builder()
                    .title(String.format(Locale.ROOT, "gsam-flink demo: %s, alpha %s, %s", ds.source,
                            cfg.get(JobOptions.ALPHA), cfg.get(JobOptions.ARCHITECTURE)))
                    .run("GSAM", points).build().writePng(chart);
        }
        Result r = new Result(reason, ds.source, history.steps(), history.examples(),
                (System.currentTimeMillis() - startMs) / 1000.0, history.accuracy(),
                MetricsHistory.accuracy(recent), MetricsHistory.mean(recent, MetricPoint::loss),
                MetricsHistory.mean(recent, MetricPoint::surrogateGap), last == null ? Double.NaN : last.rho(),
                last == null ? Double.NaN : last.lr(), history.wallClockThroughput(), heldOut, heldOutExamples,
                latest.orElse(-1), versions, deadLetters, dataDir.resolve("store"), metricsFile,
                points.isEmpty() ? null : chart, dataDir.resolve("summary.json"), savepoint);
        writeSummary(r);
        return r;
    }

    private void writeSummary(Result r) throws IOException {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("stop_reason", r.reason().name().toLowerCase(Locale.ROOT));
        o.put("data", r.dataSource());
        o.put("model", modelId);
        o.put("steps", r.steps());
        o.put("examples", r.examples());
        o.put("seconds", r.seconds());
        o.put("examples_per_second", r.examplesPerSecond());
        o.put("prequential_accuracy", r.prequentialAccuracy());
        o.put("prequential_accuracy_last_10pct", r.recentAccuracy());
        o.put("loss_last_10pct", r.recentLoss());
        o.put("surrogate_gap_last_10pct", r.recentSurrogateGap());
        o.put("held_out_accuracy", r.heldOutAccuracy());
        o.put("held_out_examples", r.heldOutExamples());
        o.put("latest_version", r.latestVersion());
        o.putPOJO("store_versions", r.storeVersions());
        o.put("dead_letters", r.deadLetters());
        o.put("store", r.store().toString());
        o.put("metrics", r.metrics().toString());
        o.put("chart", r.chart() == null ? null : r.chart().toString());
        o.put("savepoint", r.savepoint() == null ? null : r.savepoint().toString());
        Files.writeString(r.summary(), new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(o));
    }

    private record Dataset(String source, LabeledData train, LabeledData test) {}

    private Dataset loadData() {
        if (given != null) {
            return given;
        }
        if (!generated) {
            Path dir = data != null ? data : DEFAULT_FASHION_MNIST;
            if (IdxReader.findFiles(dir, IdxReader.Split.TRAIN).isPresent()
                    && IdxReader.findFiles(dir, IdxReader.Split.TEST).isPresent()) {
                LabeledData train = IdxReader.readDirectory(dir, IdxReader.Split.TRAIN);
                LabeledData test = IdxReader.readDirectory(dir, IdxReader.Split.TEST, train.numClasses());
                return new Dataset("Fashion-MNIST", train, test);
            }
            if (data != null) {
                throw new InvalidInputException("--data " + data + ": no MNIST-style IDX train and t10k files there");
            }
            out.println("Fashion-MNIST is not installed (" + DEFAULT_FASHION_MNIST + "). For the real data set run:");
            out.println("    sudo apt-get install dataset-fashion-mnist");
            out.println("Using a generated data set of 28x28 images in 10 classes instead.");
        }
        return new Dataset("generated images", GeneratedImages.generate(60_000, 1), GeneratedImages.generate(10_000, 2));
    }

    private void prepareDataDir() throws IOException {
        Files.createDirectories(dataDir);
        boolean ours = Files.exists(dataDir.resolve(MARKER));
        if (!ours) {
            try (Stream<Path> entries = Files.list(dataDir)) {
                if (entries.findAny().isPresent()) {
                    throw new InvalidInputException("--data-dir " + dataDir + " is not empty and was not made by the "
                            + "demo; give an empty or new folder");
                }
            }
            Files.writeString(dataDir.resolve(MARKER), "gsam-flink demo data; deleted and rewritten by each run\n");
        }
        for (String name : OWNED) {
            FileTrees.deleteRecursively(dataDir.resolve(name));
        }
    }

    /** {@code preferred} if it is free on the loopback interface, otherwise any free port. */
    private static int freeOr(int preferred) {
        if (preferred > 0) {
            try (ServerSocket s = new ServerSocket(preferred, 1, InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException busy) {
                LOG.info("port {} is taken; the web UI gets another one", preferred);
            }
        }
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on the loopback interface", e);
        }
    }

    public static final class Builder {
        private Path dataDir = Path.of("demo-data");
        private String bootstrapServers;
        private Path data;
        private boolean generated;
        private Dataset given;
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
            if (servers != null && servers.isBlank()) {
                throw new IllegalArgumentException("bootstrapServers must not be blank");
            }
            this.bootstrapServers = servers;
            return this;
        }

        /** A directory of MNIST-style IDX files (default: Debian's Fashion-MNIST, else generated images). */
        public Builder data(Path dir) {
            this.data = dir;
            return this;
        }

        /** Use the generated data set even if Fashion-MNIST is installed. */
        public Builder generated(boolean generated) {
            this.generated = generated;
            return this;
        }

        /**
         * Stream {@code train} (in its order) and evaluate the stored model on {@code heldOut}, instead of loading a
         * data set: for experiments with their own splits and orders. {@code source} names it in the report.
         */
        public Builder data(String source, LabeledData train, LabeledData heldOut) {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(train, "train");
            Objects.requireNonNull(heldOut, "heldOut");
            if (train.numFeatures() != heldOut.numFeatures()) {
                throw new IllegalArgumentException("train has " + train.numFeatures() + " features, heldOut "
                        + heldOut.numFeatures());
            }
            this.given = new Dataset(source, train, heldOut);
            return this;
        }

        public Builder modelId(String modelId) {
            this.modelId = org.gsamflink.modelstore.ModelIds.validate(modelId);
            return this;
        }

        /** Record format on the training topic: binary (minibatches, the default), json or csv (one example each). */
        public Builder format(String format) {
            String f = Objects.requireNonNull(format, "format").toLowerCase(Locale.ROOT);
            if (!List.of("binary", "json", "csv").contains(f)) {
                throw new IllegalArgumentException("format must be one of binary, json, csv; got '" + format + "'");
            }
            this.format = f;
            return this;
        }

        public Builder batchSize(int batchSize) {
            if (batchSize <= 0 || batchSize > 4096) {
                throw new IllegalArgumentException("batch size must be 1..4096, got " + batchSize);
            }
            this.batchSize = batchSize;
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
