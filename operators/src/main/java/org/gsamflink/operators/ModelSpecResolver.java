package org.gsamflink.operators;

import java.io.Serializable;
import java.util.Map;

/** Which {@link ModelSpec} a model id trains with. Serializable: it travels with the operator. */
@FunctionalInterface
public interface ModelSpecResolver extends Serializable {

    /** The spec for {@code modelId}; never null. */
    ModelSpec specFor(String modelId);

    /** The same spec for every model id. */
    static ModelSpecResolver single(ModelSpec spec) {
        return id -> spec;
    }

    /** A spec per model id, and {@code fallback} (may be null: unknown ids are then rejected) for the rest. */
    static ModelSpecResolver byId(Map<String, ModelSpec> specs, ModelSpec fallback) {
        Map<String, ModelSpec> copy = Map.copyOf(specs);
        return id -> {
            ModelSpec s = copy.getOrDefault(id, fallback);
            if (s == null) {
                throw new IllegalArgumentException("no model spec for model id '" + id + "'");
            }
            return s;
        };
    }
}
