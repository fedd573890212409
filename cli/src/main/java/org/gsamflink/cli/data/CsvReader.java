package org.gsamflink.cli.data;

import org.gsamflink.pipeline.InvalidInputException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads classification data from delimited text: one example per line, numeric feature columns and one integer
 * label column (the last one by default). Plain or gzip-compressed files; blank lines are skipped; fields may be
 * surrounded by blanks or double quotes.
 *
 * <p>Every line is validated and any problem is a one-line {@link InvalidInputException} of the form {@code
 * file:line: problem}: a column count that differs from the first data line, an empty or non-numeric field, a
 * non-finite value (NaN, Infinity, or beyond float range), a label that is not a non-negative integer, or one
 * outside [0, numClasses) when the number of classes is given.
 *
 * <pre>{@code
 * LabeledData d = CsvReader.builder().header(true).labelColumn(0).scale(255).build().read(Path.of("train.csv"));
 * }</pre>
 */
public final class CsvReader {

    public static final char DEFAULT_DELIMITER = ',';
    /** Label column index; negative values count from the end, −1 is the last column. */
    public static final int DEFAULT_LABEL_COLUMN = -1;
    public static final double DEFAULT_SCALE = 1.0;
    /** Labels at or above this are rejected: the one-hot targets would not fit in memory sensibly. */
    public static final int MAX_CLASSES = 100_000;

    private final char delimiter;
    private final boolean header;
    private final int labelColumn;
    private final int numClasses;
    private final double scale;

    private CsvReader(Builder b) {
        this.delimiter = b.delimiter;
        this.header = b.header;
        this.labelColumn = b.labelColumn;
        this.numClasses = b.numClasses;
        this.scale = b.scale;
    }

    public static Builder builder() {
        return new Builder();
    }

    public char delimiter() {
        return delimiter;
    }

    public boolean header() {
        return header;
    }

    public int labelColumn() {
        return labelColumn;
    }

    public int numClasses() {
        return numClasses;
    }

    public double scale() {
        return scale;
    }

    /** Reads all examples of {@code file}. */
    public LabeledData read(Path file) {
        DataFiles.checkReadableFile(file);
        FloatList features = new FloatList();
        IntList labels = new IntList();
        int columns = -1;
        int firstDataLine = -1;
        int labelIndex = -1;
        int maxLabel = -1;
        boolean headerPending = header;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(DataFiles.open(file),
                StandardCharsets.UTF_8), 1 << 16)) {
            String line;
            int lineNo = 0;
            String[] fields = new String[0];
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (lineNo == 1 && !line.isEmpty() && line.charAt(0) == '\uFEFF') {
                    line = line.substring(1);
                }
                if (line.isBlank()) {
                    continue;
                }
                if (headerPending) {
                    headerPending = false;
                    continue;
                }
                int count = split(line, fields);
                if (count > fields.length) {
                    fields = new String[count];
                    split(line, fields);
                }
                if (columns < 0) {
                    columns = count;
                    firstDataLine = lineNo;
                    if (columns < 2) {
                        throw error(file, lineNo, "found " + columns + " column" + (columns == 1 ? "" : "s")
                                + ", need at least one feature column and a label column (delimiter '"
                                + printable(delimiter) + "')");
                    }
                    labelIndex = labelColumn < 0 ? columns + labelColumn : labelColumn;
                    if (labelIndex < 0 || labelIndex >= columns) {
                        throw error(file, lineNo, "label column " + labelColumn + " is outside the " + columns
                                + " columns");
                    }
                } else if (count != columns) {
                    throw error(file, lineNo, "expected " + columns + " columns (as on line " + firstDataLine
                            + ") but found " + count);
                }
                for (int c = 0; c < count; c++) {
                    String field = fields[c];
                    if (field.isEmpty()) {
                        throw error(file, lineNo, "column " + (c + 1) + " is empty");
                    }
                    double v;
                    try {
                        v = Double.parseDouble(field);
                    } catch (NumberFormatException e) {
                        throw error(file, lineNo, "column " + (c + 1) + ": '" + abbreviate(field)
                                + "' is not a number" + (labels.size == 0 && !header
                                ? " (a header line? skip it with --csv-header)" : ""));
                    }
                    if (c == labelIndex) {
                        if (!Double.isFinite(v) || v != Math.rint(v) || v < 0) {
                            throw error(file, lineNo, "label '" + abbreviate(field) + "' in column " + (c + 1)
                                    + " is not a non-negative integer");
                        }
                        if (numClasses > 0 && v >= numClasses) {
                            throw error(file, lineNo, "label " + (long) v + " in column " + (c + 1)
                                    + " is out of range for " + numClasses + " classes (0.." + (numClasses - 1)
                                    + ")");
                        }
                        if (v >= MAX_CLASSES) {
                            throw error(file, lineNo, "label " + (long) v + " in column " + (c + 1)
                                    + " is too large (at most " + (MAX_CLASSES - 1) + ")");
                        }
                        labels.add((int) v);
                        maxLabel = Math.max(maxLabel, (int) v);
                    } else {
                        float f = (float) (v / scale);
                        if (!Float.isFinite(f)) {
                            throw error(file, lineNo, "column " + (c + 1) + ": '" + abbreviate(field)
                                    + "' is not a finite number" + (Double.isFinite(v) ? " in float range" : ""));
                        }
                        features.add(f);
                    }
                }
            }
        } catch (IOException e) {
            throw DataFiles.readFailure(file, e);
        }
        if (labels.size == 0) {
            throw new InvalidInputException(file + ": no data rows" + (header ? " after the header line" : ""));
        }
        int classes = numClasses > 0 ? numClasses : maxLabel + 1;
        return new LabeledData(file.toString(), features.toArray(), labels.toArray(), columns - 1, classes, null);
    }

    /**
     * Whether the first non-blank line of {@code file} has a field that is not a number, as a header line has: for
     * callers that accept a header without asking (a data line with a typo is then taken for a header, and the
     * next such line is still an error).
     */
    public boolean startsWithHeader(Path file) {
        DataFiles.checkReadableFile(file);
        try (BufferedReader in = new BufferedReader(new InputStreamReader(DataFiles.open(file),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                line = line.replace("\uFEFF", "");
                if (!line.isBlank()) {
                    String[] fields = new String[split(line, new String[0])];
                    split(line, fields);
                    for (String field : fields) {
                        try {
                            Double.parseDouble(field);
                        } catch (NumberFormatException e) {
                            return true;
                        }
                    }
                    return false;
                }
            }
            return false;
        } catch (IOException e) {
            throw DataFiles.readFailure(file, e);
        }
    }

    /** Splits {@code line} at the delimiter into {@code out} (trimmed, quotes removed) if it fits; returns the count. */
    private int split(String line, String[] out) {
        int count = 0;
        int start = 0;
        while (true) {
            int end = line.indexOf(delimiter, start);
            if (end < 0) {
                end = line.length();
            }
            if (count < out.length) {
                out[count] = unquote(line.substring(start, end).trim());
            }
            count++;
            if (end == line.length()) {
                return count;
            }
            start = end + 1;
        }
    }

    private static String unquote(String s) {
        return s.length() >= 2 && s.charAt(0) == '"' && s.charAt(s.length() - 1) == '"'
                ? s.substring(1, s.length() - 1).trim() : s;
    }

    private static InvalidInputException error(Path file, int line, String message) {
        return new InvalidInputException(file + ":" + line + ": " + message);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }

    static String printable(char c) {
        return switch (c) {
            case '\t' -> "\\t";
            case ' ' -> "space";
            default -> String.valueOf(c);
        };
    }

    @Override
    public String toString() {
        return "CsvReader{delimiter='" + printable(delimiter) + "', header=" + header + ", labelColumn="
                + labelColumn + ", numClasses=" + (numClasses == 0 ? "auto" : numClasses) + ", scale=" + scale
                + '}';
    }

    /** Builder; each setter validates its own value. */
    public static final class Builder {
        private char delimiter = DEFAULT_DELIMITER;
        private boolean header;
        private int labelColumn = DEFAULT_LABEL_COLUMN;
        private int numClasses;
        private double scale = DEFAULT_SCALE;

        private Builder() {}

        /** Field separator; any character except a digit, sign, point, letter, quote or line break. */
        public Builder delimiter(char delimiter) {
            if (Character.isLetterOrDigit(delimiter) || "+-.\"\r\n".indexOf(delimiter) >= 0) {
                throw new IllegalArgumentException("delimiter '" + printable(delimiter)
                        + "' cannot separate numbers; use e.g. ',', ';', '\\t' or ' '");
            }
            this.delimiter = delimiter;
            return this;
        }

        /** Whether the first non-blank line is a header to skip (default false). */
        public Builder header(boolean header) {
            this.header = header;
            return this;
        }

        /** 0-based index of the label column; negative counts from the end (−1, the default, is the last). */
        public Builder labelColumn(int labelColumn) {
            this.labelColumn = labelColumn;
            return this;
        }

        /** Number of classes: labels must lie in [0, numClasses); 0 (default) means the largest label + 1. */
        public Builder numClasses(int numClasses) {
            if (numClasses < 0 || numClasses > MAX_CLASSES) {
                throw new IllegalArgumentException("numClasses must be in [0, " + MAX_CLASSES + "], got "
                        + numClasses);
            }
            this.numClasses = numClasses;
            return this;
        }

        /** Feature values are divided by this (e.g. 255 for pixel values); finite and > 0, default 1. */
        public Builder scale(double scale) {
            if (!Double.isFinite(scale) || scale <= 0) {
                throw new IllegalArgumentException("scale must be a finite number > 0, got " + scale);
            }
            this.scale = scale;
            return this;
        }

        public CsvReader build() {
            return new CsvReader(this);
        }
    }

    private static final class FloatList {
        float[] data = new float[1024];
        int size;

        void add(float v) {
            if (size == data.length) {
                data = Arrays.copyOf(data, data.length * 2);
            }
            data[size++] = v;
        }

        float[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }

    private static final class IntList {
        int[] data = new int[256];
        int size;

        void add(int v) {
            if (size == data.length) {
                data = Arrays.copyOf(data, data.length * 2);
            }
            data[size++] = v;
        }

        int[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }
}
