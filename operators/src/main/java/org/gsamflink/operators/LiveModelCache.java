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

    /** A model's live ND4J network, its optimizer, and the in-memory copy of its keyed state. */
    static final class LiveModel {
        final Model network;
        final Gsam gsam;
        final ModelState state;
        final DataType dataType;
        /** Whether {@link #state} or the optimizer changed since the model was last written back. */
        boolean dirty;

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
        Gsam gsam = new Gsam(network, spec.gsamConfig());
        ModelState state;
        if (stored == null) {
            state = new ModelState();
            state.architectureFingerprint = spec.architectureFingerprint();
            if (warmStart != null) {
                warmStart.restore(key, network, gsam, state);
            }
        } else {
            if (stored.architectureFingerprint != null
                    && !stored.architectureFingerprint.equals(spec.architectureFingerprint())) {
                throw new IllegalStateException("the state of model '" + key + "' was trained with another network "
                        + "architecture than the configured one; start it under a new model id or restore a matching "
                        + "configuration");
            }
            state = stored.copy();
            if (state.optimizerState != null) {
                gsam.restoreState(GsamState.decode(state.optimizerState));
            }
        }
        m = new LiveModel(network, gsam, state);
        evictIfFull();
        live.put(key, m);
        return m;
    }

    /** The keys of the live models. */
    Set<String> keys() {
        return live.keySet();
    }

    /** Writes a live model into keyed state under the current key, if it changed. */
    void writeBack(LiveModel m) throws Exception {
        if (m.dirty) {
            m.state.optimizerState = m.gsam.exportState();
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
