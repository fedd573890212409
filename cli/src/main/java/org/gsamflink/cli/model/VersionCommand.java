package org.gsamflink.cli.model;

import org.gsamflink.modelstore.ModelStore;
import org.gsamflink.modelstore.ModelVersion;
import org.gsamflink.pipeline.InvalidInputException;
import picocli.CommandLine.Option;

import java.io.IOException;

/** A {@code gsam-flink model} subcommand that works on one version of one model: {@code --model}, {@code --version}. */
abstract class VersionCommand extends StoreCommand {

    @Option(names = "--model", required = true, paramLabel = "ID",
            description = "The model id (letters, digits, '.', '_' and '-').")
    String modelId;

    @Option(names = "--version", paramLabel = "V",
            description = "The version to use (default: the latest).")
    Long version;

    /** Opens the store and reads the selected version. */
    ModelVersion readSelected() throws IOException {
        validId(modelId);
        if (version != null && version < 0) {
            throw new InvalidInputException("--version must be >= 0, got " + version);
        }
        ModelStore store = openStore();
        return readVersion(store, modelId, version);
    }
}
