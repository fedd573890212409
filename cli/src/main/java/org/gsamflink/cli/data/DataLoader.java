package org.gsamflink.cli.data;

import org.gsamflink.pipeline.InvalidInputException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Loads a {@link LabeledData} from what a user names on the command line: a directory of MNIST-style IDX files,
 * an IDX images file and its labels file, or one CSV file, in a given or auto-detected {@link DataFormat}.
 *
 * <pre>{@code
 * DataLoader loader = DataLoader.builder().format(DataFormat.AUTO).csv(CsvReader.builder().build()).build();
 * LabeledData train = loader.load("--data", List.of(Path.of("/usr/share/datasets/fashion-mnist")), IdxReader.Split.TRAIN);
 * }</pre>
 */
public final class DataLoader {

    private final DataFormat format;
    private final CsvReader csv;
    private final int numClasses;

    private DataLoader(Builder b) {
        this.format = b.format;
        this.csv = b.csv;
        this.numClasses = b.numClasses;
    }

    public static Builder builder() {
        return new Builder();
    }

    public DataFormat format() {
        return format;
    }

    /** The number of classes IDX labels must stay below, or 0 for the largest label + 1 (CSV: see its reader). */
    public int numClasses() {
        return numClasses;
    }

    /**
     * Loads the data named by {@code paths}.
     *
     * @param role  what the paths are (e.g. the option {@code --data}), used in error messages
     * @param paths one directory or file, or an IDX images file and its labels file
     * @param split which files to take from an IDX directory
     * @throws InvalidInputException if the paths do not exist, do not fit the format, or hold bad data
     */
    public LabeledData load(String role, List<Path> paths, IdxReader.Split split) {
        Objects.requireNonNull(paths, "paths");
        if (paths.isEmpty() || paths.size() > 2) {
            throw new InvalidInputException(role + ": expected one file or directory, or an IDX images file and "
                    + "its labels file; got " + paths.size() + " paths");
        }
        for (Path p : paths) {
            if (!Files.exists(p)) {
                throw new InvalidInputException(role + " " + p + ": no such file or directory");
            }
        }
        if (paths.size() == 2) {
            if (format == DataFormat.CSV) {
                throw new InvalidInputException(role + ": CSV data is a single file, got two paths: " + paths.get(0)
                        + " " + paths.get(1));
            }
            return IdxReader.read(paths.get(0), paths.get(1), numClasses);
        }
        Path path = paths.get(0);
        if (Files.isDirectory(path)) {
            if (format == DataFormat.CSV) {
                throw new InvalidInputException(role + " " + path + ": is a directory; CSV data is a single file");
            }
            return IdxReader.readDirectory(path, split, numClasses);
        }
        boolean idx = format == DataFormat.IDX || (format == DataFormat.AUTO && IdxReader.looksLikeIdx(path));
        if (idx) {
            throw new InvalidInputException(role + " " + path + ": IDX data needs an images file and a labels file "
                    + "(give both: " + role + " IMAGES LABELS) or their directory");
        }
        return csv.read(path);
    }

    /** Builder: the format defaults to {@link DataFormat#AUTO} and CSV settings to {@link CsvReader}'s defaults. */
    public static final class Builder {
        private DataFormat format = DataFormat.AUTO;
        private CsvReader csv = CsvReader.builder().build();
        private int numClasses;

        private Builder() {}

        /** Number of classes for IDX labels (0, the default: the largest label + 1); set CSV's on its reader. */
        public Builder numClasses(int numClasses) {
            if (numClasses < 0) {
                throw new IllegalArgumentException("numClasses must be >= 0, got " + numClasses);
            }
            this.numClasses = numClasses;
            return this;
        }

        public Builder format(DataFormat format) {
            this.format = Objects.requireNonNull(format, "format");
            return this;
        }

        /** How CSV files are read. */
        public Builder csv(CsvReader csv) {
            this.csv = Objects.requireNonNull(csv, "csv");
            return this;
        }

        public DataLoader build() {
            return new DataLoader(this);
        }
    }
}
