package org.gsamflink.cli;

import org.gsamflink.cli.common.ExitCodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every option rule of {@code gsam-flink train}: exit code 2 and exactly one line on stderr, naming the options.
 * The rules that need no data fail before the (nonexistent) --data file is read.
 */
class TrainOptionValidationTest {

    @TempDir
    Path dir;

    private static void assertUsageError(Cli.Run run, String message) {
        assertThat(run.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(run.err()).isEqualTo("gsam-flink train: " + message + System.lineSeparator());
        assertThat(run.out()).isEmpty();
    }

    private static Cli.Run train(String options) {
        return Cli.run(("train --data no-such-file.csv " + options).trim().split(" +"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // rules across options
        "--lr 0.1 --lr-min 0.5|--lr-min (0.5) must not be greater than --lr (0.1)",
        "--lr-min 0.5|--lr-min (0.5) must not be greater than --lr (0.1, the default)",
        "--updater adam --lr-min 0.01|--lr-min (0.01) must not be greater than --lr (0.001, the default)",
        "--rho-max 0.05 --rho-min 0.1|--rho-min (0.1) must not be greater than --rho-max (0.05)",
        "--rho-min 0.2|--rho-min (0.2) must not be greater than --rho-max (0.05)",
        "--optimizer sgd --alpha 0.1|--alpha has no effect with --optimizer sgd (the base optimizer alone, rho 0)",
        "--optimizer sgd --rho-max 0.1|--rho-max has no effect with --optimizer sgd (the base optimizer alone, rho 0)",
        "--optimizer sgd --perturbation asam|--perturbation has no effect with --optimizer sgd (the base optimizer alone, rho 0)",
        "--optimizer sam --alpha 0.1|--alpha applies only to --optimizer gsam; sam is alpha 0",
        "--optimizer asam --alpha 0.1|--alpha applies only to --optimizer gsam; asam is alpha 0",
        "--optimizer sam --no-minimize-fp|--minimize-fp applies only to --optimizer gsam (with alpha 0 both decompositions are the same)",
        "--optimizer asam --perturbation paper|--optimizer asam uses --perturbation asam, not paper (use --optimizer sam with --perturbation paper)",
        "--updater adam --momentum 0.5|--momentum applies only to --updater nesterovs, not adam",
        "--lr-schedule constant --lr-min 0.01|--lr-min has no effect with --lr-schedule constant (use linear, cosine or poly)",
        "--lr-schedule step --lr-min 0.01|--lr-min has no effect with --lr-schedule step (use linear, cosine or poly)",
        "--lr-schedule constant --rho-min 0.01|--rho-min (0.01) below --rho-max (0.05) needs a decaying --lr-schedule: rho follows the learning rate, which is constant",
        "--model mlp:2-2 --init m.zip|--model and --init exclude each other: a model saved with --out brings its own architecture",
        "--init m.zip --updater adam|--updater applies only to built-in models (mlp:..., cnn:...), not to a model loaded with --init, which brings its own updater and loss",
        "--init m.zip --label-smoothing 0|--label-smoothing applies only to built-in models (mlp:..., cnn:...), not to a model loaded with --init, which brings its own updater and loss",
        "--format idx --csv-header|--csv-header applies only to CSV data, not --format idx",
        "--format idx --scale 255|--scale applies only to CSV data, not --format idx",
        // each value on its own
        "--batch-size 0|--batch-size must be >= 1, got 0",
        "--epochs 0|--epochs must be >= 1, got 0",
        "--limit 0|--limit must be >= 1, got 0",
        "--lr -1|--lr must be a finite number > 0, got -1.0",
        "--lr NaN|--lr must be a finite number > 0, got NaN",
        "--alpha -0.5|--alpha must be a finite number >= 0, got -0.5",
        "--rho-max -1|--rho-max must be a finite number >= 0, got -1.0",
        "--clip-norm -1|--clip-norm must be a finite number > 0 (or 0 for no clipping), got -1.0",
        "--momentum 1|--momentum must be in [0, 1), got 1.0",
        "--label-smoothing 1|--label-smoothing must be in [0, 1), got 1.0",
        "--warmup -3|--warmup must be >= 0, got -3",
        "--num-classes 1|--num-classes must be in [2, 100000], got 1",
        // conversion errors
        "--optimizer adamx|Invalid value for option '--optimizer': expected one of sgd, sam, asam, gsam but was 'adamx'",
        "--lr-schedule exp|Invalid value for option '--lr-schedule': expected one of constant, linear, cosine, step, poly but was 'exp'",
        "--model mlp:784|Invalid value for option '--model': bad model spec 'mlp:784': needs at least an input and an output size, e.g. mlp:784-256-10",
        "--csv-delimiter ab|Invalid value for option '--csv-delimiter': expected a single character (or 'tab', 'space') but was 'ab'",
        "--epochs two|Invalid value for option '--epochs': 'two' is not an int",
    })
    void ruleFailsWithOneLineNamingTheOptions(String options, String message) {
        assertUsageError(train(options), message);
    }

    @Test
    void missingDataOption() {
        assertUsageError(Cli.run("train", "--epochs", "1"), "missing required option --data PATH (training data: a "
                + "directory, IDX images + labels, or a CSV file)");
    }

    @Test
    void mistypedOptionGetsASuggestion() {
        Cli.Run run = train("--rho-mx 0.1");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(run.err()).isEqualTo("gsam-flink train: Unknown option: '--rho-mx' (did you mean --rho-max or "
                + "--rho-min?)" + System.lineSeparator());
    }

    @Test
    void warmupMustLeaveStepsToTrain() throws Exception {
        Path csv = blobs(10);
        assertUsageError(Cli.run("train", "--data", csv.toString(), "--batch-size", "5", "--epochs", "1",
                        "--warmup", "2"),
                "--warmup (2) must be less than the total number of steps (2 = 1 epoch x 2 batches of --batch-size 5)");
    }

    @Test
    void scheduleThatDoesNotFitTheRunIsAUsageError() throws Exception {
        Path csv = blobs(10);
        assertUsageError(Cli.run("train", "--data", csv.toString(), "--batch-size", "5", "--epochs", "1",
                        "--lr-schedule", "step"),
                "--lr-schedule step over 2 steps: fractions[1]=0.6 and fractions[2]=0.8 give the same milestone 2 "
                        + "for totalSteps 2");
    }

    @Test
    void missingCorruptOrUnfittingDataIsOneLineExitTwo() throws Exception {
        Path missing = dir.resolve("missing.csv");
        assertUsageError(Cli.run("train", "--data", missing.toString()),
                "--data " + missing + ": no such file or directory");

        Path corrupt = Files.writeString(dir.resolve("corrupt.csv"), "1,2,0\n3,4,1\n5,1\n");
        assertUsageError(Cli.run("train", "--data", corrupt.toString()),
                corrupt + ":3: expected 3 columns (as on line 1) but found 2");

        Path csv = blobs(10);
        assertUsageError(Cli.run("train", "--data", csv.toString(), "--model", "mlp:5-3"),
                "training data " + csv + " has 2 features per example but the model takes 5");
        assertUsageError(Cli.run("train", "--data", csv.toString(), "--model", "mlp:2-4-2", "--test",
                        Files.writeString(dir.resolve("t.csv"), "1,1,2\n").toString()),
                "test data " + dir.resolve("t.csv") + " has label 2 but the model has only 2 outputs (classes 0..1)");

        Path out = dir.resolve("no/such/dir/model.zip");
        assertUsageError(Cli.run("train", "--data", csv.toString(), "--out", out.toString()),
                "--out " + out + ": directory " + out.getParent() + " does not exist");
    }

    @Test
    void corruptInitModelIsOneLineExitTwo() throws Exception {
        Path csv = blobs(10);
        Path notAModel = Files.writeString(dir.resolve("model.zip"), "not a zip");
        assertUsageError(Cli.run("train", "--data", csv.toString(), "--init", notAModel.toString()),
                notAModel + ": not a saved DL4J model (expected a ModelSerializer zip)");
    }

    @Test
    void rootWithoutSubcommandPrintsUsageAndExitsTwo() {
        Cli.Run run = Cli.run();
        assertThat(run.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(run.err()).contains("Usage: gsam-flink [-hvV] [COMMAND]").contains("train").contains("Exit codes:");
    }

    @Test
    void versionAndHelp() {
        Cli.Run version = Cli.run("--version");
        assertThat(version.exitCode()).isZero();
        assertThat(version.out()).startsWith("gsam-flink 0.1.0-SNAPSHOT").contains("DL4J/ND4J 1.0.0-M2.1");

        Cli.Run help = Cli.run("help", "train");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("Usage: gsam-flink train", "--rho-max=RHO", "--steps-csv=FILE",
                "2   invalid input");
    }

    /** A tiny 2-feature CSV with labels 0/1. */
    private Path blobs(int rows) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rows; i++) {
            sb.append(i % 2 == 0 ? "1.0,1.0,0\n" : "-1.0,-1.0,1\n");
        }
        return Files.writeString(dir.resolve("blobs.csv"), sb);
    }
}
