package org.gsamflink.operators.serve;

import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.gsamflink.modelstore.CorruptVersionException;
import org.gsamflink.modelstore.ModelIds;
import org.gsamflink.modelstore.ModelStore;
import org.gsamflink.modelstore.ModelVersion;
import org.gsamflink.modelstore.NoSuchVersionException;
import org.gsamflink.operators.FeatureStandardizer;
import org.gsamflink.operators.NetworkShape;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Keeps the newest committed version of each model this subtask serves loaded, off the record path: a daemon
 * thread reads the store's {@code LATEST} pointers every poll interval, restores a newer version's network, puts it
 * through the {@link VersionGate} and publishes it with one atomic map write, so that the task thread switches
 * between two records ({@link #current}) and never waits for a load. Only committed versions exist in the store
 * (the training job's sink publishes at checkpoint completion), so only committed versions are ever served.
 * Versions never go backwards: a pointer older than the served version is ignored.
 *
 * <p>{@link #start()} loads every model the subtask owns before the first record (so a restarted job serves the
 * newest committed version at once); failures to read the store are logged and retried at the next poll, while the
 * loaded versions go on serving. Not serializable: one per operator instance.
 */
final class ModelWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelWatcher.class);

    /** A version the gate refused, for the operator to report as an alert. */
    record Refusal(String modelId, long version, long servingVersion, String reason, long atMs) {}

    private final ServingOptions options;
    private final Predicate<String> owned;
    private final LongSupplier clock;
    private final Map<String, ServedModel> served = new ConcurrentHashMap<>();
    /** The newest version looked at per model (served or refused), so a refused one is judged once. */
    private final Map<String, Long> seen = new ConcurrentHashMap<>();
    /** When the task thread last looked up a model that had no version (task thread only). */
    private final Map<String, Long> lastLookup = new java.util.HashMap<>();
    private final ConcurrentLinkedQueue<Refusal> refusals = new ConcurrentLinkedQueue<>();
    private final AtomicLong swaps = new AtomicLong();
    /** Commit → served of the latest swap (ms), -1 before the first. */
    private volatile long lastSwapDelayMs = -1;
    private ModelStore store;
    private ScheduledExecutorService poller;
    private volatile String lastProblem;

    /**
     * @param owned which model ids this subtask serves (its key groups), besides {@link ServingOptions#serves}
     */
    ModelWatcher(ServingOptions options, Predicate<String> owned, LongSupplier clock) {
        this.options = options;
        this.owned = owned;
        this.clock = clock;
    }

    /** Loads what the store has now, then polls in the background. */
    void start(String threadName) {
        open();
        poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        poller.scheduleWithFixedDelay(this::poll, options.pollIntervalMs(), options.pollIntervalMs(),
                TimeUnit.MILLISECONDS);
    }

    /** Opens the store and loads what it has now, without polling afterwards (tests poll by hand). */
    void open() {
        store = ModelStore.builder().root(options.storeRoot()).build();
        poll();
    }

    /** The version being served for a model, or null when it has none yet. */
    ServedModel current(String modelId) {
        return served.get(modelId);
    }

    /**
     * As {@link #current}, but a model without a loaded version is looked up in the store at once (at most once per
     * poll interval per id), so that the first requests after a model's first commit are answered instead of
     * waiting for the next poll. Only then does the task thread load a version itself: there is nothing to serve
     * that model with in the meantime.
     */
    ServedModel currentOrLoad(String modelId) {
        ServedModel m = served.get(modelId);
        if (m != null || !ModelIds.isValid(modelId) || !options.serves(modelId) || !owned.test(modelId)) {
            return m;
        }
        long now = clock.getAsLong();
        Long last = lastLookup.get(modelId);
        if (last != null && now - last < options.pollIntervalMs()) {
            return null;
        }
        lastLookup.put(modelId, now);
        synchronized (this) {
            try {
                OptionalLong latest = store.latest(modelId);
                if (served.get(modelId) == null && latest.isPresent()
                        && latest.getAsLong() > seen.getOrDefault(modelId, Long.MIN_VALUE)) {
                    loadOrSkip(modelId, latest.getAsLong());
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("Model {}: lookup in the store failed ({}); next poll", modelId, e.toString());
            }
        }
        return served.get(modelId);
    }

    int servedModels() {
        return served.size();
    }

    /** The gate's refusals since the last call, oldest first. */
    List<Refusal> drainRefusals() {
        if (refusals.isEmpty()) {   // the common case, on every record: nothing allocated
            return List.of();
        }
        List<Refusal> out = new ArrayList<>();
        for (Refusal r = refusals.poll(); r != null; r = refusals.poll()) {
            out.add(r);
        }
        return out;
    }

    long swaps() {
        return swaps.get();
    }

    long lastSwapDelayMs() {
        return lastSwapDelayMs;
    }

    /** One look at the store: every owned model whose {@code LATEST} moved past what was seen is loaded. */
    synchronized void poll() {
        try {
            for (String id : store.listModels()) {
                if (ModelIds.isValid(id) && options.serves(id) && owned.test(id)) {
                    OptionalLong latest = store.latest(id);
                    if (latest.isPresent() && latest.getAsLong() > seen.getOrDefault(id, Long.MIN_VALUE)) {
                        loadOrSkip(id, latest.getAsLong());
                    }
                }
            }
            if (lastProblem != null) {
                LOG.info("Model store {} readable again", options.storeRoot());
                lastProblem = null;
            }
        } catch (IOException | RuntimeException e) {
            String problem = e.getClass().getSimpleName() + ": " + e.getMessage();
            if (!problem.equals(lastProblem)) {   // once per distinct problem, not once per poll
                LOG.warn("Cannot read model store {} ({}); serving the loaded versions and retrying every {} ms",
                        options.storeRoot(), problem, options.pollIntervalMs());
                lastProblem = problem;
            }
        }
    }

    /** Loads a version; one that cannot be served (corrupt, not a network this operator can run) is skipped. */
    private void loadOrSkip(String id, long version) throws IOException {
        try {
            load(id, version);
        } catch (CorruptVersionException | UnservableVersionException e) {
            seen.put(id, version);
            LOG.error("Model {}: version {} cannot be served and is skipped ({}); the served version stays", id,
                    version, e.getMessage());
        } catch (NoSuchVersionException e) {
            LOG.debug("Model {}: version {} went away while it was read; next poll", id, version);
        }
    }

    /** A committed version whose network this operator cannot run. */
    static final class UnservableVersionException extends IOException {
        UnservableVersionException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private void load(String id, long version) throws IOException {
        long started = System.nanoTime();
        ModelVersion mv = store.read(id, version);
        MultiLayerNetwork network;
        FeatureStandardizer standardizer;
        try {
            network = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(mv.modelBytes()), false);
            standardizer = FeatureStandardizer.from(mv.modelBytes()).orElse(null);
        } catch (IOException | RuntimeException e) {
            throw new UnservableVersionException("not a DL4J MultiLayerNetwork: " + e.getMessage(), e);
        }
        int in = NetworkShape.inputSize(network).orElseThrow(() -> new UnservableVersionException(
                "cannot tell the network's input size", null));
        if (standardizer != null && standardizer.features() != in) {
            throw new UnservableVersionException("its input statistics have " + standardizer.features()
                    + " features but the network takes " + in, null);
        }
        int out = NetworkShape.outputSize(network).orElseThrow(() -> new UnservableVersionException(
                "the last layer is not an output layer", null));
        Object acc = mv.metadata().metrics().get("accuracy");
        double accuracy = acc instanceof Number n ? n.doubleValue() : Double.NaN;
        ServedModel previous = served.get(id);
        seen.put(id, version);
        String refusal = options.gate().refusal(previous, accuracy);
        if (refusal != null) {
            LOG.warn("Model {}: not serving version {}: {}; version {} stays", id, version, refusal,
                    previous.version());
            refusals.add(new Refusal(id, version, previous.version(), refusal, clock.getAsLong()));
            return;
        }
        long committed = committedAt(id, version);
        ServedModel next = new ServedModel(id, version, network, standardizer, in, out, accuracy, committed,
                clock.getAsLong());
        served.put(id, next);   // the swap: the task thread's next lookup sees the new version
        swaps.incrementAndGet();
        if (committed > 0) {
            lastSwapDelayMs = Math.max(0, next.loadedAtMs() - committed);
        }
        LOG.info("Model {}: serving version {}{} (committed {} ms before, loaded in {} ms)", id, version,
                previous == null ? "" : " instead of " + previous.version(),
                committed > 0 ? Math.max(0, next.loadedAtMs() - committed) : "?",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    /** The modification time of the version's commit marker; 0 when the file system cannot tell. */
    private long committedAt(String id, long version) {
        try {
            Path marker = new Path(store.versionPath(id, version), ModelStore.COMPLETE_MARKER);
            FileStatus status = marker.getFileSystem().getFileStatus(marker);
            return status.getModificationTime();
        } catch (IOException e) {
            return 0;
        }
    }

    @Override
    public void close() {
        if (poller != null) {
            poller.shutdownNow();
        }
    }
}
