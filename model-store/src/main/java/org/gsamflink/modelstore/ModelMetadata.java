package org.gsamflink.modelstore;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Immutable description of one stored model version, kept as {@code metadata.json} next to the model.
 *
 * <pre>{@code
 * ModelMetadata meta = ModelMetadata.builder()
 *     .modelId("mnist-mlp")
 *     .version(12_000)                        // the training step
 *     .timestampMs(System.currentTimeMillis())
 *     .checkpointId(42L)
 *     .metrics(Map.of("loss", 0.31, "accuracy", 0.91))
 *     .optimizerConfig("{\"alpha\":0.4,...}")
 *     .modelConfig(net.getLayerWiseConfigurations().toJson())
 *     .build();
 * }</pre>
 *
 * <p>Required: {@code modelId} and {@code version}. The timestamp defaults to the time of {@link Builder#build()};
 * everything else is optional.
 *
 * <p>JSON format (format version {@value #CURRENT_FORMAT_VERSION}): an object with {@code formatVersion}, {@code
 * modelId}, {@code version}, {@code timestampMs}, {@code time} (ISO-8601, written for people, ignored when read),
 * {@code checkpointId} (number or null), {@code metrics} (object), {@code optimizerConfig} and {@code modelConfig}
 * (strings or null). Unknown fields are ignored when reading, so older readers accept additive changes; a file with
 * a newer {@code formatVersion} is rejected with a message that names both versions.
 *
 * <p>Metric values are JSON values: numbers, strings, booleans, null, lists and maps with string keys. They are
 * normalised when set so that a JSON round trip gives an equal object: integral numbers become {@link Long} (or
 * {@link BigInteger} when out of range), other numbers {@link Double}, and non-finite doubles the strings {@code
 * "NaN"}, {@code "Infinity"} and {@code "-Infinity"} (standard JSON has no such numbers).
 */
public final class ModelMetadata {

    /** The metadata format this class writes; files with a higher number are rejected. */
    public static final int CURRENT_FORMAT_VERSION = 1;

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(DeserializationFeature.USE_LONG_FOR_INTS, true)
            .configure(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS, false)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private final int formatVersion;
    private final String modelId;
    private final long version;
    private final long timestampMs;
    private final Long checkpointId;
    private final Map<String, Object> metrics;
    private final String optimizerConfig;
    private final String modelConfig;

    private ModelMetadata(int formatVersion, String modelId, long version, long timestampMs, Long checkpointId,
                          Map<String, Object> metrics, String optimizerConfig, String modelConfig) {
        this.formatVersion = formatVersion;
        this.modelId = modelId;
        this.version = version;
        this.timestampMs = timestampMs;
        this.checkpointId = checkpointId;
        this.metrics = metrics;
        this.optimizerConfig = optimizerConfig;
        this.modelConfig = modelConfig;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder preset with every field of this metadata. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.modelId = modelId;
        b.version = version;
        b.timestampMs = timestampMs;
        b.checkpointId = checkpointId;
        b.metrics = metrics;
        b.optimizerConfig = optimizerConfig;
        b.modelConfig = modelConfig;
        return b;
    }

    /** The format version of the JSON this object was read from, or {@link #CURRENT_FORMAT_VERSION}. */
    public int formatVersion() {
        return formatVersion;
    }

    public String modelId() {
        return modelId;
    }

    /** The version number, normally the training step; never negative. */
    public long version() {
        return version;
    }

    /** Creation time in milliseconds since the epoch. */
    public long timestampMs() {
        return timestampMs;
    }

    public Instant timestamp() {
        return Instant.ofEpochMilli(timestampMs);
    }

    /** The Flink checkpoint that produced this version, or null. */
    public Long checkpointId() {
        return checkpointId;
    }

    /** Unmodifiable metrics summary (possibly empty, never null). */
    public Map<String, Object> metrics() {
        return metrics;
    }

    /** Optimizer configuration (free text, normally JSON), or null. */
    public String optimizerConfig() {
        return optimizerConfig;
    }

    /** Model configuration (free text, e.g. the DL4J configuration JSON), or null. */
    public String modelConfig() {
        return modelConfig;
    }

    /** This metadata as UTF-8 JSON in format {@link #CURRENT_FORMAT_VERSION}. */
    public byte[] toJson() {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("formatVersion", CURRENT_FORMAT_VERSION);
        node.put("modelId", modelId);
        node.put("version", version);
        node.put("timestampMs", timestampMs);
        node.put("time", timestamp().toString());
        if (checkpointId == null) {
            node.putNull("checkpointId");
        } else {
            node.put("checkpointId", checkpointId);
        }
        node.set("metrics", MAPPER.valueToTree(metrics));
        node.put("optimizerConfig", optimizerConfig);
        node.put("modelConfig", modelConfig);
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write model metadata as JSON", e);
        }
    }

    /** Parses {@code metadata.json} content written by {@link #toJson()}. */
    public static ModelMetadata fromJson(byte[] json) throws IOException {
        Objects.requireNonNull(json, "json");
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IOException("model metadata is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException("model metadata must be a JSON object");
        }
        JsonNode fv = root.get("formatVersion");
        if (fv == null || !fv.canConvertToInt() || !fv.isIntegralNumber()) {
            throw new IOException("model metadata has no integer 'formatVersion'");
        }
        int formatVersion = fv.intValue();
        if (formatVersion > CURRENT_FORMAT_VERSION) {
            throw new IOException("model metadata format version " + formatVersion
                    + " is newer than the newest this gsam-flink supports (" + CURRENT_FORMAT_VERSION
                    + "); upgrade gsam-flink to read it");
        }
        if (formatVersion < 1) {
            throw new IOException("model metadata format version " + formatVersion + " is invalid (must be >= 1)");
        }
        try {
            Builder b = builder()
                    .modelId(requiredText(root, "modelId"))
                    .version(requiredLong(root, "version"))
                    .timestampMs(requiredLong(root, "timestampMs"))
                    .checkpointId(optionalLong(root, "checkpointId"))
                    .optimizerConfig(optionalText(root, "optimizerConfig"))
                    .modelConfig(optionalText(root, "modelConfig"));
            JsonNode m = root.get("metrics");
            if (m != null && !m.isNull()) {
                if (!m.isObject()) {
                    throw new IOException("model metadata field 'metrics' must be a JSON object");
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> map = MAPPER.convertValue(m, Map.class);
                b.metrics(map);
            }
            return b.build(formatVersion);
        } catch (IllegalArgumentException e) {
            throw new IOException("invalid model metadata: " + e.getMessage(), e);
        }
    }

    private static String requiredText(JsonNode root, String field) throws IOException {
        JsonNode n = root.get(field);
        if (n == null || !n.isTextual()) {
            throw new IOException("model metadata has no string field '" + field + "'");
        }
        return n.textValue();
    }

    private static String optionalText(JsonNode root, String field) throws IOException {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw new IOException("model metadata field '" + field + "' must be a string or null");
        }
        return n.textValue();
    }

    private static long requiredLong(JsonNode root, String field) throws IOException {
        Long v = optionalLong(root, field);
        if (v == null) {
            throw new IOException("model metadata has no integer field '" + field + "'");
        }
        return v;
    }

    private static Long optionalLong(JsonNode root, String field) throws IOException {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new IOException("model metadata field '" + field + "' must be an integer");
        }
        return n.longValue();
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ModelMetadata)) {
            return false;
        }
        ModelMetadata that = (ModelMetadata) o;
        return formatVersion == that.formatVersion && version == that.version && timestampMs == that.timestampMs
                && modelId.equals(that.modelId) && Objects.equals(checkpointId, that.checkpointId)
                && metrics.equals(that.metrics) && Objects.equals(optimizerConfig, that.optimizerConfig)
                && Objects.equals(modelConfig, that.modelConfig);
    }

    @Override
    public int hashCode() {
        return Objects.hash(formatVersion, modelId, version, timestampMs, checkpointId, metrics, optimizerConfig,
                modelConfig);
    }

    @Override
    public String toString() {
        return "ModelMetadata{modelId=" + modelId + ", version=" + version + ", time=" + timestamp()
                + ", checkpointId=" + checkpointId + ", metrics=" + metrics + ", formatVersion=" + formatVersion
                + '}';
    }

    /** Builder of {@link ModelMetadata}; each setter validates its own value. */
    public static final class Builder {
        private String modelId;
        private long version = -1;
        private Long timestampMs;
        private Long checkpointId;
        private Map<String, Object> metrics = Collections.emptyMap();
        private String optimizerConfig;
        private String modelConfig;

        private Builder() {
        }

        /** Required; see {@link ModelIds#validate(String)}. */
        public Builder modelId(String modelId) {
            this.modelId = ModelIds.validate(modelId);
            return this;
        }

        /** Required; the training step, {@code >= 0}. */
        public Builder version(long version) {
            if (version < 0) {
                throw new IllegalArgumentException("version must be >= 0 but was " + version);
            }
            this.version = version;
            return this;
        }

        /** Creation time in epoch milliseconds ({@code >= 0}); defaults to the time of {@link #build()}. */
        public Builder timestampMs(long timestampMs) {
            if (timestampMs < 0) {
                throw new IllegalArgumentException("timestampMs must be >= 0 but was " + timestampMs);
            }
            this.timestampMs = timestampMs;
            return this;
        }

        public Builder timestamp(Instant timestamp) {
            Objects.requireNonNull(timestamp, "timestamp");
            return timestampMs(timestamp.toEpochMilli());
        }

        /** The checkpoint that produced the version ({@code >= 0}), or null for none. */
        public Builder checkpointId(Long checkpointId) {
            if (checkpointId != null && checkpointId < 0) {
                throw new IllegalArgumentException("checkpointId must be >= 0 or null but was " + checkpointId);
            }
            this.checkpointId = checkpointId;
            return this;
        }

        /** Metrics summary; copied and normalised (see the class comment). Null means none. */
        public Builder metrics(Map<String, ?> metrics) {
            this.metrics = metrics == null ? Collections.emptyMap() : copyMap(metrics, "metrics");
            return this;
        }

        public Builder optimizerConfig(String optimizerConfig) {
            this.optimizerConfig = optimizerConfig;
            return this;
        }

        public Builder modelConfig(String modelConfig) {
            this.modelConfig = modelConfig;
            return this;
        }

        public ModelMetadata build() {
            return build(CURRENT_FORMAT_VERSION);
        }

        private ModelMetadata build(int formatVersion) {
            if (modelId == null) {
                throw new IllegalArgumentException("modelId is required");
            }
            if (version < 0) {
                throw new IllegalArgumentException("version is required");
            }
            long ts = timestampMs != null ? timestampMs : System.currentTimeMillis();
            return new ModelMetadata(formatVersion, modelId, version, ts, checkpointId, metrics, optimizerConfig,
                    modelConfig);
        }
    }

    // ---- normalisation of metric values ---------------------------------------------------------------------

    private static Map<String, Object> copyMap(Map<?, ?> in, String where) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : in.entrySet()) {
            if (!(e.getKey() instanceof String)) {
                throw new IllegalArgumentException(where + " keys must be strings but found " + e.getKey());
            }
            String key = (String) e.getKey();
            out.put(key, normalise(e.getValue(), where + "." + key));
        }
        return Collections.unmodifiableMap(out);
    }

    private static Object normalise(Object v, String where) {
        if (v == null || v instanceof String || v instanceof Boolean) {
            return v;
        }
        if (v instanceof Byte || v instanceof Short || v instanceof Integer || v instanceof Long) {
            return ((Number) v).longValue();
        }
        if (v instanceof BigInteger) {
            BigInteger b = (BigInteger) v;
            return b.bitLength() < 64 ? (Object) b.longValue() : b;
        }
        if (v instanceof Float || v instanceof Double || v instanceof BigDecimal) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d)) {
                return "NaN";
            }
            if (Double.isInfinite(d)) {
                return d > 0 ? "Infinity" : "-Infinity";
            }
            return d;
        }
        if (v instanceof Map) {
            return copyMap((Map<?, ?>) v, where);
        }
        if (v instanceof List) {
            List<Object> out = new ArrayList<>();
            int i = 0;
            for (Object item : (List<?>) v) {
                out.add(normalise(item, where + "[" + i++ + "]"));
            }
            return Collections.unmodifiableList(out);
        }
        throw new IllegalArgumentException(where + " has unsupported type " + v.getClass().getName()
                + " (use numbers, strings, booleans, null, lists or maps)");
    }
}
