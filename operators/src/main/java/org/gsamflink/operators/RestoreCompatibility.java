package org.gsamflink.operators;

import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.gsamflink.optimizer.GsamState;
import org.slf4j.Logger;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Whether a model's saved state fits the configured network, decided by meaning: the saved {@link NetworkLayout}
 * against the spec's. Settings (learning rate, α, momentum, weight decay, …) are free to change; a different
 * layout is refused. {@link #checkAll} runs over every restored model when the training operator opens, so an
 * incompatible configuration fails the job once, at start, naming the models and the configuration keys, instead of
 * failing in the first record of each model and restarting forever.
 *
 * <p>State of release 0.1.0 holds a hash of the whole configuration instead of a layout: it fits when the hash is
 * the configured network's, or else when its parameter vector and updater state have the configured lengths (the
 * only facts it keeps about its layout).
 */
final class RestoreCompatibility {

    /** How many model ids a message names. */
    private static final int MAX_NAMED = 5;

    private RestoreCompatibility() {}

    /** How {@code spec}'s network differs from the layout {@code saved} was written for; null when it fits. */
    static NetworkLayout.Difference problem(ModelState saved, ModelSpec spec) {
        String fingerprint = saved.architectureFingerprint;
        NetworkLayout configured = spec.layout();
        if (NetworkLayout.isLayout(fingerprint)) {
            return NetworkLayout.parse(fingerprint).differenceTo(configured);
        }
        if (spec.legacyFingerprint().equals(fingerprint) || saved.optimizerState == null) {
            return null;
        }
        GsamState state = GsamState.decode(saved.optimizerState);
        List<String> keys = new ArrayList<>();
        if (state.numParams() != configured.numParams()) {
            keys.add(NetworkLayout.KEY_ARCHITECTURE);
        }
        if (state.updaterStateLength() != configured.updaterStateLength()) {
            keys.add(NetworkLayout.KEY_UPDATER);
        }
        if (keys.isEmpty()) {
            return null;
        }
        return new NetworkLayout.Difference("the saved state (written by release 0.1.0) has " + state.numParams()
                + " parameters and " + state.updaterStateLength() + " updater state values, the configured network "
                + configured.numParams() + " and " + configured.updaterStateLength(), keys);
    }

    /**
     * Checks the saved state of every model of this subtask against its spec.
     *
     * @return how many models were checked
     * @throws SuppressRestartsException with an {@link IncompatibleStateException} naming the models that do not fit
     */
    static <K> int checkAll(KeyedStateBackend<K> backend, ModelSpecResolver specs, Logger log) throws Exception {
        Map<String, NetworkLayout.Difference> misfits = new LinkedHashMap<>();
        int[] checked = {0};
        backend.applyToAllKeys(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, TrainingStateDescriptors.model(),
                (K key, ValueState<ModelState> state) -> {
                    ModelSpec spec;
                    try {
                        spec = specs.specFor(key.toString());
                    } catch (IllegalArgumentException noSpec) {
                        log.warn("Model {} has saved state but no configured spec; its state is kept, untouched", key);
                        return;
                    }
                    checked[0]++;
                    NetworkLayout.Difference d = problem(state.value(), spec);
                    if (d != null) {
                        misfits.put(key.toString(), d);
                    }
                });
        if (!misfits.isEmpty()) {
            throw new SuppressRestartsException(new IncompatibleStateException(message(misfits)));
        }
        return checked[0];
    }

    /** The failure for one model, met when it is loaded (a spec resolved differently after the start check). */
    static SuppressRestartsException incompatible(String key, NetworkLayout.Difference d) {
        return new SuppressRestartsException(new IncompatibleStateException(message(Map.of(key, d))));
    }

    static String message(Map<String, NetworkLayout.Difference> misfits) {
        TreeSet<String> keys = new TreeSet<>();
        misfits.values().forEach(d -> keys.addAll(d.keys()));
        List<String> ids = new ArrayList<>(new TreeSet<>(misfits.keySet()));
        String named = "'" + String.join("', '", ids.subList(0, Math.min(MAX_NAMED, ids.size()))) + "'"
                + (ids.size() > MAX_NAMED ? " and " + (ids.size() - MAX_NAMED) + " more" : "");
        NetworkLayout.Difference first = misfits.get(ids.get(0));
        return "The saved state of model" + (ids.size() == 1 ? " " : "s ") + named + " does not fit the configured "
                + "network (" + String.join(", ", keys) + " changed): " + (ids.size() == 1 ? "" : ids.get(0) + ": ")
                + first.detail() + ". Restore with the configuration the state was written with, train under new "
                + "model ids, or start without this state (gsam-flink run --fresh). Settings such as the learning "
                + "rate, alpha, rho, momentum and weight decay may change across a restore; layer types and sizes, "
                + "model.dtype and the updater type may not.";
    }
}
