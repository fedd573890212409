package org.gsamflink.cli.data;

import org.gsamflink.pipeline.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DataLoaderTest {

    @TempDir
    Path dir;

    private final DataLoader auto = DataLoader.builder().build();

    @Test
    void autoDetectsIdxDirectoryPairAndCsv() throws Exception {
        Path images = IdxFiles.write(dir.resolve("train-images-idx3-ubyte"), IdxFiles.images(3, 2, 2), false);
        Path labels = IdxFiles.write(dir.resolve("train-labels-idx1-ubyte"), IdxFiles.labels(3, 2), false);
        Path csv = Files.writeString(dir.resolve("d.csv"), "1,2,0\n");

        assertThat(auto.load("--data", List.of(dir), IdxReader.Split.TRAIN).imageShape()).isPresent();
        assertThat(auto.load("--data", List.of(images, labels), IdxReader.Split.TRAIN).size()).isEqualTo(3);
        assertThat(auto.load("--data", List.of(csv), IdxReader.Split.TRAIN).numFeatures()).isEqualTo(2);
    }

    @Test
    void singleIdxFileNeedsItsLabels() throws Exception {
        Path images = IdxFiles.write(dir.resolve("imgs.gz"), IdxFiles.images(3, 2, 2), true);

        assertThatThrownBy(() -> auto.load("--data", List.of(images), IdxReader.Split.TRAIN))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("--data " + images + ": IDX data needs an images file and a labels file (give both: "
                        + "--data IMAGES LABELS) or their directory");
    }

    @Test
    void missingPathAndFormatConflictsAreNamed() throws Exception {
        Path missing = dir.resolve("nope");
        assertThatThrownBy(() -> auto.load("--test", List.of(missing), IdxReader.Split.TEST))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("--test " + missing + ": no such file or directory");

        DataLoader csv = DataLoader.builder().format(DataFormat.CSV).build();
        assertThatThrownBy(() -> csv.load("--data", List.of(dir), IdxReader.Split.TRAIN))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("--data " + dir + ": is a directory; CSV data is a single file");
    }
}
