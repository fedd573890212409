package org.gsamflink.cli.data;

import org.gsamflink.pipeline.model.ImageShape;
import org.gsamflink.pipeline.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class IdxReaderTest {

    @TempDir
    Path dir;

    @Test
    void readsPlainFilesAndScalesPixels() throws Exception {
        Path images = IdxFiles.write(dir.resolve("imgs"), IdxFiles.images(5, 3, 4), false);
        Path labels = IdxFiles.write(dir.resolve("lbls"), IdxFiles.labels(5, 3), false);

        LabeledData d = IdxReader.read(images, labels);

        assertThat(d.size()).isEqualTo(5);
        assertThat(d.numFeatures()).isEqualTo(12);
        assertThat(d.numClasses()).isEqualTo(3);
        assertThat(d.imageShape()).contains(new ImageShape(3, 4, 1));
        assertThat(d.label(4)).isEqualTo(1);
        assertThat(d.feature(2, 5)).isCloseTo((2 * 7 + 5) / 255f, within(1e-7f));
        assertThat(d.feature(0, 0)).isZero();
    }

    @Test
    void readsGzipDirectoryOfBothSplits() throws Exception {
        IdxFiles.write(dir.resolve("train-images-idx3-ubyte.gz"), IdxFiles.images(6, 2, 2), true);
        IdxFiles.write(dir.resolve("train-labels-idx1-ubyte.gz"), IdxFiles.labels(6, 2), true);
        IdxFiles.write(dir.resolve("t10k-images-idx3-ubyte"), IdxFiles.images(4, 2, 2), false);
        IdxFiles.write(dir.resolve("t10k-labels-idx1-ubyte"), IdxFiles.labels(4, 2), false);

        LabeledData train = IdxReader.readDirectory(dir, IdxReader.Split.TRAIN);
        LabeledData test = IdxReader.readDirectory(dir, IdxReader.Split.TEST);

        assertThat(train.size()).isEqualTo(6);
        assertThat(test.size()).isEqualTo(4);
        assertThat(train.feature(1, 3)).isCloseTo(10 / 255f, within(1e-7f));
        assertThat(train.source()).isEqualTo(dir.toString());
    }

    @Test
    void gzipIsRecognisedByContentNotName() throws Exception {
        Path images = IdxFiles.write(dir.resolve("images.bin"), IdxFiles.images(2, 2, 2), true);
        Path labels = IdxFiles.write(dir.resolve("labels.gz"), IdxFiles.labels(2, 2), false);

        assertThat(IdxReader.read(images, labels).size()).isEqualTo(2);
    }

    @Test
    void rejectsBadMagicNamingTheFile() throws Exception {
        byte[] bytes = IdxFiles.images(2, 2, 2);
        bytes[0] = 0x12;
        Path images = IdxFiles.write(dir.resolve("imgs"), bytes, false);
        Path labels = IdxFiles.write(dir.resolve("lbls"), IdxFiles.labels(2, 2), false);

        assertThatThrownBy(() -> IdxReader.read(images, labels))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(images + ": not an IDX file (bad magic number 0x12000803)");
    }

    @Test
    void rejectsUnsupportedElementType() throws Exception {
        byte[] bytes = IdxFiles.images(2, 2, 2);
        bytes[2] = 0x0D;
        Path images = IdxFiles.write(dir.resolve("imgs"), bytes, false);
        Path labels = IdxFiles.write(dir.resolve("lbls"), IdxFiles.labels(2, 2), false);

        assertThatThrownBy(() -> IdxReader.read(images, labels))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith(images + ": unsupported IDX element type 0x0D");
    }

    @Test
    void rejectsSwappedFilesByTheirDimensionCount() throws Exception {
        Path images = IdxFiles.write(dir.resolve("imgs"), IdxFiles.images(2, 2, 2), false);
        Path labels = IdxFiles.write(dir.resolve("lbls"), IdxFiles.labels(2, 2), false);

        assertThatThrownBy(() -> IdxReader.read(labels, images))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(labels + ": bad magic number 0x00000801 for an IDX image file: 1 dimensions, expected 3"
                        + " or 4 (is this the labels file?)");
    }

    @Test
    void rejectsTruncatedData() throws Exception {
        byte[] full = IdxFiles.images(3, 4, 4);
        Path images = IdxFiles.write(dir.resolve("imgs"), Arrays.copyOf(full, full.length - 5), false);
        Path labels = IdxFiles.write(dir.resolve("lbls"), IdxFiles.labels(3, 2), false);

        assertThatThrownBy(() -> IdxReader.read(images, labels))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(images + ": truncated: the header declares 3x4x4 = 48 bytes of data but only 43 "
                        + "follow");
    }

    @Test
    void rejectsTruncatedHeaderAndTruncatedGzip() throws Exception {
        Path header = IdxFiles.write(dir.resolve("short"), new byte[] {0, 0, 8, 3, 0, 0}, false);
        Path labels = IdxFiles.write(dir.resolve("lbls"), IdxFiles.labels(3, 2), false);
        assertThatThrownBy(() -> IdxReader.read(header, labels))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith(header + ": truncated IDX header");

        Path gz = IdxFiles.write(dir.resolve("gz"), IdxFiles.images(50, 8, 8), true);
        byte[] cut = Arrays.copyOf(Files.readAllBytes(gz), (int) Files.size(gz) / 2);
        Files.write(gz, cut);
        assertThatThrownBy(() -> IdxReader.read(gz, labels))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith(gz + ": corrupt or truncated gzip data");
    }

    @Test
    void rejectsTrailingData() throws Exception {
        byte[] full = IdxFiles.images(2, 2, 2);
        Path images = IdxFiles.write(dir.resolve("imgs"), Arrays.copyOf(full, full.length + 3), false);
        Path labels = IdxFiles.write(dir.resolve("lbls"), IdxFiles.labels(2, 2), false);

        assertThatThrownBy(() -> IdxReader.read(images, labels))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(images + ": more data than the header declares (2x2x2 = 8 bytes)");
    }

    @Test
    void rejectsCountMismatch() throws Exception {
        Path images = IdxFiles.write(dir.resolve("imgs"), IdxFiles.images(5, 2, 2), false);
        Path labels = IdxFiles.write(dir.resolve("lbls"), IdxFiles.labels(4, 2), false);

        assertThatThrownBy(() -> IdxReader.read(images, labels))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(images + " has 5 images but " + labels + " has 4 labels");
    }

    @Test
    void rejectsLabelsOutOfRange() throws Exception {
        Path images = IdxFiles.write(dir.resolve("imgs"), IdxFiles.images(5, 2, 2), false);
        Path labels = IdxFiles.write(dir.resolve("lbls"), IdxFiles.labels(5, 5), false);

        assertThatThrownBy(() -> IdxReader.read(images, labels, 3))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(labels + ": label 3 of example 3 is out of range for 3 classes");
    }

    @Test
    void directoryWithoutTheSplitsFilesIsNamed() {
        assertThatThrownBy(() -> IdxReader.readDirectory(dir, IdxReader.Split.TEST))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(dir + ": no t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz] in this "
                        + "directory");
        assertThatThrownBy(() -> IdxReader.read(dir.resolve("nope"), dir.resolve("nope2")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(dir.resolve("nope") + ": no such file");
    }

    @Test
    void multiChannelImagesAreStoredChannelsFirst() throws Exception {
        // one 1×2 image with 3 channels: pixel 0 = (1, 2, 3), pixel 1 = (4, 5, 6)
        Path images = IdxFiles.write(dir.resolve("imgs"),
                IdxFiles.idx(new int[] {1, 1, 2, 3}, new byte[] {1, 2, 3, 4, 5, 6}), false);
        Path labels = IdxFiles.write(dir.resolve("lbls"), IdxFiles.labels(1, 1), false);

        LabeledData d = IdxReader.read(images, labels);

        assertThat(d.imageShape()).contains(new ImageShape(1, 2, 3));
        float[] x = new float[6];
        for (int i = 0; i < 6; i++) {
            x[i] = d.feature(0, i) * 255f;
        }
        assertThat(x).containsExactly(new float[] {1, 4, 2, 5, 3, 6}, within(1e-4f));
    }

    @Test
    void looksLikeIdxPeeksThroughGzip() throws Exception {
        Path gz = IdxFiles.write(dir.resolve("a"), IdxFiles.labels(3, 2), true);
        Path csv = Files.writeString(dir.resolve("b.csv"), "1,2,0\n");

        assertThat(IdxReader.looksLikeIdx(gz)).isTrue();
        assertThat(IdxReader.looksLikeIdx(csv)).isFalse();
    }
}
