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

    // ---- bounds, duplicate keys, byte-order marks

    @Test
    void rejectsFeaturesAndWeightsBeyondTheirBounds() {
        assertRejected(JSON, "{\"x\": [1, 1.5e6, 3], \"y\": 1}", RejectReason.OUT_OF_RANGE)
                .withMessageContaining("feature 1");
        assertRejected(JSON, "{\"x\": [1, 2, -2e6], \"y\": 1}", RejectReason.OUT_OF_RANGE);
        assertRejected(JSON, "{\"x\": [1, 2, 3], \"y\": 1, \"w\": 1000.5}", RejectReason.OUT_OF_RANGE)
                .withMessageContaining("weight 1000.5");
        JsonRecordFormat tight = new JsonRecordFormat(RecordLimits.builder().numFeatures(3).numClasses(4)
                .maxAbsFeature(10).maxWeight(2).build(), "dflt");
        assertRejected(tight, "{\"x\": [1, 11, 3], \"y\": 1}", RejectReason.OUT_OF_RANGE);
        assertRejected(tight, "{\"x\": [1, 2, 3], \"y\": 1, \"w\": 2.5}", RejectReason.OUT_OF_RANGE);
    }

    @Test
    void valuesAtTheBoundsAreAccepted() throws Exception {
        assertThat(JSON.decode(utf8("{\"x\": [1e6, -1e6, 0], \"y\": 1, \"w\": 1000}")))
                .isEqualTo(TrainingRecord.example("dflt", new float[] {1e6f, -1e6f, 0}, 1, 1000f));
    }

    @Test
    void rejectsDuplicateKeysNamingTheKey() {
        assertRejected(JSON, "{\"x\": [1, 2, 3], \"y\": 1, \"y\": 2}", RejectReason.MALFORMED_JSON)
                .withMessageContaining("duplicate key 'y'");
        assertRejected(JSON, "{\"model\": \"a\", \"x\": [1, 2, 3], \"y\": 1, \"model\": \"b\"}",
                RejectReason.MALFORMED_JSON).withMessageContaining("duplicate key 'model'");
        assertRejected(JSON, "{\"x\": [1, 2, 3], \"y\": 1, \"extra\": {\"k\": 1, \"k\": 2}}",
                RejectReason.MALFORMED_JSON).withMessageContaining("duplicate key 'k'");
    }

    @Test
    void ignoresALeadingUtf8ByteOrderMark() throws Exception {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] json = utf8("{\"x\": [1, 2, 3], \"y\": 1}");
        byte[] value = java.util.Arrays.copyOf(bom, bom.length + json.length);
        System.arraycopy(json, 0, value, bom.length, json.length);

        assertThat(JSON.decode(value)).isEqualTo(TrainingRecord.example("dflt", new float[] {1, 2, 3}, 1));
    }

    @Test
    void otherUnparseableStartsGetAClearReason() {
        // A second mark is content: malformed JSON, and the detail shows the character it stumbled on.
        assertRejected(JSON, "\uFEFF\uFEFF{\"x\": [1, 2, 3], \"y\": 1}", RejectReason.MALFORMED_JSON)
                .withMessageContaining("0xfeff").withMessageContaining("line 1");
        assertRejected(JSON, "{\"x\": [1, 2, 3], \"y\": 1}".getBytes(java.nio.charset.StandardCharsets.UTF_16),
                RejectReason.INVALID_UTF8).withMessageContaining("UTF-16BE byte-order mark");
        assertRejected(JSON, new byte[] {'{', '"', 'x', '"', (byte) 0xC0, '}'}, RejectReason.INVALID_UTF8)
                .withMessageContaining("0xC0 at offset 4");
    }

    // ---- prediction requests

    private static final JsonRecordFormat REQUESTS = new JsonRecordFormat(
            RecordLimits.builder().anyWidth().maxRecordBytes(256).build(), "dflt");

    @Test
    void aRequestHasNoLabelAnOptionalIdAndAnyWidth() throws Exception {
        var r = REQUESTS.decodeRequest(utf8("{\"model\":\"m1\",\"x\":[1,2,3,4,5],\"id\":\"req-7\"}"));
        assertThat(r.modelId).isEqualTo("m1");
        assertThat(r.requestId).isEqualTo("req-7");
        assertThat(r.rows).isEqualTo(1);
        assertThat(r.numFeatures).isEqualTo(5);
        assertThat(r.features).containsExactly(1, 2, 3, 4, 5);

        var numeric = REQUESTS.decodeRequest(utf8("{\"x\":[0.5],\"id\":42,\"y\":3}"));
        assertThat(numeric.requestId).isEqualTo("42");
        assertThat(numeric.modelId).isEqualTo("dflt");
        assertThat(REQUESTS.decodeRequest(utf8("{\"x\":[0.5]}")).requestId).isNull();
    }

    @Test
    void aRequestRoundTrips() throws Exception {
        var r = new org.gsamflink.operators.serve.PredictionRequest("m", "a1", 1, 2, new float[] {0.25f, -3f});
        var back = REQUESTS.decodeRequest(JsonRecordFormat.encodeRequest(r));
        assertThat(back.requestId).isEqualTo("a1");
        assertThat(back.features).containsExactly(0.25f, -3f);
    }

    @Test
    void aBadRequestIsRejectedAsATrainingRecordWouldBe() {
        Rejections.assertRequestRejected(REQUESTS, "{\"x\":[1],\"id\":[1]}", RejectReason.WRONG_TYPE)
                .withMessage("\"id\" must be a string or an integer");
        Rejections.assertRequestRejected(REQUESTS, "{\"id\":\"a\"}", RejectReason.MISSING_FIELD);
        Rejections.assertRequestRejected(REQUESTS, "{\"x\":[1e30]}", RejectReason.OUT_OF_RANGE);
        Rejections.assertRequestRejected(REQUESTS, "{\"model\":\"a b\",\"x\":[1]}", RejectReason.BAD_MODEL_ID);
        assertThatIllegalArgumentException().isThrownBy(() -> JsonRecordFormat.encodeRequest(
                new org.gsamflink.operators.serve.PredictionRequest("m", null, 2, 1, new float[2])));
    }
}
