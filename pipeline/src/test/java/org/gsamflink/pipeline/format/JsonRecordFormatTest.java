package org.gsamflink.pipeline.format;

import org.gsamflink.operators.TrainingRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.gsamflink.pipeline.format.Rejections.assertRejected;
import static org.gsamflink.pipeline.format.Rejections.utf8;

class JsonRecordFormatTest {

    /** 3 features, 4 classes, records up to 256 bytes. */
    private static final RecordLimits LIMITS = new RecordLimits(3, 4, 256);
    private static final JsonRecordFormat JSON = new JsonRecordFormat(LIMITS, "dflt");

    @Test
    void roundTripsAWeightedExample() throws Exception {
        TrainingRecord r = TrainingRecord.example("m1", new float[] {0.1f, -2.5f, 3e-7f}, 3, 0.25f);

        assertThat(JSON.decode(JSON.encode(r))).isEqualTo(r);
        assertThat(JSON.name()).isEqualTo("json");
    }

    @Test
    void roundTripsAnExampleWithoutWeight() throws Exception {
        TrainingRecord r = TrainingRecord.example("m-2.v3_x", new float[] {0f, 1f, Float.MIN_VALUE}, 0);

        byte[] encoded = JSON.encode(r);

        assertThat(new String(encoded, java.nio.charset.StandardCharsets.UTF_8)).doesNotContain("\"w\"");
        TrainingRecord decoded = JSON.decode(encoded);
        assertThat(decoded).isEqualTo(r);
        assertThat(decoded.weights).isNull();
    }

    @Test
    void recordsWithoutAModelUseTheDefaultModelId() throws Exception {
        assertThat(JSON.decode(utf8("{\"x\": [1, 2, 3], \"y\": 1}")))
                .isEqualTo(TrainingRecord.example("dflt", new float[] {1, 2, 3}, 1));
        assertThat(JSON.decode(utf8("{\"model\": null, \"x\": [1, 2, 3], \"y\": 1, \"w\": null}")))
                .isEqualTo(TrainingRecord.example("dflt", new float[] {1, 2, 3}, 1));
    }

    @Test
    void ignoresUnknownFieldsAndAcceptsIntegerWeightsAndFeatures() throws Exception {
        assertThat(JSON.decode(utf8("{\"id\": 17, \"y\": 2, \"x\": [1, 2.5, -3], \"w\": 2, \"extra\": {\"a\": []}}")))
                .isEqualTo(TrainingRecord.example("dflt", new float[] {1, 2.5f, -3}, 2, 2f));
    }

    @Test
    void encodesOnlySingleExamples() {
        TrainingRecord batch = TrainingRecord.minibatch("m", 3, new float[6], new int[2]);

        assertThatIllegalArgumentException().isThrownBy(() -> JSON.encode(batch)).withMessageContaining("2");
    }

    @Test
    void rejectsEmptyOversizedAndNonUtf8Records() {
        assertRejected(JSON, new byte[0], RejectReason.EMPTY);
        assertRejected(JSON, "{\"x\": [1, 2, 3], \"y\": 1, \"pad\": \"" + "p".repeat(300) + "\"}",
                RejectReason.OVERSIZED);
        byte[] bad = utf8("{\"model\": \"m\u00e9\", \"x\": [1, 2, 3], \"y\": 1}");
        bad[12] = (byte) 0xFF;
        assertRejected(JSON, bad, RejectReason.INVALID_UTF8);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"x\": [1, 2, 3], \"y\": 1",
        "{x: [1, 2, 3], y: 1}",
        "not json",
        "[1, 2, 3]",
        "42",
        "\"text\"",
        "null",
        "{\"x\": [1, 2, 3], \"y\": 1} {}",
        "{\"x\": [NaN, 2, 3], \"y\": 1}",
        "{\"x\": [1, 2, 3], \"y\": 1, \"y\": 2",
    })
    void rejectsMalformedJson(String value) {
        assertRejected(JSON, value, RejectReason.MALFORMED_JSON);
    }

    @Test
    void rejectsMissingFields() {
        assertRejected(JSON, "{\"y\": 1}", RejectReason.MISSING_FIELD).withMessageContaining("\"x\"");
        assertRejected(JSON, "{\"x\": [1, 2, 3]}", RejectReason.MISSING_FIELD).withMessageContaining("\"y\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"model\": 5, \"x\": [1, 2, 3], \"y\": 1}",
        "{\"model\": [\"m\"], \"x\": [1, 2, 3], \"y\": 1}",
        "{\"x\": \"1,2,3\", \"y\": 1}",
        "{\"x\": {\"0\": 1}, \"y\": 1}",
        "{\"x\": [1, \"2\", 3], \"y\": 1}",
        "{\"x\": [1, null, 3], \"y\": 1}",
        "{\"x\": [1, [2], 3], \"y\": 1}",
        "{\"x\": [1, 2, 3], \"y\": 1.5}",
        "{\"x\": [1, 2, 3], \"y\": \"1\"}",
        "{\"x\": [1, 2, 3], \"y\": null}",
        "{\"x\": [1, 2, 3], \"y\": 10000000000}",
        "{\"x\": [1, 2, 3], \"y\": 1, \"w\": \"1\"}",
        "{\"x\": [1, 2, 3], \"y\": 1, \"w\": true}",
    })
    void rejectsWrongTypes(String value) {
        assertRejected(JSON, value, RejectReason.WRONG_TYPE);
    }

    @Test
    void rejectsTheWrongNumberOfFeatures() {
        assertRejected(JSON, "{\"x\": [1, 2], \"y\": 1}", RejectReason.WRONG_DIMENSION);
        assertRejected(JSON, "{\"x\": [], \"y\": 1}", RejectReason.WRONG_DIMENSION);
        assertRejected(JSON, "{\"x\": [1, 2, 3, 4], \"y\": 1}", RejectReason.WRONG_DIMENSION);
    }

    @Test
    void rejectsNonFiniteFeatures() {
        assertRejected(JSON, "{\"x\": [1, 1e39, 3], \"y\": 1}", RejectReason.NON_FINITE);   // overflows float
        assertRejected(JSON, "{\"x\": [1, 2, -1e400], \"y\": 1}", RejectReason.NON_FINITE);
    }

    @Test
    void rejectsLabelsOutOfRange() {
        assertRejected(JSON, "{\"x\": [1, 2, 3], \"y\": 4}", RejectReason.LABEL_OUT_OF_RANGE);
        assertRejected(JSON, "{\"x\": [1, 2, 3], \"y\": -1}", RejectReason.LABEL_OUT_OF_RANGE);
    }

    @Test
    void rejectsBadWeights() {
        assertRejected(JSON, "{\"x\": [1, 2, 3], \"y\": 1, \"w\": -0.5}", RejectReason.BAD_WEIGHT);
        assertRejected(JSON, "{\"x\": [1, 2, 3], \"y\": 1, \"w\": 1e39}", RejectReason.BAD_WEIGHT);
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", ".", "a/b", "../etc", "a\\\\b", "", " m", "m\\u0000", "\\u00fc"})
    void rejectsUnsafeModelIds(String id) {
        assertRejected(JSON, "{\"model\": \"" + id + "\", \"x\": [1, 2, 3], \"y\": 1}", RejectReason.BAD_MODEL_ID);
    }

    @Test
    void modelIdsMayHave128CharactersButNot129() throws Exception {
        String ok = "m".repeat(128);
        assertThat(JSON.decode(utf8("{\"model\": \"" + ok + "\", \"x\": [1, 2, 3], \"y\": 1}")).modelId)
                .isEqualTo(ok);
        assertRejected(JSON, "{\"model\": \"" + "m".repeat(129) + "\", \"x\": [1, 2, 3], \"y\": 1}",
                RejectReason.BAD_MODEL_ID);
    }

    @Test
    void aBadDefaultModelIdRejectsRecordsWithoutAModel() {
        assertRejected(new JsonRecordFormat(LIMITS, "a/b"), "{\"x\": [1, 2, 3], \"y\": 1}", RejectReason.BAD_MODEL_ID);
    }
}
