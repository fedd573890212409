package org.gsamflink.cli.data;

/** Format of a data file. */
public enum DataFormat {
    /** Decide from the input: a directory or an images + labels pair is IDX, a single IDX-looking file is rejected
     *  (IDX needs a labels file too), anything else is CSV. */
    AUTO,
    /** MNIST-style IDX images + labels files (see {@link IdxReader}). */
    IDX,
    /** Delimited text, one example per line (see {@link CsvReader}). */
    CSV;

    @Override
    public String toString() {
        return name().toLowerCase();
    }
}
