package org.gsamflink.pipeline.format;

import org.gsamflink.operators.TrainingRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gsamflink.pipeline.format.Rejections.assertRejected;
import static org.gsamflink.pipeline.format.Rejections.utf8;

class CsvRecordFormatTest {

    /** 3 features, 4 classes, records up to 64 bytes. */
    private static final RecordLimits LIMITS = new RecordLimits(3, 4, 64);
    private static final CsvRecordFormat CSV = new CsvRecordFormat(LIMITS, "fm", ',', -1);

    @Test
    void roundTripsAnExampleWithTheLabelLast() throws Exception {
        TrainingRecord r = TrainingRecord.example("fm", new float[] {0.1f, -2.5f, 3e-7f}, 3);

        byte[] encoded = CSV.encode(r);

        assertThat(new String(encoded, StandardCharsets.UTF_8)).isEqualTo("0.1,-2.5,3.0E-7,3");
        assertThat(CSV.decode(encoded)).isEqualTo(r);
        assertThat(CSV.name()).isEqualTo("csv");
    }

    @ParameterizedTest(name = "delimiter {0}, label column {1}")
    @CsvSource(delimiter = '|', value = {
        ";|0|2;0.1;-2.5;7.0",
        "'\t'|1|'0.1\t2\t-2.5\t7.0'",
        "' '|-2|0.1 -2.5 2 7.0",
        ",|3|0.1,-2.5,7.0,2",
    })
    void roundTripsWithACustomDelimiterAndLabelColumn(char delimiter, int labelColumn, String line) throws Exception {
        CsvRecordFormat format = new CsvRecordFormat(LIMITS, "fm", delimiter, labelColumn);
        TrainingRecord r = TrainingRecord.example("fm", new float[] {0.1f, -2.5f, 7f}, 2);

        assertThat(new String(format.encode(r), StandardCharsets.UTF_8)).isEqualTo(line);
        assertThat(format.decode(utf8(line))).isEqualTo(r);
    }

    @Test
    void acceptsBlanksAroundCellsAndTheLine() throws Exception {
        assertThat(CSV.decode(utf8("  1 , 2.5e0 ,-3 , 0 \r\n")))
                .isEqualTo(TrainingRecord.example("fm", new float[] {1f, 2.5f, -3f}, 0));
    }

    @Test
    void rejectsEmptyAndOversizedRecords() {
        assertRejected(CSV, new byte[0], RejectReason.EMPTY);
        assertRejected(CSV, "1,2,3,0" + " ".repeat(60), RejectReason.OVERSIZED).withMessageContaining("64");
    }

    @Test
    void rejectsInvalidUtf8() {
        assertRejected(CSV, new byte[] {'1', ',', (byte) 0xC3, (byte) 0x28, ',', '3', ',', '0'},
                RejectReason.INVALID_UTF8);
        assertRejected(CSV, new byte[] {(byte) 0xFF, (byte) 0xFE}, RejectReason.INVALID_UTF8);
    }

    @Test
    void rejectsMalformedLines() {
        assertRejected(CSV, "   ", RejectReason.MALFORMED_CSV);
        assertRejected(CSV, "1.0", RejectReason.MALFORMED_CSV);
        assertRejected(CSV, "1;2;3;0", RejectReason.MALFORMED_CSV);
        assertRejected(new CsvRecordFormat(LIMITS, "fm", ',', 7), "1,2,3,0", RejectReason.MALFORMED_CSV)
                .withMessageContaining("label column 7");
        assertRejected(new CsvRecordFormat(LIMITS, "fm", ',', -9), "1,2,3,0", RejectReason.MALFORMED_CSV);
    }

    @Test
    void rejectsBadNumbers() {
        assertRejected(CSV, "0.1,abc,0.3,1", RejectReason.BAD_NUMBER).withMessageContaining("column 1");
        assertRejected(CSV, "0.1,,0.3,1", RejectReason.BAD_NUMBER);
        assertRejected(CSV, "0.1,0.2,0.3,x", RejectReason.BAD_NUMBER).withMessageContaining("label");
        assertRejected(CSV, "0.1,0.2,0.3,1.0", RejectReason.BAD_NUMBER);
        assertRejected(CSV, "0.1,0.2,0.3,99999999999", RejectReason.BAD_NUMBER);
    }

    @Test
    void rejectsTheWrongNumberOfFeatures() {
        assertRejected(CSV, "0.1,0.2,1", RejectReason.WRONG_DIMENSION).withMessageContaining("2 features");
        assertRejected(CSV, "0.1,0.2,0.3,0.4,1", RejectReason.WRONG_DIMENSION);
    }

    @Test
    void rejectsNonFiniteFeatures() {
        assertRejected(CSV, "NaN,0,0,1", RejectReason.NON_FINITE);
        assertRejected(CSV, "0,-Infinity,0,1", RejectReason.NON_FINITE);
        assertRejected(CSV, "0,0,1e39,1", RejectReason.NON_FINITE);   // overflows float
    }

    @Test
    void rejectsLabelsOutOfRange() {
        assertRejected(CSV, "0,0,0,4", RejectReason.LABEL_OUT_OF_RANGE).withMessageContaining("[0, 4)");
        assertRejected(CSV, "0,0,0,-1", RejectReason.LABEL_OUT_OF_RANGE);
    }

    @Test
    void rejectsAnUnsafeConfiguredModelId() {
        for (String id : new String[] {"..", ".", "a/b", "", "x".repeat(129), "ü"}) {
            assertRejected(new CsvRecordFormat(LIMITS, id, ',', -1), "0,0,0,1", RejectReason.BAD_MODEL_ID);
        }
    }

    // ---- bounds, byte-order marks and short details

    @Test
    void ignoresALeadingUtf8ByteOrderMark() throws Exception {
        assertThat(CSV.decode(utf8("\uFEFF1,2,3,0")))
                .isEqualTo(TrainingRecord.example("fm", new float[] {1f, 2f, 3f}, 0));
    }

    @Test
    void aByteOrderMarkAnywhereElseIsShownInTheDetail() {
        // Two marks: the second is content, and the detail must not read as if "1" were not a number.
        assertRejected(CSV, "\uFEFF\uFEFF1,2,3,0", RejectReason.BAD_NUMBER)
                .withMessageContaining("\\uFEFF1").withMessageNotContaining("\uFEFF");
        assertRejected(CSV, "1,2\uFEFF,3,0", RejectReason.BAD_NUMBER).withMessageContaining("column 1 '2\\uFEFF'");
    }

    @Test
    void aUtf16RecordIsInvalidUtf8AndSaysSo() {
        byte[] utf16 = "\uFEFF1,2,3,0".getBytes(StandardCharsets.UTF_16LE);
        assertRejected(CSV, utf16, RejectReason.INVALID_UTF8).withMessageContaining("UTF-16LE byte-order mark");
    }

    @Test
    void rejectsFeaturesBeyondTheBound() {
        CsvRecordFormat bounded = new CsvRecordFormat(RecordLimits.builder().numFeatures(3).numClasses(4)
                .maxAbsFeature(100).build(), "fm", ',', -1);

        assertRejected(bounded, "0,100.5,0,1", RejectReason.OUT_OF_RANGE)
                .withMessageContaining("feature 1 of row 0").withMessageContaining("100.5");
        assertRejected(bounded, "-1e3,0,0,1", RejectReason.OUT_OF_RANGE);
        assertRejected(CSV, "0,0,1e7,1", RejectReason.OUT_OF_RANGE);   // the default bound, 1e6
    }

    @Test
    void aHugeLabelCellGivesAShortOneLineDetail() {
        CsvRecordFormat roomy = new CsvRecordFormat(new RecordLimits(3, 4, 1 << 20), "fm", ',', -1);
        String cell = ("label\nline\r" + "x".repeat(100)).repeat(9000);   // ~ 900 kB

        assertRejected(roomy, "0,0,0," + cell, RejectReason.BAD_NUMBER)
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThanOrEqualTo(Details.MAX_DETAIL_CHARS)
                        .doesNotContain("\n", "\r").contains("label\\nline\\r"));
        assertRejected(roomy, "0," + cell + ",0,1", RejectReason.BAD_NUMBER)
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(80).doesNotContain("\n"));
    }

    @Test
    void aRequestIsEveryColumnAsAFeature() throws Exception {
        CsvRecordFormat requests = new CsvRecordFormat(RecordLimits.builder().anyWidth().maxRecordBytes(64).build(),
                "fm", ';', -1);
        var r = requests.decodeRequest(Rejections.utf8("1.5; -2;3;4"));
        assertThat(r.modelId).isEqualTo("fm");
        assertThat(r.numFeatures).isEqualTo(4);
        assertThat(r.features).containsExactly(1.5f, -2f, 3f, 4f);
        Rejections.assertRequestRejected(requests, "1;x", RejectReason.BAD_NUMBER).withMessageContaining("column 1");
        Rejections.assertRequestRejected(requests, " ", RejectReason.MALFORMED_CSV);
    }
}
