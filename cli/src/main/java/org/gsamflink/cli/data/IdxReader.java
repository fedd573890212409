package org.gsamflink.cli.data;

import org.gsamflink.pipeline.model.ImageShape;
import org.gsamflink.pipeline.InvalidInputException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Reads image classification data in the IDX format of MNIST and Fashion-MNIST: an images file (magic {@code
 * 0x00000803}, dimensions n × rows × cols, or {@code 0x00000804} with a trailing channel dimension) and a labels
 * file (magic {@code 0x00000801}, dimension n), each plain or gzip-compressed (recognised by content), unsigned
 * byte elements, big-endian dimension sizes. Pixels are scaled to [0, 1] (divided by 255); multi-channel images
 * are stored channels-first (c, h, w), the flat layout DL4J's convolutional input type expects.
 *
 * <p>Everything is validated, with a one-line {@link InvalidInputException} naming the file: the magic number
 * (two zero bytes, element type 0x08, the expected number of dimensions), that the data is exactly as long as the
 * header declares (not truncated, no trailing bytes), that images and labels have the same count, and that labels
 * lie in [0, numClasses) when the number of classes is given.
 *
 * <pre>{@code
 * LabeledData train = IdxReader.readDirectory(Path.of("/usr/share/datasets/fashion-mnist"), IdxReader.Split.TRAIN);
 * LabeledData test  = IdxReader.read(Path.of("t10k-images-idx3-ubyte.gz"), Path.of("t10k-labels-idx1-ubyte.gz"));
 * }</pre>
 */
public final class IdxReader {

    /** IDX element type of unsigned bytes, the only one MNIST-style data uses. */
    public static final int TYPE_UNSIGNED_BYTE = 0x08;

    private static final int MAX_DIMENSIONS = 4;

    /** Which pair of files of an MNIST-style directory to read. */
    public enum Split {
        /** {@code train-images-idx3-ubyte[.gz]} and {@code train-labels-idx1-ubyte[.gz]}. */
        TRAIN("train"),
        /** {@code t10k-images-idx3-ubyte[.gz]} and {@code t10k-labels-idx1-ubyte[.gz]}. */
        TEST("t10k");

        private final String prefix;

        Split(String prefix) {
            this.prefix = prefix;
        }

        public String prefix() {
            return prefix;
        }
    }

    /** An images file and its labels file. */
    public record FilePair(Path images, Path labels) {}

    private IdxReader() {}

    /**
     * The images/labels files of {@code split} in {@code dir}, if both are there. Accepted names: {@code
     * <prefix>-images-idx3-ubyte} and {@code <prefix>-images.idx3-ubyte}, each optionally with {@code .gz} (same
     * for labels with idx1).
     */
    public static Optional<FilePair> findFiles(Path dir, Split split) {
        Path images = find(dir, split.prefix(), "images", "idx3");
        Path labels = find(dir, split.prefix(), "labels", "idx1");
        return images != null && labels != null ? Optional.of(new FilePair(images, labels)) : Optional.empty();
    }

    private static Path find(Path dir, String prefix, String kind, String idx) {
        for (String name : List.of(prefix + "-" + kind + "-" + idx + "-ubyte", prefix + "-" + kind + "." + idx
                + "-ubyte")) {
            for (String suffix : List.of("", ".gz")) {
                Path p = dir.resolve(name + suffix);
                if (Files.isRegularFile(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    /** Reads the {@code split} files of an MNIST-style directory; see {@link #findFiles}. */
    public static LabeledData readDirectory(Path dir, Split split) {
        return readDirectory(dir, split, 0);
    }

    /**
     * Reads the {@code split} files of an MNIST-style directory; see {@link #findFiles}.
     *
     * @param numClasses the number of classes (labels must be below it), or 0 for the largest label + 1
     */
    public static LabeledData readDirectory(Path dir, Split split, int numClasses) {
        if (!Files.isDirectory(dir)) {
            throw new InvalidInputException(dir + ": no such directory");
        }
        FilePair pair = findFiles(dir, split).orElseThrow(() -> new InvalidInputException(dir + ": no "
                + split.prefix() + "-images-idx3-ubyte[.gz] and " + split.prefix()
                + "-labels-idx1-ubyte[.gz] in this directory"));
        return read(pair.images(), pair.labels(), numClasses, dir.toString());
    }

    /** Reads an images file and its labels file; the number of classes is the largest label + 1. */
    public static LabeledData read(Path images, Path labels) {
        return read(images, labels, 0, images.toString());
    }

    /**
     * Reads an images file and its labels file.
     *
     * @param numClasses the number of classes (labels must be below it), or 0 for the largest label + 1
     */
    public static LabeledData read(Path images, Path labels, int numClasses) {
        return read(images, labels, numClasses, images.toString());
    }

    private static LabeledData read(Path imagesFile, Path labelsFile, int numClasses, String source) {
        if (numClasses < 0) {
            throw new IllegalArgumentException("numClasses must be >= 0, got " + numClasses);
        }
        IdxArray images = readArray(imagesFile, 3, MAX_DIMENSIONS, "image");
        IdxArray labels = readArray(labelsFile, 1, 1, "label");
        int n = images.dims[0];
        if (labels.dims[0] != n) {
            throw new InvalidInputException(imagesFile + " has " + n + " images but " + labelsFile + " has "
                    + labels.dims[0] + " labels");
        }
        int[] y = new int[n];
        int maxLabel = 0;
        for (int i = 0; i < n; i++) {
            y[i] = labels.data[i] & 0xff;
            maxLabel = Math.max(maxLabel, y[i]);
            if (numClasses > 0 && y[i] >= numClasses) {
                throw new InvalidInputException(labelsFile + ": label " + y[i] + " of example " + i
                        + " is out of range for " + numClasses + " classes");
            }
        }
        int classes = numClasses > 0 ? numClasses : maxLabel + 1;
        ImageShape shape = new ImageShape(images.dims[1], images.dims[2], images.dims.length == 4 ? images.dims[3] : 1);
        float[] x = new float[images.data.length];
        if (shape.channels() == 1) {
            for (int i = 0; i < x.length; i++) {
                x[i] = (images.data[i] & 0xff) / 255f;
            }
        } else {
            // IDX stores n × h × w × c; examples are kept channels-first (c, h, w), DL4J's flat image layout.
            int h = shape.height();
            int w = shape.width();
            int c = shape.channels();
            int size = shape.size();
            for (int e = 0; e < n; e++) {
                int base = e * size;
                for (int i = 0; i < h * w; i++) {
                    for (int ch = 0; ch < c; ch++) {
                        x[base + ch * h * w + i] = (images.data[base + i * c + ch] & 0xff) / 255f;
                    }
                }
            }
        }
        return new LabeledData(source, x, y, shape.size(), classes, shape);
    }

    /** True if the (decompressed) file starts like an IDX file of unsigned bytes: 00 00 08 and 1–4 dimensions. */
    public static boolean looksLikeIdx(Path file) {
        try {
            byte[] head = DataFiles.head(file, 4);
            return head.length == 4 && head[0] == 0 && head[1] == 0 && head[2] == TYPE_UNSIGNED_BYTE
                    && head[3] >= 1 && head[3] <= MAX_DIMENSIONS;
        } catch (IOException e) {
            return false;
        }
    }

    /** A decoded IDX file: its dimensions and its raw unsigned bytes. */
    private record IdxArray(int[] dims, byte[] data) {}

    private static IdxArray readArray(Path file, int minDims, int maxDims, String what) {
        try (InputStream in = DataFiles.open(file)) {
            byte[] magic = in.readNBytes(4);
            if (magic.length < 4) {
                throw new InvalidInputException(file + ": truncated IDX header (" + magic.length
                        + " bytes, an IDX file starts with a 4-byte magic number)");
            }
            int magicNumber = ((magic[0] & 0xff) << 24) | ((magic[1] & 0xff) << 16) | ((magic[2] & 0xff) << 8)
                    | (magic[3] & 0xff);
            if (magic[0] != 0 || magic[1] != 0) {
                throw new InvalidInputException(String.format("%s: not an IDX file (bad magic number 0x%08X)", file,
                        magicNumber));
            }
            if ((magic[2] & 0xff) != TYPE_UNSIGNED_BYTE) {
                throw new InvalidInputException(String.format("%s: unsupported IDX element type 0x%02X in magic "
                        + "number 0x%08X (only unsigned bytes, 0x08, are supported)", file, magic[2] & 0xff,
                        magicNumber));
            }
            int ndims = magic[3] & 0xff;
            if (ndims < minDims || ndims > maxDims) {
                String expected = minDims == maxDims ? String.valueOf(minDims) : minDims + " or " + maxDims;
                throw new InvalidInputException(String.format("%s: bad magic number 0x%08X for an IDX %s file: %d "
                        + "dimensions, expected %s%s", file, magicNumber, what, ndims, expected,
                        ndims == 3 && "label".equals(what) ? " (is this the images file?)"
                                : ndims == 1 && "image".equals(what) ? " (is this the labels file?)" : ""));
            }
            byte[] header = in.readNBytes(4 * ndims);
            if (header.length < 4 * ndims) {
                throw new InvalidInputException(file + ": truncated IDX header (" + ndims
                        + " dimension sizes declared, file ends after " + (4 + header.length) + " bytes)");
            }
            int[] dims = new int[ndims];
            long total = 1;
            StringBuilder shape = new StringBuilder();
            for (int d = 0; d < ndims; d++) {
                dims[d] = ((header[4 * d] & 0xff) << 24) | ((header[4 * d + 1] & 0xff) << 16)
                        | ((header[4 * d + 2] & 0xff) << 8) | (header[4 * d + 3] & 0xff);
                if (dims[d] <= 0) {
                    throw new InvalidInputException(file + ": dimension " + d + " of the IDX header is "
                            + Integer.toUnsignedString(dims[d]) + (d == 0 ? " (no examples)" : ", must be >= 1"));
                }
                total *= dims[d];
                shape.append(d == 0 ? "" : "x").append(dims[d]);
            }
            if (total > Integer.MAX_VALUE - 64) {
                throw new InvalidInputException(file + ": IDX data of " + shape + " = " + total
                        + " bytes is too large to load");
            }
            byte[] data = in.readNBytes((int) total);
            if (data.length < total) {
                throw new InvalidInputException(file + ": truncated: the header declares " + shape + " = " + total
                        + " bytes of data but only " + data.length + " follow");
            }
            if (in.read() != -1) {
                throw new InvalidInputException(file + ": more data than the header declares (" + shape + " = "
                        + total + " bytes)");
            }
            return new IdxArray(dims, data);
        } catch (IOException e) {
            throw DataFiles.readFailure(file, e);
        }
    }
}
