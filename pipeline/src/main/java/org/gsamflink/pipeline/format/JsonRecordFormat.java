package org.gsamflink.pipeline.format;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.gsamflink.operators.TrainingRecord;
import org.gsamflink.operators.serve.PredictionRequest;

import java.nio.charset.StandardCharsets;

/**
 * One example per record as a JSON object:
 * <pre>{@code {"model": "m1", "x": [0.1, 0.5, -2.0], "y": 3, "w": 1.0}}</pre>
 * {@code model} is optional (the configured default model id is used), {@code w} (the example's loss weight) is
 * optional and defaults to 1; {@code x} holds exactly the model's feature count of numbers; {@code y} is the integer
 * class label. Unknown fields are ignored, so producers may add their own; a key given twice is malformed (which
 * value was meant cannot be told). A leading UTF-8 byte-order mark is ignored (RFC 8259 §8.1). A prediction request
 * is the same without {@code y} ({@link #decodeRequest}), with an optional request id {@code "id"}.
 */
public final class JsonRecordFormat implements RecordFormat {

    private static final long serialVersionUID = 1L;
    /** Duplicate keys are an error: Jackson would otherwise keep the last value silently. */
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final RecordLimits limits;
    private final String defaultModelId;

    public JsonRecordFormat(RecordLimits limits, String defaultModelId) {
        this.limits = limits;
        this.defaultModelId = defaultModelId;
    }

    @Override
    public String name() {
        return "json";
    }

    @Override
    public TrainingRecord decode(byte[] value) throws RecordRejectedException {
        JsonNode root = parse(value);
        String model = model(root);
        float[] features = features(root);
        JsonNode y = root.get("y");
        if (y == null) {
            throw new RecordRejectedException(RejectReason.MISSING_FIELD, "missing \"y\" (the label)");
        }
        if (!y.isIntegralNumber() || !y.canConvertToInt()) {
            throw new RecordRejectedException(RejectReason.WRONG_TYPE, "\"y\" must be an integer class label");
        }
        JsonNode w = root.get("w");
        TrainingRecord r;
        if (w == null || w.isNull()) {
            r = TrainingRecord.example(model, features, y.intValue());
        } else if (!w.isNumber()) {
            throw new RecordRejectedException(RejectReason.WRONG_TYPE, "\"w\" must be a number");
        } else {
            r = TrainingRecord.example(model, features, y.intValue(), (float) w.doubleValue());
        }
        return limits.check(r);
    }

    /** {@code {"model": "m1", "x": [...], "id": "req-7"}}: {@code id} (a string or an integer) is optional. */
    @Override
    public PredictionRequest decodeRequest(byte[] value) throws RecordRejectedException {
        JsonNode root = parse(value);
        String model = model(root);
        float[] features = features(root);
        JsonNode id = root.get("id");
        String requestId = null;
        if (id != null && !id.isNull()) {
            if (!id.isTextual() && !id.isIntegralNumber()) {
                throw new RecordRejectedException(RejectReason.WRONG_TYPE, "\"id\" must be a string or an integer");
            }
            requestId = id.asText();
        }
        return limits.check(new PredictionRequest(model, requestId, 1, features.length, features));
    }

    private JsonNode parse(byte[] value) throws RecordRejectedException {
        limits.checkSize(value);
        String text = RecordFormat.text(value);
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new RecordRejectedException(RejectReason.MALFORMED_JSON, parseProblem(e));
        }
        if (root == null || !root.isObject()) {
            throw new RecordRejectedException(RejectReason.MALFORMED_JSON, "expected a JSON object");
        }
        return root;
    }

    private String model(JsonNode root) throws RecordRejectedException {
        JsonNode m = root.get("model");
        if (m == null || m.isNull()) {
            return defaultModelId;
        }
        if (!m.isTextual()) {
            throw new RecordRejectedException(RejectReason.WRONG_TYPE, "\"model\" must be a string");
        }
        return m.asText();
    }

    private static float[] features(JsonNode root) throws RecordRejectedException {
        JsonNode x = root.get("x");
        if (x == null) {
            throw new RecordRejectedException(RejectReason.MISSING_FIELD, "missing \"x\" (the features)");
        }
        if (!x.isArray()) {
            throw new RecordRejectedException(RejectReason.WRONG_TYPE, "\"x\" must be an array of numbers");
        }
        float[] features = new float[x.size()];
        for (int i = 0; i < features.length; i++) {
            JsonNode v = x.get(i);
            if (!v.isNumber()) {
                throw new RecordRejectedException(RejectReason.WRONG_TYPE, "\"x\"[" + i + "] is not a number");
            }
            features[i] = (float) v.doubleValue();
        }
        return features;
    }

    /** Jackson's message without its source excerpt, plus where: "duplicate key 'y' (line 1, column 30)". */
    private static String parseProblem(JsonProcessingException e) {
        String message = String.valueOf(e.getOriginalMessage());
        if (message.startsWith("Duplicate field ")) {
            message = "duplicate key " + message.substring("Duplicate field ".length());
        }
        var at = e.getLocation();
        return at == null || at.getLineNr() < 0 ? message
                : message + " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    }

    @Override
    public byte[] encode(TrainingRecord r) {
        if (r.rows != 1) {
            throw new IllegalArgumentException("the JSON format carries one example per record, got " + r.rows);
        }
        ObjectNode o = MAPPER.createObjectNode();
        o.put("model", r.modelId);
        ArrayNode x = o.putArray("x");
        for (float f : r.features) {
            x.add(f);
        }
        o.put("y", r.labels[0]);
        if (r.weights != null) {
            o.put("w", r.weights[0]);
        }
        return o.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A single-example prediction request as this format reads it ({@code id} only when it has one). */
    public static byte[] encodeRequest(PredictionRequest r) {
        if (r.rows != 1) {
            throw new IllegalArgumentException("the JSON format carries one example per record, got " + r.rows);
        }
        ObjectNode o = MAPPER.createObjectNode();
        o.put("model", r.modelId);
        ArrayNode x = o.putArray("x");
        for (float f : r.features) {
            x.add(f);
        }
        if (r.requestId != null) {
            o.put("id", r.requestId);
        }
        return o.toString().getBytes(StandardCharsets.UTF_8);
    }
}
