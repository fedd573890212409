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
}
