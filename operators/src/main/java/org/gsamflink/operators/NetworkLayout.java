package org.gsamflink.operators;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The layout of a network's training state: what has to match for saved parameters and updater state to mean the
 * same thing in another network. That is the parameter type, each layer's type and parameter shapes (in order), and
 * the updater blocks: which parameter range each block covers, its updater's class and the length of its state.
 * Everything else in a DL4J configuration (learning rate, momentum, Adam's betas, weight decay, dropout,
 * activations, seeds) is a setting: it can change between a savepoint and its restore and applies from the next
 * step.
 *
 * <p>Why the updater blocks are part of it: DL4J lays out the flat updater state per block (all first moments of a
 * block, then all second moments), and it merges consecutive layers into one block when their updater settings are
 * equal. Giving one layer a different learning rate splits a block and reorders the flat state, so the same bytes
 * would be read as other moments; this layout sees that.
 *
 * <p>Encoded as text, one fact per line, so that a restore that does not fit can say what differs:
 * <pre>
 *   gsam-layout 1
 *   dtype FLOAT
 *   params 203530
 *   updater-state 203530
 *   layer 0 DenseLayer W 784x256 b 1x256
 *   updater 0-203530 Nesterovs 203530
 * </pre>
 * A {@link ModelState} keeps this text as its {@link ModelState#architectureFingerprint}. States written before
 * layouts existed (release 0.1.0) hold a SHA-256 of the whole configuration instead; {@link
 * RestoreCompatibility} checks those by their array lengths.
 */
final class NetworkLayout {

    static final String HEADER = "gsam-layout 1";
    static final String KEY_ARCHITECTURE = "model.architecture";
    static final String KEY_DTYPE = "model.dtype";
    static final String KEY_UPDATER = "model.updater";
    /** How many differing facts a message lists. */
    private static final int MAX_LISTED = 3;

    /** The facts by what they describe ({@code dtype}, {@code layer 0}, {@code updater 0-676}), in order. */
    private final LinkedHashMap<String, String> facts;

    private NetworkLayout(LinkedHashMap<String, String> facts) {
        this.facts = facts;
    }

    /** The layout of an initialised network. */
    static NetworkLayout of(Model network) {
        LinkedHashMap<String, String> facts = new LinkedHashMap<>();
        facts.put("dtype", network.params().dataType().name());
        facts.put("params", String.valueOf(network.params().length()));
        INDArray updaterState = Finiteness.updaterState(network);
        facts.put("updater-state", String.valueOf(updaterState == null ? 0 : updaterState.length()));
        Layer[] layers;
        Updater updater;
        if (network instanceof MultiLayerNetwork n) {
            layers = n.getLayers();
            updater = n.getUpdater();
        } else if (network instanceof ComputationGraph g) {
            layers = g.getLayers();
            updater = g.getUpdater();
        } else {
            throw new IllegalArgumentException("not a MultiLayerNetwork or ComputationGraph: " + network.getClass());
        }
        for (int i = 0; i < layers.length; i++) {
            Layer l = layers[i];
            String name = network instanceof ComputationGraph ? l.conf().getLayer().getLayerName() : String.valueOf(i);
            StringBuilder v = new StringBuilder(l.conf().getLayer().getClass().getSimpleName());
            for (Map.Entry<String, INDArray> p : l.paramTable().entrySet()) {
                v.append(' ').append(p.getKey()).append(' ').append(shape(p.getValue().shape()));
            }
            facts.put("layer " + name, v.toString());
        }
        if (updater instanceof BaseMultiLayerUpdater<?> u) {
            for (UpdaterBlock b : u.getUpdaterBlocks()) {
                UpdaterBlock.ParamState first = b.getLayersAndVariablesInBlock().get(0);
                String cls = first.getLayer().getConfig().getUpdaterByParam(first.getParamName()).getClass()
                        .getSimpleName();
                facts.put("updater " + b.getParamOffsetStart() + "-" + b.getParamOffsetEnd(),
                        cls + " " + (b.getUpdaterViewOffsetEnd() - b.getUpdaterViewOffsetStart()));
            }
        }
        return new NetworkLayout(facts);
    }

    private static String shape(long[] shape) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            s.append(i == 0 ? "" : "x").append(shape[i]);
        }
        return s.toString();
    }

    /** Whether {@code text} is an encoded layout (and not a release-0.1.0 configuration hash). */
    static boolean isLayout(String text) {
        return text != null && text.startsWith(HEADER + "\n");
    }

    /** Parses {@link #encode()}'s output. */
    static NetworkLayout parse(String text) {
        if (!isLayout(text)) {
            throw new IllegalArgumentException("not a network layout: " + text);
        }
        LinkedHashMap<String, String> facts = new LinkedHashMap<>();
        for (String line : text.substring(HEADER.length() + 1).split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            // "layer 0 DenseLayer …" and "updater 0-676 …": two words name the fact; "dtype FLOAT": one.
            int firstSpace = line.indexOf(' ');
            boolean twoWords = line.startsWith("layer ") || line.startsWith("updater ");
            int split = twoWords ? line.indexOf(' ', firstSpace + 1) : firstSpace;
            if (firstSpace < 0 || split < 0) {
                throw new IllegalArgumentException("not a network layout line: " + line);
            }
            facts.put(line.substring(0, split), line.substring(split + 1));
        }
        return new NetworkLayout(facts);
    }

    /** The length of the flat parameter vector. */
    long numParams() {
        return Long.parseLong(facts.get("params"));
    }

    /** The length of the flat updater state. */
    long updaterStateLength() {
        return Long.parseLong(facts.get("updater-state"));
    }

    String encode() {
        StringBuilder s = new StringBuilder(HEADER).append('\n');
        facts.forEach((what, value) -> s.append(what).append(' ').append(value).append('\n'));
        return s.toString();
    }

    /**
     * How the configured layout differs from this saved one, or null when state of this layout loads into it.
     * Updater blocks are compared only when the layers match: a changed layer moves them all.
     */
    Difference differenceTo(NetworkLayout configured) {
        List<String> layerDiffs = differing(configured, false);
        List<String> diffs = layerDiffs.isEmpty() ? differing(configured, true) : layerDiffs;
        if (diffs.isEmpty()) {
            return null;
        }
        TreeSet<String> keys = new TreeSet<>();
        for (String d : diffs) {
            keys.add(keyOf(d));
        }
        List<String> listed = diffs.subList(0, Math.min(MAX_LISTED, diffs.size()));
        String more = diffs.size() > MAX_LISTED ? "; and " + (diffs.size() - MAX_LISTED) + " more" : "";
        return new Difference(String.join("; ", listed) + more, List.copyOf(keys));
    }

    /** The configuration key that sets a fact. */
    static String keyOf(String fact) {
        return fact.startsWith("dtype") ? KEY_DTYPE : fact.startsWith("updater") ? KEY_UPDATER : KEY_ARCHITECTURE;
    }

    private List<String> differing(NetworkLayout configured, boolean updaters) {
        List<String> out = new ArrayList<>();
        LinkedHashMap<String, String> all = new LinkedHashMap<>(facts);
        configured.facts.forEach(all::putIfAbsent);
        for (String what : all.keySet()) {
            if (what.startsWith("updater") != updaters || what.equals("params")) {
                // The parameter count follows from the layers, which are listed.
                continue;
            }
            String saved = facts.get(what);
            String now = configured.facts.get(what);
            if (!Objects.equals(saved, now)) {
                out.add(what + ": " + (saved == null ? "none" : saved) + " in the saved state, "
                        + (now == null ? "none" : now) + " configured");
            }
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NetworkLayout l && facts.equals(l.facts);
    }

    @Override
    public int hashCode() {
        return facts.hashCode();
    }

    @Override
    public String toString() {
        return encode();
    }

    /** What differs, and the configuration keys that set it. */
    record Difference(String detail, List<String> keys) {}
}
