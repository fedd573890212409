package org.gsamflink.modelstore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelMetadataTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static ModelMetadata full() {
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("loss", 0.25);
        metrics.put("steps", 1200);
        metrics.put("lr", 0.1f);
        metrics.put("diverged", false);
        metrics.put("perClass", Map.of("0", 0.9));
        metrics.put("history", List.of(1, 2.5, "x"));
        metrics.put("note", null);
        return ModelMetadata.builder()
                .modelId("mnist-mlp")
                .version(1200)
                .timestamp(Instant.parse("2026-01-02T03:04:05.678Z"))
                .checkpointId(17L)
                .metrics(metrics)
                .optimizerConfig("{\"alpha\":0.4}")
                .modelConfig("{\"confs\":[]}")
                .build();
    }

    @Test
    void jsonRoundTrip() throws IOException {
        ModelMetadata meta = full();
        assertThat(ModelMetadata.fromJson(meta.toJson())).isEqualTo(meta);

        ModelMetadata minimal = ModelMetadata.builder().modelId("m").version(0).timestampMs(5).build();
        ModelMetadata back = ModelMetadata.fromJson(minimal.toJson());
        assertThat(back).isEqualTo(minimal);
        assertThat(back.checkpointId()).isNull();
        assertThat(back.metrics()).isEmpty();
        assertThat(back.optimizerConfig()).isNull();
        assertThat(back.modelConfig()).isNull();
        assertThat(back.formatVersion()).isEqualTo(ModelMetadata.CURRENT_FORMAT_VERSION).isEqualTo(1);
    }

    @Test
    void jsonFields() throws IOException {
        JsonNode json = MAPPER.readTree(full().toJson());
        assertThat(json.get("formatVersion").asInt()).isEqualTo(1);
        assertThat(json.get("modelId").asText()).isEqualTo("mnist-mlp");
        assertThat(json.get("version").asLong()).isEqualTo(1200);
        assertThat(json.get("timestampMs").asLong()).isEqualTo(Instant.parse("2026-01-02T03:04:05.678Z")
                .toEpochMilli());
        assertThat(json.get("time").asText()).isEqualTo("2026-01-02T03:04:05.678Z");
        assertThat(json.get("checkpointId").asLong()).isEqualTo(17);
        assertThat(json.get("metrics").get("loss").asDouble()).isEqualTo(0.25);
        assertThat(json.get("optimizerConfig").asText()).isEqualTo("{\"alpha\":0.4}");
        assertThat(json.get("modelConfig").asText()).isEqualTo("{\"confs\":[]}");
    }

    @Test
    void unknownFieldsAreIgnored() throws IOException {
        ObjectNode json = (ObjectNode) MAPPER.readTree(full().toJson());
        json.put("addedLater", "x");
        json.putObject("nested").put("a", 1);
        assertThat(ModelMetadata.fromJson(MAPPER.writeValueAsBytes(json))).isEqualTo(full());
    }

    @Test
    void newerFormatVersionIsRejected() throws IOException {
        ObjectNode json = (ObjectNode) MAPPER.readTree(full().toJson());
        json.put("formatVersion", 2);
        assertThatThrownBy(() -> ModelMetadata.fromJson(MAPPER.writeValueAsBytes(json)))
                .isInstanceOf(IOException.class)
                .hasMessage("model metadata format version 2 is newer than the newest this gsam-flink supports (1);"
                        + " upgrade gsam-flink to read it");
    }

    @Test
    void malformedJsonIsRejectedClearly() throws IOException {
        assertThatThrownBy(() -> ModelMetadata.fromJson("{".getBytes(StandardCharsets.UTF_8)))
                .hasMessageStartingWith("model metadata is not valid JSON");
        assertThatThrownBy(() -> ModelMetadata.fromJson("[]".getBytes(StandardCharsets.UTF_8)))
                .hasMessage("model metadata must be a JSON object");
        assertThatThrownBy(() -> ModelMetadata.fromJson("{\"modelId\":\"m\"}".getBytes(StandardCharsets.UTF_8)))
                .hasMessage("model metadata has no integer 'formatVersion'");

        ObjectNode noVersion = (ObjectNode) MAPPER.readTree(full().toJson());
        noVersion.remove("version");
        assertThatThrownBy(() -> ModelMetadata.fromJson(MAPPER.writeValueAsBytes(noVersion)))
                .hasMessage("model metadata has no integer field 'version'");

        ObjectNode badId = (ObjectNode) MAPPER.readTree(full().toJson());
        badId.put("modelId", "../x");
        assertThatThrownBy(() -> ModelMetadata.fromJson(MAPPER.writeValueAsBytes(badId)))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("invalid model metadata: invalid model id '../x'");
    }

    @Test
    void builderValidatesEachField() {
        assertThatThrownBy(() -> ModelMetadata.builder().version(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("version must be >= 0 but was -1");
        assertThatThrownBy(() -> ModelMetadata.builder().timestampMs(-1))
                .hasMessage("timestampMs must be >= 0 but was -1");
        assertThatThrownBy(() -> ModelMetadata.builder().checkpointId(-2L))
                .hasMessage("checkpointId must be >= 0 or null but was -2");
        assertThatThrownBy(() -> ModelMetadata.builder().modelId("a/b"))
                .hasMessageStartingWith("invalid model id 'a/b'");
        assertThatThrownBy(() -> ModelMetadata.builder().version(1).build())
                .hasMessage("modelId is required");
        assertThatThrownBy(() -> ModelMetadata.builder().modelId("m").build())
                .hasMessage("version is required");
        assertThatThrownBy(() -> ModelMetadata.builder().metrics(Map.of("x", new Object())))
                .hasMessageStartingWith("metrics.x has unsupported type java.lang.Object");
        assertThatThrownBy(() -> ModelMetadata.builder().metrics(Map.of("x", Map.of(1, 2))))
                .hasMessage("metrics.x keys must be strings but found 1");
    }

    @Test
    void timestampDefaultsToBuildTime() {
        long before = System.currentTimeMillis();
        ModelMetadata meta = ModelMetadata.builder().modelId("m").version(1).build();
        assertThat(meta.timestampMs()).isBetween(before, System.currentTimeMillis());
    }

    @Test
    void metricsAreNormalisedAndImmutable() {
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("int", 3);
        in.put("float", 0.5f);
        in.put("nan", Double.NaN);
        in.put("inf", Float.NEGATIVE_INFINITY);
        in.put("big", new BigInteger("123456789012345678901234567890"));
        List<Object> list = new ArrayList<>(List.of(1, 2));
        in.put("list", list);
        ModelMetadata meta = ModelMetadata.builder().modelId("m").version(1).metrics(in).build();
        list.add(3);
        in.put("later", 1);

        assertThat(meta.metrics()).containsEntry("int", 3L).containsEntry("float", 0.5).containsEntry("nan", "NaN")
                .containsEntry("inf", "-Infinity").containsEntry("list", List.of(1L, 2L))
                .containsEntry("big", new BigInteger("123456789012345678901234567890"))
                .doesNotContainKey("later");
        assertThatThrownBy(() -> meta.metrics().put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void toBuilderCopiesEverything() {
        assertThat(full().toBuilder().build()).isEqualTo(full());
        assertThat(full().toBuilder().version(3).build().version()).isEqualTo(3);
    }
}
