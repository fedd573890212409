package org.gsamflink.cli;

import picocli.CommandLine.Option;

/**
 * What a dataset producer writes, shared by {@code produce} and {@code demo} (a picocli mixin). Each command
 * creates it with its own defaults, which the help shows.
 */
public final class ProducerOptions {

    @Option(names = "--format", paramLabel = "binary|json|csv",
            description = "Record format on the topic (default: ${DEFAULT-VALUE}; binary: one minibatch per record).")
    String format;

    @Option(names = "--model-id", paramLabel = "ID",
            description = "The model id written into json and binary records (default: ${DEFAULT-VALUE}).")
    String modelId;

    @Option(names = "--batch-size", paramLabel = "N",
            description = "Examples per binary record and per training step of the demo (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--rate", paramLabel = "N",
            description = "At most N examples per second (default: ${DEFAULT-VALUE}, as fast as they are taken).")
    double rate;

    ProducerOptions(String format, String modelId, int batchSize) {
        this.format = format;
        this.modelId = modelId;
        this.batchSize = batchSize;
    }

    /** picocli's constructor for the annotation model; the commands use the other one. */
    ProducerOptions() {
        this("json", "default", 64);
    }

    public String format() {
        return format;
    }

    public String modelId() {
        return modelId;
    }

    public int batchSize() {
        return batchSize;
    }

    public double rate() {
        return rate;
    }
}
