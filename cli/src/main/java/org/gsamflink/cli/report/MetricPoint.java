package org.gsamflink.cli.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.List;

/**
 * One record of the job's metrics topic (see {@code KafkaCodecs.toJson(StepMetrics)}): the means over {@code steps}
 * training steps that ended at {@code step}, prequential accuracy over their {@code examples}; the fading-factor
 * prequential accuracy and kappa over the model's stream as they stood at {@code step} (NaN in a skipped step's
 * record, and for kappa where it is undefined).
 */
public record MetricPoint(String model, long step, int steps, long examples, double loss, double perturbedLoss,
                          double surrogateGap, double accuracy, double fadingAccuracy, double kappa, double rho,
                          double lr, double examplesPerSecond, long skippedSteps, long timestampMs) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The fields every metrics record carries. */
    public static final List<String> FIELDS = List.of("model", "step", "steps", "examples", "loss", "perturbed_loss",
            "surrogate_gap", "accuracy", "rho", "lr", "grad_norm", "perturbed_grad_norm", "cosine",
            "examples_per_second", "skipped_steps", "timestamp_ms");
    /**
     * Fields of jobs since the fading statistics (issue 16); NaN when a record lacks them, so that a newer command
     * line still follows the topic of an older job.
     */
    public static final List<String> OPTIONAL_FIELDS = List.of("fading_accuracy", "kappa");

    /**
     * Parses one metrics JSON line.
     *
     * @throws IllegalArgumentException if it is not JSON or lacks one of {@link #FIELDS}
     */
    public static MetricPoint parse(String json) {
        JsonNode o;
        try {
            o = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a metrics record: " + e.getMessage(), e);
        }
        for (String f : FIELDS) {
            if (o == null || !o.has(f)) {
                throw new IllegalArgumentException("metrics record without '" + f + "': " + json);
            }
        }
        return new MetricPoint(o.get("model").asText(), o.get("step").asLong(), o.get("steps").asInt(),
                o.get("examples").asLong(), number(o, "loss"), number(o, "perturbed_loss"),
                number(o, "surrogate_gap"), number(o, "accuracy"), optionalNumber(o, "fading_accuracy"),
                optionalNumber(o, "kappa"), number(o, "rho"), number(o, "lr"),
                number(o, "examples_per_second"), o.get("skipped_steps").asLong(), o.get("timestamp_ms").asLong());
    }

    /** Jackson writes NaN as a string ("NaN") or a bare token depending on settings; both read back as NaN. */
    private static double number(JsonNode o, String field) {
        JsonNode n = o.get(field);
        return n.isNumber() ? n.asDouble() : n.isTextual() ? parseText(n.asText()) : Double.NaN;
    }

    private static double optionalNumber(JsonNode o, String field) {
        return o.has(field) ? number(o, field) : Double.NaN;
    }

    private static double parseText(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    /** Correctly predicted examples (prequential) in this record. */
    public double correct() {
        return Double.isNaN(accuracy) ? 0 : accuracy * examples;
    }
}
