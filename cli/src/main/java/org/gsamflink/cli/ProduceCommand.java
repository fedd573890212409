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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code gsam-flink produce}: streams a dataset, or a generated drift stream, into a Kafka topic in one of the
 * job's record formats.
 */
@Command(name = "produce", mixinStandardHelpOptions = true, sortOptions = false,
        versionProvider = GsamFlinkCli.Version.class,
        header = "Stream a dataset (IDX directory or CSV file) or a drift stream (SEA, hyperplane) into a Kafka topic.",
        description = "Encodes each example (json, csv) or each minibatch (binary) in the job's record formats. "
                + "The data is --file or --generator: exactly one of them.")
public final class ProduceCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    LoggingMixin logging;

    @Option(names = "--file", paramLabel = "PATH",
            description = "An IDX directory (e.g. /usr/share/datasets/fashion-mnist) or a CSV file (features…, label).")
    Path file;

    @Mixin
    GeneratorOptions generator = new GeneratorOptions();

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
        LabeledData data = data();
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

    /** The examples to send: the file's (at most --limit) or the generator's. */
    LabeledData data() {
        if ((file == null) == (generator.kind() == null)) {
            throw new InvalidInputException(file == null
                    ? "no data: give --file PATH or --generator sea|hyperplane"
                    : "--file and --generator exclude each other: give one of them");
        }
        if (file == null) {
            for (String option : List.of("--limit", "--split")) {
                if (spec.commandLine().getParseResult().hasMatchedOption(option)) {
                    throw new InvalidInputException(option + " applies only to --file"
                            + (option.equals("--limit") ? "; a generator takes --examples" : ""));
                }
            }
            return generator.generate();
        }
        if (!generator.given().isEmpty()) {
            throw new InvalidInputException(generator.given().get(0) + " applies only to --generator, not --file");
        }
        LabeledData data = DataLoader.builder().build().load("--file", List.of(file),
                split.equalsIgnoreCase("test") ? IdxReader.Split.TEST : IdxReader.Split.TRAIN);
        return limit > 0 && limit < data.size() ? data.limit(limit) : data;
    }
}
