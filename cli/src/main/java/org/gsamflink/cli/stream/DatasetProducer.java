package org.gsamflink.cli.stream;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.gsamflink.operators.TrainingRecord;
import org.gsamflink.cli.data.LabeledData;
import org.gsamflink.pipeline.format.RecordFormat;
import org.gsamflink.modelstore.ModelIds;
import org.gsamflink.pipeline.format.RecordLimits;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Streams a {@link LabeledData} into a Kafka topic in one of the job's record formats: one record per example
 * ({@code json}, {@code csv}) or per minibatch ({@code binary}), keyed by the model id, optionally rate-limited and
 * repeated. Used by {@code gsam-flink produce} and by the demo.
 *
 * <pre>{@code
 * DatasetProducer p = DatasetProducer.builder().bootstrapServers("localhost:9092").topic("gsam-train")
 *         .data(fashionMnist).format(RecordFormat.create("binary", "fashion", limits, ',', -1))
 *         .modelId("fashion").batchSize(128).build();
 * long sent = p.run();          // blocks; stop() or an interrupt ends it early
 * }</pre>
 */
public final class DatasetProducer {

    private static final Logger LOG = LogManager.getLogger(DatasetProducer.class);
    private static final long PROGRESS_EVERY_NANOS = 5_000_000_000L;

    private final String bootstrapServers;
    private final String topic;
    private final LabeledData data;
    private final RecordFormat format;
    private final String modelId;
    private final int batchSize;
    private final double rate;
    private final long maxExamples;
    private final int passes;
    private final boolean logProgress;
    private final AtomicLong sent = new AtomicLong();
    private volatile boolean stopped;

    private DatasetProducer(Builder b) {
        this.bootstrapServers = b.bootstrapServers;
        this.topic = b.topic;
        this.data = b.data;
        this.format = b.format;
        this.modelId = b.modelId;
        this.batchSize = b.batchSize;
        this.rate = b.rate;
        this.maxExamples = b.maxExamples;
        this.passes = b.passes;
        this.logProgress = b.logProgress;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The record limits that fit {@code data} (for encoders: no size cap). */
    public static RecordLimits limitsFor(LabeledData data) {
        return new RecordLimits(data.numFeatures(), Math.max(2, data.numClasses()), Integer.MAX_VALUE);
    }

    /** Examples handed to the Kafka producer so far. */
    public long sent() {
        return sent.get();
    }

    /** Ends {@link #run()} after the record in flight. */
    public void stop() {
        stopped = true;
    }

    /**
     * Sends the data, blocking until every pass (or {@code maxExamples}) was sent and flushed, {@link #stop()} was
     * called, or the thread was interrupted.
     *
     * @return the number of examples sent
     */
    public long run() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        // A binary minibatch of 128 Fashion-MNIST images is 392 KiB; leave room for larger batches.
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(16 << 20));
        int perRecord = format.name().equals("binary") ? batchSize : 1;
        byte[] key = modelId.getBytes(StandardCharsets.UTF_8);
        long started = System.nanoTime();
        long lastReport = started;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int pass = 0; passes == 0 || pass < passes; pass++) {
                for (int from = 0; from < data.size(); from += perRecord) {
                    long room = maxExamples - sent.get();
                    if (stopped || Thread.currentThread().isInterrupted() || room <= 0) {
                        return finish(producer, started);
                    }
                    int to = (int) Math.min(Math.min(data.size(), from + perRecord), from + room);
                    producer.send(new ProducerRecord<>(topic, key, format.encode(slice(from, to))));
                    long total = sent.addAndGet(to - from);
                    if (rate > 0) {
                        long wait = started + (long) (total / rate * 1e9) - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                    }
                    long now = System.nanoTime();
                    if (logProgress && now - lastReport > PROGRESS_EVERY_NANOS) {
                        LOG.info("produced {} examples to {} ({} examples/s)", total, topic,
                                Math.round(total / ((now - started) / 1e9)));
                        lastReport = now;
                    }
                }
            }
            return finish(producer, started);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return sent.get();
        }
    }

    private long finish(KafkaProducer<byte[], byte[]> producer, long started) {
        producer.flush();
        if (logProgress) {
            LOG.info("produced {} examples to {} in {} s", sent.get(), topic,
                    String.format("%.1f", (System.nanoTime() - started) / 1e9));
        }
        return sent.get();
    }

    private TrainingRecord slice(int from, int to) {
        int nf = data.numFeatures();
        int rows = to - from;
        float[] x = new float[rows * nf];
        int[] y = new int[rows];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < nf; j++) {
                x[i * nf + j] = data.feature(from + i, j);
            }
            y[i] = data.label(from + i);
        }
        return rows == 1 && !format.name().equals("binary") ? TrainingRecord.example(modelId, x, y[0])
                : TrainingRecord.minibatch(modelId, nf, x, y);
    }

    public static final class Builder {
        private String bootstrapServers;
        private String topic;
        private LabeledData data;
        private RecordFormat format;
        private String modelId = "default";
        private int batchSize = 64;
        private double rate;
        private long maxExamples = Long.MAX_VALUE;
        private int passes = 1;
        private boolean logProgress = true;

        private Builder() {}

        /** Kafka brokers. Required. */
        public Builder bootstrapServers(String servers) {
            if (servers == null || servers.isBlank()) {
                throw new IllegalArgumentException("bootstrapServers must not be blank");
            }
            this.bootstrapServers = servers;
            return this;
        }

        /** Target topic. Required. */
        public Builder topic(String topic) {
            if (topic == null || topic.isBlank()) {
                throw new IllegalArgumentException("topic must not be blank");
            }
            this.topic = topic;
            return this;
        }

        /** The examples to send, in order. Required. */
        public Builder data(LabeledData data) {
            this.data = Objects.requireNonNull(data, "data");
            return this;
        }

        /** The record encoder. Required. */
        public Builder format(RecordFormat format) {
            this.format = Objects.requireNonNull(format, "format");
            return this;
        }

        /** The Kafka key and the model id written into json and binary records (default {@code default}). */
        public Builder modelId(String modelId) {
            this.modelId = ModelIds.validate(modelId);
            return this;
        }

        /** Examples per record with the binary format (default 64). */
        public Builder batchSize(int batchSize) {
            if (batchSize <= 0) {
                throw new IllegalArgumentException("batchSize must be > 0, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** At most this many examples per second; 0 (the default) sends as fast as the broker takes them. */
        public Builder rate(double examplesPerSecond) {
            if (!(examplesPerSecond >= 0) || Double.isInfinite(examplesPerSecond)) {
                throw new IllegalArgumentException("rate must be finite and >= 0, got " + examplesPerSecond);
            }
            this.rate = examplesPerSecond;
            return this;
        }

        /** Stop after this many examples (default: no limit). */
        public Builder maxExamples(long maxExamples) {
            if (maxExamples <= 0) {
                throw new IllegalArgumentException("maxExamples must be > 0, got " + maxExamples);
            }
            this.maxExamples = maxExamples;
            return this;
        }

        /** Passes over the data; 0 repeats until stopped (default 1). */
        public Builder passes(int passes) {
            if (passes < 0) {
                throw new IllegalArgumentException("passes must be >= 0, got " + passes);
            }
            this.passes = passes;
            return this;
        }

        /** Log a progress line every 5 s and a final line (default true). */
        public Builder logProgress(boolean logProgress) {
            this.logProgress = logProgress;
            return this;
        }

        public DatasetProducer build() {
            if (bootstrapServers == null || topic == null || data == null || format == null) {
                throw new IllegalStateException("bootstrapServers, topic, data and format are required");
            }
            if (data.size() == 0) {
                throw new IllegalStateException("the data set is empty");
            }
            return new DatasetProducer(this);
        }
    }
}
