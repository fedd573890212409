package org.gsamflink.modelstore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NpyIndexTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void sequentialEntriesGetConsecutiveOffsets() throws IOException {
        NpyIndex index = NpyIndex.builder()
                .dtype(NpyWriter.FLOAT64)
                .add("0_W", true, 784, 100)
                .add("0_b", 1, 100)
                .add("1_W", true, 100, 10)
                .add("1_b", 1, 10)
                .build();

        assertThat(index.length()).isEqualTo(78_400 + 100 + 1_000 + 10);
        assertThat(index.entries()).extracting(NpyIndex.Entry::offset).containsExactly(0L, 78_400L, 78_500L, 79_500L);
        assertThat(index.entries()).extracting(NpyIndex.Entry::length).containsExactly(78_400L, 100L, 1_000L, 10L);

        JsonNode json = MAPPER.readTree(index.toJson());
        assertThat(json.get("formatVersion").asInt()).isEqualTo(1);
        assertThat(json.get("dtype").asText()).isEqualTo("<f8");
        assertThat(json.get("length").asLong()).isEqualTo(79_510L);
        JsonNode first = json.get("layers").get(0);
        assertThat(first.get("name").asText()).isEqualTo("0_W");
        assertThat(first.get("shape").toString()).isEqualTo("[784,100]");
        assertThat(first.get("offset").asLong()).isZero();
        assertThat(first.get("length").asLong()).isEqualTo(78_400L);
        assertThat(first.get("order").asText()).isEqualTo("F");
        assertThat(json.get("layers").get(1).get("order").asText()).isEqualTo("C");

        NpyIndex back = NpyIndex.fromJson(index.toJson());
        assertThat(back.entries()).isEqualTo(index.entries());
        assertThat(back.dtype()).isEqualTo("<f8");
        assertThat(back.length()).isEqualTo(index.length());
    }

    @Test
    void explicitOffsetsAndATotalLength() {
        NpyIndex index = NpyIndex.builder()
                .add(new NpyIndex.Entry("b", 10, false, 5))
                .add(new NpyIndex.Entry("a", 0, false, 10))
                .length(20)
                .build();
        assertThat(index.length()).isEqualTo(20);
        assertThat(index.entries()).extracting(NpyIndex.Entry::name).containsExactly("b", "a");
    }

    @Test
    void rejectsInconsistentEntries() {
        assertThatThrownBy(() -> NpyIndex.builder().add("w", 2).add("w", 2).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("duplicate layer name 'w'");
        assertThatThrownBy(() -> NpyIndex.builder()
                .add(new NpyIndex.Entry("a", 0, false, 10))
                .add(new NpyIndex.Entry("empty", 5, false, 0))
                .add(new NpyIndex.Entry("b", 8, false, 4))
                .build())
                .hasMessage("layers 'a' and 'b' overlap");
        assertThatThrownBy(() -> NpyIndex.builder().add("w", 3, 4).length(11).build())
                .hasMessage("layers end at 12 but the array has only 11 values");
        assertThatThrownBy(() -> NpyIndex.builder().dtype("<i4"))
                .hasMessage("dtype must be <f4 or <f8 but was <i4");
        assertThatThrownBy(() -> new NpyIndex.Entry("w", -1, false, 2))
                .hasMessage("offset of layer 'w' must be >= 0 but was -1");
        assertThatThrownBy(() -> new NpyIndex.Entry("", 0, false, 2))
                .hasMessage("layer name must not be empty");
        assertThatThrownBy(() -> NpyIndex.builder().length(-1)).hasMessage("length must be >= 0 but was -1");
    }

    @Test
    void readingRejectsANewerFormatAndIgnoresUnknownFields() throws IOException {
        ObjectNode json = (ObjectNode) MAPPER.readTree(NpyIndex.builder().add("w", 2).build().toJson());
        json.put("comment", "added by a later version");
        assertThat(NpyIndex.fromJson(MAPPER.writeValueAsBytes(json)).entries()).hasSize(1);

        json.put("formatVersion", 2);
        assertThatThrownBy(() -> NpyIndex.fromJson(MAPPER.writeValueAsBytes(json)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("npy index format version 2 is newer");
    }
}
