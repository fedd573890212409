package org.gsamflink.operators;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.gsamflink.optimizer.OptimizerSettings;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * The settings of a model that may change across a restore, as text: the optimizer's (α, ρ and lr schedules,
 * perturbation, seed, clipping, loss-spike guard), the batching, and the network's per-layer settings that leave
 * the state's {@link NetworkLayout} alone (updater hyperparameters, regularization such as weight decay, dropout,
 * activations). A {@link ModelState} keeps the text of the settings it was trained with, so that a restore with
 * other settings can say, once per model, what changed; the changes apply from the next step.
 *
 * <p>Format: one {@code name value} line per setting; a layer setting that differs between layers lists each
 * distinct value, separated by {@code " | "}.
 */
final class ModelSettings {

    private ModelSettings() {}

    /** The settings of {@code spec}, whose initialised network is {@code network}. */
    static String describe(ModelSpec spec, Model network) {
        OptimizerSettings o = spec.optimizer();
        LinkedHashMap<String, String> s = new LinkedHashMap<>();
        s.put("preset", String.valueOf(o.preset()).toLowerCase());
        s.put("alpha", String.valueOf(o.alpha()));
        s.put("rho", o.rhoSpec());
        s.put("lr-schedule", o.lrSchedule() == null ? "none (the updater's rate)" : o.lrSchedule());
        s.put("perturbation", o.perturbation().name().toLowerCase());
        s.put("minimize-fp", String.valueOf(o.minimizeFp()));
        s.put("seed", String.valueOf(o.seed()));
        s.put("clip-norm", String.valueOf(o.clipNorm()));
        s.put("loss-spike", String.valueOf(o.lossSpikeGuard()));
        s.put("sharpness-every", String.valueOf(o.sharpnessEvery()));
        s.put("batch-size", String.valueOf(spec.batchSize()));
        s.put("batch-timeout-ms", String.valueOf(spec.batchTimeoutMs()));
        if (spec.standardize()) {
            // Only when on, so the settings text of a model without standardization is what it always was.
            s.put("standardize", "clip " + spec.standardizeClip());
        }
        List<org.deeplearning4j.nn.conf.layers.Layer> confs = new ArrayList<>();
        for (Layer l : layers(network)) {
            confs.add(l.conf().getLayer());
        }
        s.put("updater", distinct(confs, c -> c instanceof BaseLayer b ? b.getIUpdater() : null));
        s.put("bias-updater", distinct(confs, c -> c instanceof BaseLayer b ? b.getBiasUpdater() : null));
        s.put("regularization", distinct(confs, c -> c instanceof BaseLayer b ? b.getRegularization() : null));
        s.put("bias-regularization",
                distinct(confs, c -> c instanceof BaseLayer b ? b.getRegularizationBias() : null));
        s.put("dropout", distinct(confs, org.deeplearning4j.nn.conf.layers.Layer::getIDropout));
        s.put("activation", distinct(confs, c -> c instanceof BaseLayer b ? b.getActivationFn() : null));
        StringBuilder out = new StringBuilder();
        s.forEach((k, v) -> out.append(k).append(' ').append(v.replace('\n', ' ')).append('\n'));
        return out.toString();
    }

    private static Layer[] layers(Model network) {
        if (network instanceof MultiLayerNetwork n) {
            return n.getLayers();
        }
        return ((ComputationGraph) network).getLayers();
    }

    private static String distinct(List<org.deeplearning4j.nn.conf.layers.Layer> confs,
                                   Function<org.deeplearning4j.nn.conf.layers.Layer, Object> setting) {
        Set<String> values = new LinkedHashSet<>();
        for (org.deeplearning4j.nn.conf.layers.Layer c : confs) {
            Object v = setting.apply(c);
            if (v instanceof org.deeplearning4j.nn.conf.dropout.Dropout d) {
                // Its toString lists helper internals; the retain probability (or its schedule) is the setting.
                v = "Dropout(p=" + (d.getPSchedule() != null ? d.getPSchedule() : d.getP()) + ")";
            }
            if (v != null && !(v instanceof java.util.Collection<?> empty && empty.isEmpty())) {
                values.add(v.toString());
            }
        }
        return values.isEmpty() ? "none" : String.join(" | ", values);
    }

    /**
     * The changes from {@code saved} to {@code now}, e.g. {@code "alpha 0.4 -> 0.1; updater Adam(learningRate=0.005,
     * …) -> Adam(learningRate=0.001, …)"}; null when nothing changed or the saved settings are unknown (state of
     * release 0.1.0, which did not record them).
     */
    static String changes(String saved, String now) {
        if (saved == null || saved.equals(now)) {
            return null;
        }
        Map<String, String> before = parse(saved);
        Map<String, String> after = parse(now);
        LinkedHashMap<String, String> names = new LinkedHashMap<>();
        before.keySet().forEach(k -> names.put(k, k));
        after.keySet().forEach(k -> names.put(k, k));
        List<String> changed = new ArrayList<>();
        for (String name : names.keySet()) {
            String b = before.getOrDefault(name, "unset");
            String a = after.getOrDefault(name, "unset");
            if (!Objects.equals(a, b)) {
                changed.add(name + " " + b + " -> " + a);
            }
        }
        return changed.isEmpty() ? null : String.join("; ", changed);
    }

    private static Map<String, String> parse(String settings) {
        LinkedHashMap<String, String> m = new LinkedHashMap<>();
        for (String line : settings.split("\n")) {
            int sp = line.indexOf(' ');
            if (sp > 0) {
                m.put(line.substring(0, sp), line.substring(sp + 1));
            }
        }
        return m;
    }
}
