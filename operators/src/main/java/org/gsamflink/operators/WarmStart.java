package org.gsamflink.operators;

import org.deeplearning4j.nn.api.Model;
import org.gsamflink.modelstore.ModelIds;
import org.gsamflink.modelstore.ModelStore;
import org.gsamflink.modelstore.ModelVersion;
import org.gsamflink.modelstore.NoSuchVersionException;
import org.gsamflink.optimizer.Gsam;
import org.gsamflink.optimizer.GsamState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Serializable;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where a model that has no Flink state yet takes its starting point from: a version in a {@link ModelStore}, the
 * latest one ({@link #latest}) or a named one ({@link #version}). The store's optimizer state restores the
 * parameters, the updater state, the step counter and the schedulers, so training continues at the stored step.
 * Models whose id has no version in the store start fresh. Immutable and serializable.
 *
 * <pre>{@code
 * TrainingOptions.builder().warmStart(WarmStart.latest("s3://bucket/models")).build();
 * }</pre>
 *
 * <p>State: none. The settings are immutable; a {@link Loader} ({@link #loader()}, one per operator instance) opens
 * the store on first use, holds it, and restores a model's optimizer state and counters from a stored version.
 */
public final class WarmStart implements Serializable {

    private static final long serialVersionUID = 1L;
    /** The operator's log category: the warm-start log line keeps the category it always had. */
    private static final Logger LOG = LoggerFactory.getLogger(GsamTrainingOperator.class);

    private final String storeRoot;
    /** The version to start from, or -1 for the latest. */
    private final long version;

    private WarmStart(String storeRoot, long version) {
        Objects.requireNonNull(storeRoot, "storeRoot must not be null");
        if (storeRoot.isBlank()) {
            throw new IllegalArgumentException("storeRoot must not be blank");
        }
        this.storeRoot = storeRoot;
        this.version = version;
    }

    /** Start each model from its latest version in the store at {@code storeRoot}. */
    public static WarmStart latest(String storeRoot) {
        return new WarmStart(storeRoot, -1);
    }

    /** Start each model from {@code version} in the store at {@code storeRoot}; a model without it fails. */
    public static WarmStart version(String storeRoot, long version) {
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0 but was " + version);
        }
        return new WarmStart(storeRoot, version);
    }

    public String storeRoot() {
        return storeRoot;
    }

    /** The named version; empty for the latest. */
    public OptionalLong version() {
        return version < 0 ? OptionalLong.empty() : OptionalLong.of(version);
    }

    /** Opens the store (read-only use: retention settings do not matter). */
    ModelStore openStore() {
        return ModelStore.builder().root(storeRoot).build();
    }

    /** A new loader for these settings; it opens the store when it first needs it. */
    Loader loader() {
        return new Loader(this);
    }

    /**
     * Restores models from the warm-start store. Owns the opened {@link ModelStore} (opened lazily, on the first
     * model that has no Flink state). Not serializable and not thread-safe: one per operator instance, created in
     * {@code open()}.
     */
    static final class Loader {

        private final WarmStart settings;
        private ModelStore store;

        private Loader(WarmStart settings) {
            this.settings = settings;
        }

        /**
         * Starts a model that has no state from its version in the warm-start store, when the store has one:
         * restores parameters, updater state, step and schedulers into {@code gsam} (and so into {@code network}),
         * so the model continues at the stored step, and sets {@code state}'s last snapshot step and examples seen.
         * A model id without versions (or not valid as a store id) is left untouched.
         *
         * @throws IllegalStateException if the named version is missing or the version belongs to another
         *     architecture (another parameter count)
         */
        void restore(String key, Model network, Gsam gsam, ModelState state) throws IOException {
            WarmStart ws = settings;
            if (!ModelIds.isValid(key) || store().listVersions(key).isEmpty()) {
                return;
            }
            ModelVersion version;
            if (ws.version().isPresent()) {
                try {
                    version = store().read(key, ws.version().getAsLong());
                } catch (NoSuchVersionException e) {
                    throw new IllegalStateException("cannot warm-start model '" + key + "': " + ws + " names a "
                            + "version the store does not have (it has " + store().listVersions(key) + ")", e);
                }
            } else {
                Optional<ModelVersion> latest = store().readLatest(key);
                if (latest.isEmpty()) {
                    return;
                }
                version = latest.get();
            }
            GsamState restored = GsamState.decode(version.optimizerState());
            if (restored.numParams() != network.params().length()) {
                throw new IllegalStateException("cannot warm-start model '" + key + "' from " + ws + ": version "
                        + version.version() + " has " + restored.numParams() + " parameters but the configured "
                        + "network has " + network.params().length() + "; it belongs to another architecture");
            }
            // A version of an earlier release has the parameters in its optimizer state; newer ones in the model zip.
            gsam.restoreState(restored.withParametersFrom(version.modelBytes()));
            // A version trained with standardization carries its input statistics, which continue from there.
            state.standardizer = FeatureStandardizer.from(version.modelBytes()).orElse(null);
            state.lastSnapshotStep = gsam.stepCount();
            if (version.metadata().metrics().get("examplesSeen") instanceof Number n) {
                state.examplesSeen = n.longValue();
            }
            LOG.info("Model {}: warm-started from {} version {} at step {}", key, ws.storeRoot(), version.version(),
                    gsam.stepCount());
        }

        private ModelStore store() {
            if (store == null) {
                store = settings.openStore();
            }
            return store;
        }
    }

    @Override
    public String toString() {
        return "WarmStart{store=" + storeRoot + ", version=" + (version < 0 ? "latest" : Long.toString(version)) + '}';
    }
}
