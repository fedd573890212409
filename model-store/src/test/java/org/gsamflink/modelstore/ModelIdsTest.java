package org.gsamflink.modelstore;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelIdsTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "mnist-mlp", "Model_2.v3", "..a", "a..", "...", ".hidden", "_", "-"})
    void acceptsSafeIds(String id) {
        assertThat(ModelIds.validate(id)).isEqualTo(id);
        assertThat(ModelIds.isValid(id)).isTrue();
    }

    @Test
    void acceptsExactly128Characters() {
        assertThat(ModelIds.validate("a".repeat(128))).hasSize(128);
    }

    @Test
    void rejectsNull() {
        assertThatThrownBy(() -> ModelIds.validate(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid model id null: a model id is required");
        assertThat(ModelIds.isValid(null)).isFalse();
    }

    @Test
    void rejectsEmpty() {
        assertThatThrownBy(() -> ModelIds.validate(""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid model id '': must be 1 to 128 characters long");
    }

    @Test
    void rejectsDotAndDotDot() {
        assertThatThrownBy(() -> ModelIds.validate(".."))
                .hasMessage("invalid model id '..': '.' and '..' are reserved path names");
        assertThatThrownBy(() -> ModelIds.validate("."))
                .hasMessage("invalid model id '.': '.' and '..' are reserved path names");
    }

    @Test
    void rejectsPathSeparators() {
        assertThatThrownBy(() -> ModelIds.validate("a/b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid model id 'a/b': path separator '/' at index 1 is not allowed"
                        + " (allowed: A-Z a-z 0-9 . _ -)");
        assertThatThrownBy(() -> ModelIds.validate("a\\b"))
                .hasMessageStartingWith("invalid model id 'a\\b': path separator '\\' at index 1");
        assertThatThrownBy(() -> ModelIds.validate("../x"))
                .hasMessageStartingWith("invalid model id '../x': path separator '/' at index 2");
    }

    @Test
    void rejectsTooLong() {
        String id = "x".repeat(129);
        assertThatThrownBy(() -> ModelIds.validate(id))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid model id '" + "x".repeat(64) + "...': must be at most 128 characters long"
                        + " but has 129");
    }

    @Test
    void rejectsWhitespaceAndOtherCharacters() {
        assertThatThrownBy(() -> ModelIds.validate("x y"))
                .hasMessage("invalid model id 'x y': character ' ' at index 1 is not allowed"
                        + " (allowed: A-Z a-z 0-9 . _ -)");
        assertThatThrownBy(() -> ModelIds.validate("a:b")).hasMessageContaining("character ':' at index 1");
        assertThatThrownBy(() -> ModelIds.validate("tab\there"))
                .hasMessage("invalid model id 'tab\\u0009here': character U+0009 at index 3 is not allowed"
                        + " (allowed: A-Z a-z 0-9 . _ -)");
        assertThatThrownBy(() -> ModelIds.validate("caf\u00e9")).hasMessageContaining("character U+00E9");
    }
}
