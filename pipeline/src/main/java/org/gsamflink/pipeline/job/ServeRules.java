package org.gsamflink.pipeline.job;

import org.apache.flink.configuration.Configuration;
import org.gsamflink.modelstore.ModelIds;

import java.util.List;

/**
 * The rules of the serving keys, for a serving job ({@code job.mode: serve}) and for a training job that also
 * serves ({@code serve.enabled}): where requests come from, where predictions go, the store they are answered
 * from, and the gate's margin. Each problem names its key.
 */
final class ServeRules {

    private ServeRules() {}

    /** Whether the configuration describes a job that answers prediction requests. */
    static boolean serves(Configuration c) {
        return c.get(JobOptions.MODE) == JobOptions.Mode.SERVE || c.get(JobOptions.SERVE_ENABLED);
    }

    static void check(Configuration c, List<String> errors) {
        boolean serveMode = c.get(JobOptions.MODE) == JobOptions.Mode.SERVE;
        if (serveMode && c.get(JobOptions.SERVE_ENABLED)) {
            errors.add("config keys 'job.mode' and 'serve.enabled': serve.enabled adds serving to a training job; "
                    + "a job.mode: serve job serves already");
        }
        if (!serves(c)) {
            return;
        }
        String why = serveMode ? "a serving job" : "serve.enabled";
        if (!c.contains(JobOptions.SERVE_TOPICS) || c.get(JobOptions.SERVE_TOPICS).isEmpty()) {
            errors.add("config key 'serve.topics' is required with " + why + ": the topics of prediction requests");
        }
        if (!c.contains(JobOptions.PREDICTIONS_TOPIC)) {
            errors.add("config key 'sink.predictions-topic' is required with " + why + ": where predictions go");
        }
        if (!c.contains(JobOptions.STORE_ROOT)) {
            errors.add("config key 'model-store.root' is required with " + why + ": the committed versions are "
                    + "served from there");
        }
        if (c.get(JobOptions.SERVE_POLL_INTERVAL).toMillis() <= 0) {
            errors.add("config key 'serve.poll-interval': must be at least 1 ms, got "
                    + c.get(JobOptions.SERVE_POLL_INTERVAL));
        }
        if (c.get(JobOptions.SERVE_MAX_ROWS) <= 0) {
            errors.add("config key 'serve.max-rows-per-request': must be > 0, got " + c.get(JobOptions.SERVE_MAX_ROWS));
        }
        if (c.contains(JobOptions.SERVE_GATE_MAX_DROP)) {
            double margin = c.get(JobOptions.SERVE_GATE_MAX_DROP);
            if (!(margin >= 0 && margin <= 1)) {
                errors.add("config key 'serve.gate.max-accuracy-drop': must be in [0, 1] (an accuracy margin), got "
                        + margin);
            }
        }
        if (c.contains(JobOptions.SERVE_MODELS)) {
            for (String id : c.get(JobOptions.SERVE_MODELS)) {
                String problem = ModelIds.problem(id);
                if (problem != null) {
                    errors.add("config key 'serve.models': '" + id + "' is not a valid model id: " + problem);
                }
            }
        }
        if (c.get(JobOptions.SERVE_DELIVERY) == JobOptions.Delivery.EXACTLY_ONCE
                && c.get(JobOptions.CHECKPOINT_INTERVAL).isZero()) {
            errors.add("config key 'job.checkpoint-interval': serve.delivery exactly_once needs checkpoints (> 0)");
        }
        if (c.contains(JobOptions.SERVE_TOPICS) && c.contains(JobOptions.TOPICS) && !serveMode) {
            for (String t : c.get(JobOptions.SERVE_TOPICS)) {
                if (c.get(JobOptions.TOPICS).contains(t)) {
                    errors.add("config keys 'serve.topics' and 'source.topics': topic '" + t + "' is in both; "
                            + "requests and training records need their own topics");
                }
            }
        }
    }
}
