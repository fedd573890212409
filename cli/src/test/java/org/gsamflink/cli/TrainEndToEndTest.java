package org.gsamflink.cli;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.gsamflink.cli.train.StepsCsvWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code gsam-flink train} end to end on a small learnable data set: two Gaussian blobs in 4 dimensions. */
class TrainEndToEndTest {

    private static final Pattern TEST_ACCURACY = Pattern.compile("^test accuracy (\\d\\.\\d{4}) \\((\\d+) examples\\)$",
            Pattern.MULTILINE);

    @TempDir
    static Path dir;

    static Path train;
    static Path test;

    @BeforeAll
    static void writeData() throws IOException {
        Random rng = new Random(7);
        train = blobs(dir.resolve("train.csv"), 500, rng);
        test = blobs(dir.resolve("test.csv"), 100, rng);
    }

    /** Class c ∈ {0, 1} centred at ±(1.5, 1.5, 0, 0), unit variance: Bayes accuracy ≈ 98.4 %. */
    private static Path blobs(Path file, int rows, Random rng) throws IOException {
        StringBuilder sb = new StringBuilder("f1,f2,f3,f4,label\n");
        for (int i = 0; i < rows; i++) {
            int c = rng.nextInt(2);
            double m = c == 0 ? 1.5 : -1.5;
            sb.append(String.format(Locale.ROOT, "%.5f,%.5f,%.5f,%.5f,%d%n", m + rng.nextGaussian(),
                    m + rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian(), c));
        }
        return Files.writeString(file, sb);
    }

    @Test
    void gsamTrainsSavesTheModelAndWritesOneCsvRowPerStep() throws Exception {
        Path model = dir.resolve("model.zip");
        Path steps = dir.resolve("steps.csv");

        Cli.Run run = Cli.run("train", "--data", train.toString(), "--test", test.toString(), "--csv-header",
                "--model", "mlp:4-16-2", "--optimizer", "gsam", "--alpha", "0.2", "--rho-max", "0.1", "--rho-min",
                "0.02", "--epochs", "3", "--batch-size", "32", "--lr", "0.05", "--warmup", "5",
                "--out", model.toString(), "--steps-csv", steps.toString());

        assertThat(run.err()).isEmpty();
        assertThat(run.exitCode()).isZero();
        Matcher m = TEST_ACCURACY.matcher(run.out());
        assertThat(m.find()).as("final line in %s", run.out()).isTrue();
        assertThat(Double.parseDouble(m.group(1))).isGreaterThan(0.9);
        assertThat(m.group(2)).isEqualTo("100");
        assertThat(run.out().strip()).endsWith(m.group());
        assertThat(run.out()).contains("trained 48 steps", "saved model to " + model);

        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(model.toFile(), true);
        assertThat(restored.numParams()).isEqualTo(4 * 16 + 16 + 16 * 2 + 2);
        assertThat(restored.getUpdater().getStateViewArray()).isNotNull();

        List<String> rows = Files.readAllLines(steps);
        assertThat(rows.get(0)).isEqualTo(StepsCsvWriter.HEADER);
        assertThat(rows).hasSize(1 + 3 * 16);            // ⌈500 / 32⌉ = 16 steps per epoch
        String[] first = rows.get(1).split(",");
        assertThat(first).hasSize(12);
        assertThat(first[0]).isEqualTo("0");                     // step
        assertThat(first[1]).isEqualTo("false");                 // skipped
        assertThat(first[2]).isEqualTo("32");                    // batch size
        assertThat(Double.parseDouble(first[10])).isZero();      // lr at t = 0 of the warm-up
        assertThat(rows.get(16).split(",")[2]).isEqualTo("20");  // last batch of the epoch: 500 − 15·32
        String[] peak = rows.get(6).split(",");                  // t = 5: end of warm-up, peak lr and rho
        assertThat(Double.parseDouble(peak[10])).isEqualTo(0.05);
        assertThat(Double.parseDouble(peak[9])).isEqualTo(0.1);
        String[] last = rows.get(48).split(",");
        assertThat(Double.parseDouble(last[9])).isLessThan(0.1).isGreaterThanOrEqualTo(0.02);
        assertThat(Double.parseDouble(last[11])).isBetween(0.0, 1.0);
        assertThat(Double.parseDouble(last[3])).isLessThan(Double.parseDouble(rows.get(1).split(",")[3]));
    }

    @Test
    void sgdContinuesFromASavedModel() throws Exception {
        Path first = dir.resolve("first.zip");
        Cli.Run a = Cli.run("train", "--data", train.toString(), "--csv-header", "--model", "mlp:4-2",
                "--optimizer", "sgd", "--epochs", "1", "--limit", "100", "--out", first.toString());
        assertThat(a.exitCode()).as(a.err()).isZero();
        assertThat(a.out()).doesNotContain("test accuracy");

        Cli.Run b = Cli.run("train", "--data", train.toString(), "--test", test.toString(), "--csv-header",
                "--init", first.toString(), "--optimizer", "asam", "--epochs", "2", "--no-shuffle");
        assertThat(b.exitCode()).as(b.err()).isZero();
        Matcher m = TEST_ACCURACY.matcher(b.out());
        assertThat(m.find()).isTrue();
        assertThat(Double.parseDouble(m.group(1))).isGreaterThan(0.85);
    }
}
