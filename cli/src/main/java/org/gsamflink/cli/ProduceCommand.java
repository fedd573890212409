package org.gsamflink.cli;

import org.gsamflink.cli.common.LoggingMixin;
import org.gsamflink.cli.common.ExitCodes;
import org.gsamflink.pipeline.InvalidInputException;
import org.gsamflink.cli.data.DataLoader;
import org.gsamflink.cli.data.IdxReader;
import org.gsamflink.cli.data.LabeledData;
import org.gsamflink.pipeline.format.RecordFormat;
import org.gsamflink.modelstore.ModelIds;
import org.gsamflink.cli.stream.DatasetProducer;
import org.apache.logging.log4j.Level;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code gsam-flink produce}: streams a dataset into a Kafka topic in one of the job's record formats. */
@Command(name = "produce", mixinStandardHelpOptions = true, sortOptions = false,
        versionProvider = GsamFlinkCli.Version.class,
        header = "Stream a dataset (IDX directory or CSV file) into a Kafka topic.",
        description = "Encodes each example (json, csv) or each minibatch (binary) in the job's record formats.")
public final class ProduceCommand implements Callable<Integer> {

    @Mixin
    LoggingMixin logging;

    @Option(names = "--file", required = true, paramLabel = "PATH",
            description = "An IDX directory (e.g. /usr/share/datasets/fashion-mnist) or a CSV file (features…, label).")
    Path file;

    @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "Target topic.")
    String topic;

    @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT[,…]", description = "Kafka brokers.")
    String bootstrapServers;

    @Mixin
    ProducerOptions producer = new ProducerOptions("json", "default", 64);

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "Only the first N examples.")
    int limit;

    @Option(names = "--loop", description = "Start over at the end, until interrupted.")
    boolean loop;

    @Option(names = "--split", paramLabel = "train|test", defaultValue = "train",
            description = "Which IDX files of a directory (default: ${DEFAULT-VALUE}).")
    String split;

    @Override
    public Integer call() {
        logging.quiet(Level.WARN, false);
        try {
            ModelIds.validate(producer.modelId());
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("--model-id: " + e.getMessage());
        }
        if (producer.batchSize() <= 0 || producer.rate() < 0 || limit < 0) {
            throw new InvalidInputException("--batch-size must be > 0, --rate and --limit >= 0");
        }
        LabeledData data = DataLoader.builder().build().load("--file", List.of(file),
                split.equalsIgnoreCase("test") ? IdxReader.Split.TEST : IdxReader.Split.TRAIN);
        if (limit > 0 && limit < data.size()) {
            data = data.limit(limit);
        }
        RecordFormat encoder;
        try {
            encoder = RecordFormat.create(producer.format(), producer.modelId(), DatasetProducer.limitsFor(data), ',', -1);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("--format: " + e.getMessage());
        }
        DatasetProducer.builder()
                .bootstrapServers(bootstrapServers).topic(topic).data(data).format(encoder)
                .modelId(producer.modelId()).batchSize(producer.batchSize()).rate(producer.rate()).passes(loop ? 0 : 1)
                .build().run();
        return ExitCodes.OK;
    }
}
