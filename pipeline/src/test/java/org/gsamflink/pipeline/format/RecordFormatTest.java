package org.gsamflink.pipeline.format;

import org.gsamflink.modelstore.ModelIds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** What all formats share: creation by name, model id rules, limits and the rejection exception. */
class RecordFormatTest {

    private static final RecordLimits LIMITS = new RecordLimits(3, 4, 1024);

    @Test
    void createsEachFormatByName() {
        assertThat(RecordFormat.create("csv", "m", LIMITS, ';', 0)).isInstanceOf(CsvRecordFormat.class);
        assertThat(RecordFormat.create("JSON", "m", LIMITS, ',', -1)).isInstanceOf(JsonRecordFormat.class);
        assertThat(RecordFormat.create("Binary", "m", LIMITS, ',', -1)).isInstanceOf(BinaryMinibatchFormat.class);
        assertThatIllegalArgumentException().isThrownBy(() -> RecordFormat.create("xml", "m", LIMITS, ',', -1))
                .withMessageContaining("csv, json, binary").withMessageContaining("xml");
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "m1", "model.v2", "a_b-c", "...", ".hidden", "A"})
    void acceptsSafeModelIds(String id) {
        assertThat(ModelIds.isValid(id)).isTrue();
        assertThat(ModelIds.isValid("x".repeat(ModelIds.MAX_LENGTH))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "a/b", "a\\b", "/etc", "a b", "tab\t", "caf\u00e9", "a:b"})
    void rejectsUnsafeModelIds(String id) {
        assertThat(ModelIds.isValid(id)).isFalse();
        assertThat(ModelIds.isValid(null)).isFalse();
        assertThat(ModelIds.isValid("x".repeat(ModelIds.MAX_LENGTH + 1))).isFalse();
    }

    @Test
    void limitsCheckTheirOwnArguments() {
        assertThatIllegalArgumentException().isThrownBy(() -> new RecordLimits(0, 4, 10));
        assertThatIllegalArgumentException().isThrownBy(() -> new RecordLimits(3, 1, 10));
        assertThatIllegalArgumentException().isThrownBy(() -> new RecordLimits(3, 4, 0));
        assertThat(new RecordLimits(3, 4, 10)).satisfies(l -> {
            assertThat(l.numFeatures()).isEqualTo(3);
            assertThat(l.numClasses()).isEqualTo(4);
            assertThat(l.maxRecordBytes()).isEqualTo(10);
        });
    }

    @Test
    void aRejectionHasNoStackTraceAndDescribesItself() {
        RecordRejectedException e = new RecordRejectedException(RejectReason.BAD_WEIGHT, "weight -1.0");

        assertThat(e.getStackTrace()).isEmpty();
        assertThat(e.getStackTrace().length).isZero();
        assertThat(e.getCause()).isNull();
        assertThat(e.reason()).isEqualTo(RejectReason.BAD_WEIGHT);
        assertThat(e.describe()).isEqualTo("bad-weight: weight -1.0");
        e.addSuppressed(new RuntimeException());
        assertThat(e.getSuppressed()).isEmpty();
    }

    @Test
    void aRejectionFromDecodingHasNoStackTrace() {
        RecordRejectedException e = org.assertj.core.api.Assertions.catchThrowableOfType(RecordRejectedException.class,
                () -> new JsonRecordFormat(LIMITS, "m").decode(new byte[] {'{'}));

        assertThat(e.getStackTrace().length).isZero();
        assertThat(e.reason()).isEqualTo(RejectReason.MALFORMED_JSON);
    }

    @Test
    void reasonCodesAreUniqueLowerCaseWords() {
        assertThat(Arrays.stream(RejectReason.values()).map(RejectReason::code).distinct().count())
                .isEqualTo(RejectReason.values().length);
        assertThat(RejectReason.values()).allSatisfy(r -> assertThat(r.code()).matches("[a-z0-9]+(-[a-z0-9]+)*"));
    }

    @Test
    void theLimitsBuilderChecksEachValueAndHasDefaults() {
        assertThatIllegalArgumentException().isThrownBy(() -> RecordLimits.builder().maxAbsFeature(0))
                .withMessageContaining("maxAbsFeature");
        assertThatIllegalArgumentException().isThrownBy(() -> RecordLimits.builder().maxAbsFeature(Double.NaN));
        assertThatIllegalArgumentException().isThrownBy(() -> RecordLimits.builder().maxWeight(-1))
                .withMessageContaining("maxWeight");
        assertThatIllegalArgumentException().isThrownBy(() -> RecordLimits.builder().maxWeight(Double.POSITIVE_INFINITY));
        assertThatIllegalArgumentException().isThrownBy(() -> RecordLimits.builder().maxRowsPerRecord(0))
                .withMessageContaining("maxRowsPerRecord");
        org.assertj.core.api.Assertions.assertThatIllegalStateException()
                .isThrownBy(() -> RecordLimits.builder().numFeatures(3).build()).withMessageContaining("numClasses");
        RecordLimits l = RecordLimits.builder().numFeatures(3).numClasses(4).build();
        assertThat(l.maxRecordBytes()).isEqualTo(RecordLimits.DEFAULT_MAX_RECORD_BYTES);
        assertThat(l.maxAbsFeature()).isEqualTo(1e6);
        assertThat(l.maxWeight()).isEqualTo(1000);
        assertThat(l.maxRowsPerRecord()).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void aRejectionsDetailIsOneShortLine() {
        RecordRejectedException e = new RecordRejectedException(RejectReason.BAD_NUMBER,
                "line one\nline two\r\n\ttab \u0000 nul \u2028 sep " + "x".repeat(1000));

        assertThat(e.getMessage()).hasSize(Details.MAX_DETAIL_CHARS).endsWith("…")
                .startsWith("line one\\nline two\\r\\n\\ttab \\u0000 nul \\u2028 sep xxx")
                .doesNotContain("\n", "\r", "\t", "\u0000", "\u2028");
        assertThat(e.describe()).startsWith("bad-number: line one");
    }

    @Test
    void shortDetailsAreKeptAsTheyAre() {
        assertThat(Details.oneLine("weight -1.0 is not finite and >= 0")).isEqualTo("weight -1.0 is not finite and >= 0");
        assertThat(Details.oneLine("x".repeat(Details.MAX_DETAIL_CHARS))).hasSize(Details.MAX_DETAIL_CHARS)
                .doesNotContain("…");
        assertThat(Details.oneLine("x".repeat(Details.MAX_DETAIL_CHARS + 1))).hasSize(Details.MAX_DETAIL_CHARS)
                .endsWith("x…");
        assertThat(Details.oneLine(null)).isEmpty();
        assertThat(Details.oneLine("caf\u00e9 \uD83D\uDE00")).isEqualTo("caf\u00e9 \uD83D\uDE00");
    }

    @Test
    void aCutNeverSplitsACharacterOrAnEscape() {
        String emoji = "\uD83D\uDE00";
        String cut = Details.oneLine("x" + emoji.repeat(200));
        assertThat(cut.length()).isLessThanOrEqualTo(Details.MAX_DETAIL_CHARS);
        assertThat(Character.isHighSurrogate(cut.charAt(cut.length() - 2))).isFalse();

        String escapes = Details.oneLine("\u0001".repeat(100));
        assertThat(escapes).matches("(\\\\u0001)+…").hasSizeLessThanOrEqualTo(Details.MAX_DETAIL_CHARS);
    }
}
