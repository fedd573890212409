package org.gsamflink.operators;

import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.operators.KeyContext;
import org.deeplearning4j.nn.api.Model;
import org.gsamflink.optimizer.Gsam;
import org.gsamflink.optimizer.GsamState;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bounded LRU cache of live ND4J networks of {@link GsamTrainingOperator}, in front of the models' keyed state.
 *
 * <p>State it owns: the keyed {@link ModelState} ({@code gsam-model} in {@link TrainingStateDescriptors}), the
 * source of truth, and in memory at most {@link TrainingOptions#maxLiveModels()} {@link LiveModel}s (network,
 * optimizer and the working copy of the state). A live model is written back to keyed state when it is evicted
 * (least recently used first) and at every checkpoint ({@link #writeBackAll()}), so a restored job continues
 * exactly where the checkpoint was. A model without state starts fresh, or from the warm-start store when the
 * options set one. Operator-wide metrics: counter {@code evictions}, gauge {@code liveModels}.
 *
 * <p>Lifecycle: created in the operator's {@code open()}; {@link #get} per minibatch (under the key being trained);
 * {@link #close()} in the operator's {@code close()} releases the networks' optimizers. Not thread-safe.
 */
final class LiveModelCache {

    /** The operator's logger: its lines are the operator's. */
    private static final Logger LOG = LoggerFactory.getLogger(GsamTrainingOperator.class);

    /** A model's live ND4J network, its optimizer, and the in-memory copy of its keyed state. */
    static final class LiveModel {
        final Model network;
        /** Replaced (same network, same state) when its schedules restart: {@link #rewarm}. */
        Gsam gsam;
        final ModelState state;
        final DataType dataType;
        /** Whether {@link #state} or the optimizer changed since the model was last written back. */
        boolean dirty;
        /**
         * The last good whole optimizer state ({@code GsamState} bytes, finite): as loaded, as last written back, or
         * as at the last snapshot. {@link #rollBack} returns to it. The same array as {@code state.optimizerState}
         * after a load or write-back, so it costs no memory of its own then.
         */
        byte[] lastGood;
        /** The input statistics at {@link #lastGood} (a copy; null without standardization). */
        FeatureStandardizer lastGoodStandardizer;
        /** Set when the loaded state was not finite and the weights were re-initialised: the operator alerts once. */
        String resetDetail;

        LiveModel(Model network, Gsam gsam, ModelState state) {
            this.network = network;
            this.gsam = gsam;
            this.state = state;
            this.dataType = network.params().dataType();
        }
    }

    private final ValueState<ModelState> modelState;
    private final KeyContext keys;
    private final int maxLiveModels;
    private final WarmStart.Loader warmStart;
    private final StoreNumbering numbering;
    private final LinkedHashMap<String, LiveModel> live = new LinkedHashMap<>(16, 0.75f, true);
    private final Counter evictions;

    /**
     * @param keys the operator, to write back an evicted model under its own key
     * @param metrics the operator's metric group, where {@code evictions} and {@code liveModels} are registered
     */
    LiveModelCache(RuntimeContext state, KeyContext keys, TrainingOptions options, MetricGroup metrics) {
        this.modelState = state.getState(TrainingStateDescriptors.model());
        this.keys = keys;
        this.maxLiveModels = options.maxLiveModels();
        this.warmStart = options.warmStart() == null ? null : options.warmStart().loader();
        this.numbering = options.snapshotStoreRoot() == null ? null : new StoreNumbering(options.snapshotStoreRoot());
        this.evictions = metrics.counter("evictions");
        metrics.gauge("liveModels", live::size);
    }

    /**
     * The live model of {@code key}, which must be the current key: cached, loaded from keyed state, or created
     * (and warm-started) on its first record. Loading may evict the least recently used model.
     *
     * @throws IllegalStateException if the stored state belongs to another architecture than {@code spec}'s
     */
    LiveModel get(String key, ModelSpec spec) throws Exception {
        LiveModel m = live.get(key);
        if (m != null) {
            return m;
        }
        ModelState stored = modelState.value();
        Model network = spec.newNetwork();
        Gsam gsam = new Gsam(network, configFor(spec, stored == null ? 0 : stored.scheduleOffset));
        ModelState state;
        boolean described = false;
        if (stored == null) {
            state = new ModelState();
            if (warmStart != null) {
                warmStart.restore(key, network, gsam, state);
            }
            if (numbering != null) {
                state.versionOffset = numbering.offsetFor(key, gsam.stepCount());
            }
        } else {
            NetworkLayout.Difference misfit = RestoreCompatibility.problem(stored, spec);
            if (misfit != null) {
                throw RestoreCompatibility.incompatible(key, misfit);
            }
            state = stored.copy();
            if (state.optimizerState != null) {
                gsam.restoreState(GsamState.decode(state.optimizerState));
            }
            String changes = ModelSettings.changes(stored.settings, spec.settings());
            if (changes != null) {
                LOG.info("Model {}: restored at step {} with changed settings, in effect from the next step: {}",
                        key, gsam.stepCount(), changes);
            }
            described = spec.settings().equals(stored.settings)
                    && spec.architectureFingerprint().equals(stored.architectureFingerprint);
        }
        // The state now belongs to this layout and these settings; written back with the next checkpoint.
        state.architectureFingerprint = spec.architectureFingerprint();
        state.settings = spec.settings();
        boolean standardizerChanged = reconcileStandardizer(key, spec, state, stored != null, gsam.stepCount());
        m = new LiveModel(network, gsam, state);
        m.dirty = stored != null && (!described || standardizerChanged);
        String problem = Finiteness.problem(network);
        if (problem != null) {
            // Broken state from a checkpoint (written before these checks existed): there is nothing good to go back
            // to, so the weights start afresh; the counters continue, so store versions never repeat.
            reinitialise(spec, m);
            m.resetDetail = problem + " in the restored state at step " + gsam.stepCount()
                    + "; re-initialised the weights and the updater state, the step counter continues";
            m.dirty = true;
        }
        // The loaded bytes are the whole state already; a new (or warm-started, or reset) model exports it once.
        m.lastGood = stored != null && state.optimizerState != null && problem == null
                ? state.optimizerState : gsam.exportState();
        m.lastGoodStandardizer = copyOf(state.standardizer);
        evictIfFull();
        live.put(key, m);
        return m;
    }

    /** Whether the current key has a model in keyed state. */
    boolean hasStoredState() throws Exception {
        return modelState.value() != null;
    }

    /** The live model of {@code key} without loading it (it counts as a use); null when not live. */
    LiveModel peek(String key) {
        return live.get(key);
    }

    /** Whether {@code key}'s model is live. */
    boolean contains(String key) {
        return live.containsKey(key);
    }

    /**
     * Returns {@code m} to its {@link LiveModel#lastGood last good state}: parameters, updater state, step counter,
     * schedulers. The model's {@link ModelState} bookkeeping (examples seen, metric windows) is left as it is.
     *
     * @return the step counter now
     */
    long rollBack(LiveModel m) {
        m.gsam.restoreState(GsamState.decode(m.lastGood));
        m.state.standardizer = copyOf(m.lastGoodStandardizer);
        m.dirty = true;
        return m.gsam.stepCount();
    }

    /**
     * Restarts {@code m}'s lr and ρ schedules at its current step ({@link DriftReaction#REWARM}): the optimizer is
     * rebuilt on the same network with the restarted configuration and goes on from its exported state, so only
     * what the schedules see changes. The restart step goes into the model's state (and so survives restores).
     */
    void rewarm(LiveModel m, ModelSpec spec) {
        byte[] state = m.gsam.exportState();
        m.state.scheduleOffset = m.gsam.stepCount();
        m.gsam.close();
        m.gsam = new Gsam(m.network, configFor(spec, m.state.scheduleOffset));
        m.gsam.restoreState(GsamState.decode(state));
        m.dirty = true;
    }

    /** Zeroes {@code m}'s updater state ({@link DriftReaction#RESET}); a stateless updater (SGD) has none. */
    void resetUpdater(LiveModel m) {
        zeroUpdaterState(m.network);
        m.dirty = true;
    }

    private static org.gsamflink.optimizer.GsamConfig configFor(ModelSpec spec, long scheduleOffset) {
        return scheduleOffset == 0 ? spec.gsamConfig() : spec.gsamConfig().withSchedulesRestartedAt(scheduleOffset);
    }

    /** Makes {@code m}'s current (checked, finite) state its last good one; e.g. at a snapshot. */
    void markGood(LiveModel m) {
        m.lastGood = m.gsam.exportState();
        m.lastGoodStandardizer = copyOf(m.state.standardizer);
    }

    private static FeatureStandardizer copyOf(FeatureStandardizer s) {
        return s == null ? null : s.copy();
    }

    /**
     * Gives {@code state} the standardizer {@code spec} asks for: new empty statistics when it standardizes and the
     * state has none (a new model, or state from before standardization, or from a job without it), the configured
     * clip on kept statistics, and none when it does not standardize. Whether the state changed.
     */
    private static boolean reconcileStandardizer(String key, ModelSpec spec, ModelState state, boolean restored,
                                                 long step) {
        if (!spec.standardize()) {
            if (state.standardizer == null) {
                return false;
            }
            LOG.info("Model {}: model.standardize is off; its input statistics of {} examples are dropped at step {}",
                    key, state.standardizer.count(), step);
            state.standardizer = null;
            return true;
        }
        if (state.standardizer == null || state.standardizer.features() != spec.numFeatures()) {
            if (restored || step > 0) {
                LOG.info("Model {}: restored without input statistics; standardizing from step {} on", key, step);
            }
            state.standardizer = spec.newStandardizer();
            return true;
        }
        boolean clipChanged = state.standardizer.clip() != spec.standardizeClip();
        state.standardizer.setClip(spec.standardizeClip());
        return clipChanged;
    }

    private static void reinitialise(ModelSpec spec, LiveModel m) {
        Model fresh = spec.newNetwork();
        m.network.params().assign(fresh.params());
        zeroUpdaterState(m.network);
    }

    private static void zeroUpdaterState(Model network) {
        org.nd4j.linalg.api.ndarray.INDArray updater = Finiteness.updaterState(network);
        if (updater != null) {
            updater.assign(0);
        }
    }

    /** The keys of the live models. */
    Set<String> keys() {
        return live.keySet();
    }

    /** Writes a live model into keyed state under the current key, if it changed. */
    void writeBack(LiveModel m) throws Exception {
        if (m.dirty) {
            m.state.optimizerState = m.gsam.exportState();
            m.lastGood = m.state.optimizerState;
            m.lastGoodStandardizer = copyOf(m.state.standardizer);
            // A copy: the live object keeps changing, the state object must not.
            modelState.update(m.state.copy());
            m.dirty = false;
        }
    }

    /** Writes every changed live model back under its key (at a checkpoint), then restores the current key. */
    void writeBackAll() throws Exception {
        Object current = keys.getCurrentKey();
        try {
            for (Map.Entry<String, LiveModel> e : live.entrySet()) {
                if (e.getValue().dirty) {
                    keys.setCurrentKey(e.getKey());
                    writeBack(e.getValue());
                }
            }
        } finally {
            if (current != null) {
                keys.setCurrentKey(current);
            }
        }
    }

    private void evictIfFull() throws Exception {
        if (live.size() < maxLiveModels) {
            return;
        }
        Iterator<Map.Entry<String, LiveModel>> it = live.entrySet().iterator();
        Map.Entry<String, LiveModel> eldest = it.next();
        Object current = keys.getCurrentKey();
        keys.setCurrentKey(eldest.getKey());
        try {
            writeBack(eldest.getValue());
        } finally {
            keys.setCurrentKey(current);
        }
        eldest.getValue().gsam.close();
        it.remove();
        evictions.inc();
    }

    /** Releases every live model's optimizer and empties the cache; keyed state is left as it is. */
    void close() {
        for (LiveModel m : live.values()) {
            m.gsam.close();
        }
        live.clear();
    }
}
