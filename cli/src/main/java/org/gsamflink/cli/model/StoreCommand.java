package org.gsamflink.cli.model;

import org.apache.flink.core.fs.FileSystem;
import org.gsamflink.modelstore.CorruptVersionException;
import org.gsamflink.modelstore.ModelIds;
import org.gsamflink.modelstore.ModelStore;
import org.gsamflink.modelstore.ModelVersion;
import org.gsamflink.modelstore.NoSuchVersionException;
import org.gsamflink.pipeline.InvalidInputException;
import org.gsamflink.cli.common.LoggingMixin;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * What every {@code gsam-flink model} subcommand shares: {@code --store ROOT}, {@code --help}, {@code --verbose},
 * and turning the store's errors about what the user named (no such store, model or version, an invalid id, a
 * corrupt version) into one-line {@link InvalidInputException}s (exit code 2).
 */
abstract class StoreCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    LoggingMixin logging;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--store", required = true, paramLabel = "ROOT",
            description = "The model store root: a path or a URI (file:///models, s3://bucket/models, "
                    + "hdfs://nn/models).")
    String storeRoot;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** Opens the store; a root that cannot be opened or does not exist is invalid input. */
    ModelStore openStore() {
        ModelStore store;
        try {
            store = ModelStore.builder().root(storeRoot).build();
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("--store " + storeRoot + ": " + e.getMessage(), e);
        }
        boolean exists;
        try {
            FileSystem fs = store.root().getFileSystem();
            exists = fs.exists(store.root()) && fs.getFileStatus(store.root()).isDir();
        } catch (IOException e) {
            throw new InvalidInputException("--store " + storeRoot + ": cannot access the model store: "
                    + e.getMessage(), e);
        }
        if (!exists) {
            throw new InvalidInputException("--store " + storeRoot + ": model store does not exist (no directory "
                    + store.root() + ")");
        }
        return store;
    }

    /** Validates a model id; an invalid one is invalid input. */
    static String validId(String modelId) {
        try {
            return ModelIds.validate(modelId);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("--model: " + e.getMessage(), e);
        }
    }

    /**
     * The versions of a model, at least one.
     *
     * @throws InvalidInputException the store has no such model (the message names it and lists the models)
     */
    List<Long> versionsOf(ModelStore store, String modelId) throws IOException {
        List<Long> versions = store.listVersions(validId(modelId));
        if (versions.isEmpty()) {
            List<String> models = store.listModels();
            throw new InvalidInputException("model store " + storeRoot + " has no model '" + modelId + "' ("
                    + (models.isEmpty() ? "it holds no models" : "models: " + String.join(", ", models)) + ")");
        }
        return versions;
    }

    /** Reads a version ({@code null}: the latest), mapping missing and corrupt versions to invalid input. */
    ModelVersion readVersion(ModelStore store, String modelId, Long version) throws IOException {
        List<Long> versions = versionsOf(store, modelId);
        long v;
        if (version == null) {
            OptionalLong latest = store.latest(modelId);
            v = latest.isPresent() ? latest.getAsLong() : versions.get(versions.size() - 1);
        } else {
            if (!versions.contains(version)) {
                throw new InvalidInputException("model '" + modelId + "' has no version " + version
                        + " (versions: " + versions.stream().map(String::valueOf).collect(Collectors.joining(", "))
                        + ")");
            }
            v = version;
        }
        try {
            return store.read(modelId, v);
        } catch (NoSuchVersionException e) {
            throw new InvalidInputException("model '" + modelId + "': " + e.getMessage(), e);
        } catch (CorruptVersionException e) {
            throw new InvalidInputException("model '" + modelId + "' version " + v + " is corrupt: "
                    + e.getMessage(), e);
        }
    }
}
