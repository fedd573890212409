package org.gsamflink.cli.data;

import org.gsamflink.pipeline.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class CsvReaderTest {

    @TempDir
    Path dir;

    private Path csv(String content) throws IOException {
        return Files.writeString(dir.resolve("data.csv"), content);
    }

    private static CsvReader defaults() {
        return CsvReader.builder().build();
    }

    @Test
    void readsFeaturesAndLastColumnLabels() throws Exception {
        Path f = csv("0.5,1.5,1\n-2, 3e-1 ,0\n\n4,5,2\n");

        LabeledData d = defaults().read(f);

        assertThat(d.size()).isEqualTo(3);
        assertThat(d.numFeatures()).isEqualTo(2);
        assertThat(d.numClasses()).isEqualTo(3);
        assertThat(d.feature(1, 1)).isCloseTo(0.3f, within(1e-7f));
        assertThat(d.label(2)).isEqualTo(2);
        assertThat(d.imageShape()).isEmpty();
    }

    @Test
    void aHeaderLineIsRecognisedByItsNonNumericField() throws Exception {
        assertThat(defaults().startsWithHeader(csv("\uFEFF\n x1, x2 ,label\n1,2,0\n"))).isTrue();
        assertThat(defaults().startsWithHeader(csv("\n\"0.5\", -1e3 ,2\nx,y,z\n"))).isFalse();
        assertThat(CsvReader.builder().delimiter(';').build().startsWithHeader(csv("1;2;\"y\"\n"))).isTrue();
        assertThat(defaults().startsWithHeader(csv(""))).isFalse();
    }

    @Test
    void headerDelimiterLabelColumnAndScale() throws Exception {
        Path f = csv("label;p1;p2\n\"1\";255;0\n0;51;102\n");

        LabeledData d = CsvReader.builder().header(true).delimiter(';').labelColumn(0).scale(255).build().read(f);

        assertThat(d.size()).isEqualTo(2);
        assertThat(d.label(0)).isEqualTo(1);
        assertThat(d.feature(0, 0)).isEqualTo(1f);
        assertThat(d.feature(1, 1)).isCloseTo(0.4f, within(1e-6f));
    }

    @Test
    void gzipCsvIsRead() throws Exception {
        Path f = IdxFiles.write(dir.resolve("d.csv.gz"), "1,2,0\n3,4,1\n".getBytes(), true);

        assertThat(defaults().read(f).size()).isEqualTo(2);
    }

    @Test
    void inconsistentColumnCountNamesFileAndLine() throws Exception {
        Path f = csv("1,2,0\n\n3,4,5,1\n");

        assertThatThrownBy(() -> defaults().read(f))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(f + ":3: expected 3 columns (as on line 1) but found 4");
    }

    @Test
    void nonNumericValueNamesFileLineAndColumn() throws Exception {
        Path f = csv("1,2,0\n3,abc,1\n");

        assertThatThrownBy(() -> defaults().read(f))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(f + ":2: column 2: 'abc' is not a number");
    }

    @Test
    void headerWithoutOptionGetsAHint() throws Exception {
        Path f = csv("x,y,label\n1,2,0\n");

        assertThatThrownBy(() -> defaults().read(f))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(f + ":1: column 1: 'x' is not a number (a header line? skip it with --csv-header)");
    }

    @Test
    void nonFiniteValuesAreRejected() throws Exception {
        Path f = csv("1,2,0\nNaN,2,1\n");
        assertThatThrownBy(() -> defaults().read(f))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(f + ":2: column 1: 'NaN' is not a finite number");

        Path g = Files.writeString(dir.resolve("big.csv"), "1e300,2,0\n");
        assertThatThrownBy(() -> defaults().read(g))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(g + ":1: column 1: '1e300' is not a finite number in float range");
    }

    @Test
    void emptyFieldIsRejected() throws Exception {
        Path f = csv("1,,0\n");

        assertThatThrownBy(() -> defaults().read(f))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(f + ":1: column 2 is empty");
    }

    @Test
    void labelsMustBeNonNegativeIntegers() throws Exception {
        Path f = csv("1,2,0\n1,2,1.5\n");
        assertThatThrownBy(() -> defaults().read(f))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(f + ":2: label '1.5' in column 3 is not a non-negative integer");

        Path g = Files.writeString(dir.resolve("neg.csv"), "1,2,-1\n");
        assertThatThrownBy(() -> defaults().read(g))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(g + ":1: label '-1' in column 3 is not a non-negative integer");
    }

    @Test
    void labelsOutOfRangeForGivenClasses() throws Exception {
        Path f = csv("1,2,0\n1,2,1\n1,2,4\n");

        assertThatThrownBy(() -> CsvReader.builder().numClasses(3).build().read(f))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(f + ":3: label 4 in column 3 is out of range for 3 classes (0..2)");
    }

    @Test
    void tooFewColumnsAndBadLabelColumn() throws Exception {
        Path f = csv("7\n");
        assertThatThrownBy(() -> defaults().read(f))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(f + ":1: found 1 column, need at least one feature column and a label column "
                        + "(delimiter ',')");

        Path g = Files.writeString(dir.resolve("g.csv"), "1,2,3\n");
        assertThatThrownBy(() -> CsvReader.builder().labelColumn(3).build().read(g))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(g + ":1: label column 3 is outside the 3 columns");
    }

    @Test
    void emptyAndMissingFiles() throws Exception {
        Path f = csv("a,b\n\n");
        assertThatThrownBy(() -> CsvReader.builder().header(true).build().read(f))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(f + ": no data rows after the header line");

        Path missing = dir.resolve("missing.csv");
        assertThatThrownBy(() -> defaults().read(missing))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(missing + ": no such file");
    }

    @Test
    void builderValidatesItsValues() {
        assertThatThrownBy(() -> CsvReader.builder().delimiter('.'))
                .hasMessage("delimiter '.' cannot separate numbers; use e.g. ',', ';', '\\t' or ' '");
        assertThatThrownBy(() -> CsvReader.builder().scale(0))
                .hasMessage("scale must be a finite number > 0, got 0.0");
        assertThatThrownBy(() -> CsvReader.builder().numClasses(-1))
                .hasMessage("numClasses must be in [0, 100000], got -1");
    }
}
