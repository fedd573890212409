package org.gsamflink.pipeline.cli;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.gsamflink.operators.TrainingRecord;
import org.gsamflink.pipeline.InvalidInputException;
import org.gsamflink.pipeline.data.DataLoader;
import org.gsamflink.pipeline.data.IdxReader;
import org.gsamflink.pipeline.data.LabeledData;
import org.gsamflink.pipeline.format.RecordFormat;
import org.gsamflink.pipeline.format.RecordLimits;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;

/** {@code gsam-flink produce}: streams a dataset into a Kafka topic in one of the job's record formats. */
@Command(name = "produce", mixinStandardHelpOptions = true, sortOptions = false,
        versionProvider = GsamFlinkCli.Version.class,
        header = "Stream a dataset (IDX directory or CSV file) into a Kafka topic.",
        description = "Encodes each example (json, csv) or each minibatch (binary) in the job's record formats.")
public final class ProduceCommand implements Callable<Integer> {

    private static final Logger LOG = LogManager.getLogger(ProduceCommand.class);

    @Mixin
    LoggingMixin logging;

    @Option(names = "--file", required = true, paramLabel = "PATH",
            description = "An IDX directory (e.g. /usr/share/datasets/fashion-mnist) or a CSV file (features…, label).")
    Path file;

    @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "Target topic.")
    String topic;

    @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT[,…]", description = "Kafka brokers.")
    String bootstrapServers;

    @Option(names = "--format", paramLabel = "csv|json|binary", defaultValue = "json",
            description = "Record format (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--model-id", paramLabel = "ID", defaultValue = "default",
            description = "Model id written into json and binary records (default: ${DEFAULT-VALUE}).")
    String modelId;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "64",
            description = "Examples per record with --format binary (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--rate", paramLabel = "N", defaultValue = "0",
            description = "At most N examples per second (0, the default: as fast as possible).")
    double rate;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "Only the first N examples.")
    int limit;

    @Option(names = "--loop", description = "Start over at the end, until interrupted.")
    boolean loop;

    @Option(names = "--split", paramLabel = "train|test", defaultValue = "train",
            description = "Which IDX files of a directory (default: ${DEFAULT-VALUE}).")
    String split;

    @Override
    public Integer call() {
        if (!RecordLimits.isValidModelId(modelId)) {
            throw new InvalidInputException("--model-id '" + modelId + "' must match [A-Za-z0-9._-]{1,128}");
        }
        if (batchSize <= 0 || rate < 0 || limit < 0) {
            throw new InvalidInputException("--batch-size must be > 0, --rate and --limit >= 0");
        }
        LabeledData data = DataLoader.builder().build().load("--file", List.of(file),
                split.equalsIgnoreCase("test") ? IdxReader.Split.TEST : IdxReader.Split.TRAIN);
        if (limit > 0 && limit < data.size()) {
            data = data.limit(limit);
        }
        RecordLimits limits = new RecordLimits(data.numFeatures(), Math.max(2, data.numClasses()), Integer.MAX_VALUE);
        RecordFormat encoder;
        try {
            encoder = RecordFormat.create(format, modelId, limits, ',', -1);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("--format: " + e.getMessage());
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        long sent = 0;
        long started = System.nanoTime();
        long lastReport = started;
        int perRecord = encoder.name().equals("binary") ? batchSize : 1;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            do {
                for (int from = 0; from < data.size(); from += perRecord) {
                    int to = Math.min(data.size(), from + perRecord);
                    TrainingRecord r = slice(data, from, to);
                    producer.send(new ProducerRecord<>(topic, modelId.getBytes(StandardCharsets.UTF_8), encoder.encode(r)));
                    sent += to - from;
                    if (rate > 0) {
                        long due = started + (long) (sent / rate * 1e9);
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                    }
                    long now = System.nanoTime();
                    if (now - lastReport > 5_000_000_000L) {
                        LOG.info("produced {} examples to {} ({} examples/s)", sent, topic,
                                Math.round(sent / ((now - started) / 1e9)));
                        lastReport = now;
                    }
                }
            } while (loop);
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("produced {} examples to {} in {} s", sent, topic, String.format("%.1f", (System.nanoTime() - started) / 1e9));
        return ExitCodes.OK;
    }

    private TrainingRecord slice(LabeledData data, int from, int to) {
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
        return rows == 1 ? TrainingRecord.example(modelId, x, y[0])
                : TrainingRecord.minibatch(modelId, nf, x, y);
    }
}
