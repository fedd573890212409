package org.gsamflink.cli.demo;

import org.gsamflink.cli.data.CsvReader;
import org.gsamflink.cli.data.IdxReader;
import org.gsamflink.cli.data.LabeledData;
import org.gsamflink.pipeline.InvalidInputException;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the demo streams and what it holds out: Fashion-MNIST (Debian's, or another IDX directory: its train and
 * t10k files), one CSV file (its last {@value #HELD_OUT_PERCENT} % held out), or {@link GeneratedImages}.
 *
 * <p>A CSV file's rows keep their order, and the held-out rows are its tail rather than a random sample: a
 * stream's newest examples are what the final model should know, and for a drifting stream only they show the
 * concept it ended on.
 *
 * @param source how summaries name the data
 */
public record DemoData(String source, LabeledData train, LabeledData test) {

    public static final int HELD_OUT_PERCENT = 20;

    /**
     * The demo's data.
     *
     * @param data        an IDX directory or a CSV file, or null for Fashion-MNIST if installed
     * @param generated   generated images whatever is installed
     * @param labelColumn the label's column in a CSV file (negative counts from the end)
     * @param out         where a missing Fashion-MNIST is explained
     * @throws InvalidInputException if {@code data} is neither, or holds bad data
     */
    public static DemoData load(Path data, boolean generated, int labelColumn, PrintWriter out) {
        boolean csv = data != null && Files.isRegularFile(data) && !generated;
        if (labelColumn != CsvReader.DEFAULT_LABEL_COLUMN && !csv) {
            throw new InvalidInputException("--label-column applies only to a CSV file as --data");
        }
        if (csv) {
            return csv(data, labelColumn);
        }
        if (!generated) {
            Path dir = data != null ? data : StreamingDemo.DEFAULT_FASHION_MNIST;
            if (IdxReader.findFiles(dir, IdxReader.Split.TRAIN).isPresent()
                    && IdxReader.findFiles(dir, IdxReader.Split.TEST).isPresent()) {
                LabeledData train = IdxReader.readDirectory(dir, IdxReader.Split.TRAIN);
                LabeledData test = IdxReader.readDirectory(dir, IdxReader.Split.TEST, train.numClasses());
                return new DemoData("Fashion-MNIST", train, test);
            }
            if (data != null) {
                throw new InvalidInputException("--data " + data + ": neither a CSV file nor a directory of "
                        + "MNIST-style IDX train and t10k files");
            }
            out.println("Fashion-MNIST is not installed (" + StreamingDemo.DEFAULT_FASHION_MNIST + "). For the real data set run:");
            out.println("    sudo apt-get install dataset-fashion-mnist");
            out.println("Using a generated data set of 28x28 images in 10 classes instead.");
        }
        return new DemoData("generated images", GeneratedImages.generate(60_000, 1),
                GeneratedImages.generate(10_000, 2));
    }

    /** A CSV file (a header line is recognised and skipped), its last {@value #HELD_OUT_PERCENT} % held out. */
    public static DemoData csv(Path file, int labelColumn) {
        if (IdxReader.looksLikeIdx(file)) {
            throw new InvalidInputException("--data " + file + ": an IDX file; give the directory of the IDX "
                    + "train and t10k files, or a CSV file");
        }
        CsvReader probe = CsvReader.builder().labelColumn(labelColumn).build();
        LabeledData all = CsvReader.builder().labelColumn(labelColumn).header(probe.startsWithHeader(file)).build()
                .read(file);
        int n = all.size();
        if (n < 2) {
            throw new InvalidInputException("--data " + file + ": " + n + " example; the demo needs at least 2 "
                    + "(it holds out the last " + HELD_OUT_PERCENT + " %)");
        }
        int held = Math.max(1, n * HELD_OUT_PERCENT / 100);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        return new DemoData(file.getFileName().toString(), all.select(order, 0, n - held),
                all.select(order, n - held, n));
    }

    /**
     * The accuracy of always answering the most frequent class of the training stream: what the prequential
     * accuracy is to be read against (0.1 for balanced ten classes, more for a skewed stream).
     */
    public double majorityShare() {
        int[] counts = new int[train.numClasses()];
        int most = 0;
        for (int i = 0; i < train.size(); i++) {
            most = Math.max(most, ++counts[train.label(i)]);
        }
        return (double) most / train.size();
    }
}
