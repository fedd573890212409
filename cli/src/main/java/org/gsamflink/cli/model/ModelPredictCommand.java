package org.gsamflink.cli.model;

import org.gsamflink.modelstore.ModelVersion;
import org.gsamflink.pipeline.InvalidInputException;
import org.gsamflink.cli.common.ExitCodes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.zip.GZIPInputStream;

/**
 * {@code gsam-flink model predict}: classifies the rows of a CSV file with a stored model version and writes
 * {@code row,predicted_class,prob_0..prob_k}; with a label column it also reports the accuracy.
 */
@Command(name = "predict", sortOptions = false, usageHelpWidth = 110,
        header = "Predict the classes of CSV rows with a model version.",
        description = {
            "Reads numeric feature rows from a CSV file (comma-separated, plain or .gz; blank lines skipped; a "
                    + "first line with a non-numeric field is taken as a header), runs the model on them and writes "
                    + "one line per row: row,predicted_class,prob_0,...,prob_k where row is the 0-based index of "
                    + "the data row, under a header line, to --out or standard output.",
            "With --label-column the given column (0-based; negative counts from the end, -1 is the last) holds "
                    + "integer class labels, which are left out of the features, and the accuracy is printed (to "
                    + "standard output with --out, else to standard error). Without it, the last column is taken as "
                    + "the label when the rows have one column more than the model's inputs; --label-column none "
                    + "says there are no labels.",
            "",
            "Example:",
            "  gsam-flink model predict --store /data/models --model mnist-mlp --input test.csv --out preds.csv"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {ExitCodes.OK_HELP, ExitCodes.RUNTIME_ERROR_HELP, ExitCodes.INVALID_INPUT_HELP})
public final class ModelPredictCommand extends VersionCommand {

    static final int BATCH = 1024;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "The CSV file of feature rows.")
    Path input;

    @Option(names = "--out", paramLabel = "FILE", description = "Where to write the predictions (default: standard "
            + "output).")
    Path outFile;

    @Option(names = "--label-column", paramLabel = "N|none", description = "The label column (0-based, negative "
            + "from the end), or none (default: the last column when there is one more than the model's inputs).")
    String labelColumn;

    /** Parsed rows: features, and labels (or null). */
    record Rows(List<float[]> features, List<Integer> labels) {}

    @Override
    public Integer call() throws IOException {
        Integer labelCol = parseLabelColumn(labelColumn);
        boolean noLabels = labelColumn != null && labelCol == null;
        if (outFile != null) {
            ModelExportCommand.checkOutputPath("--out", outFile);
        }
        if (!Files.isRegularFile(input)) {
            throw new InvalidInputException("--input " + input + ": " + (Files.exists(input) ? "not a regular file"
                    : "no such file"));
        }
        ModelVersion mv = readSelected();
        LoadedModel model = LoadedModel.restore(mv);
        OptionalInt inputSize = model.inputSize();
        Rows rows = read(input, labelCol, noLabels, inputSize);
        int n = rows.features().size();
        if (n == 0) {
            throw new InvalidInputException(input + ": no data rows");
        }
        int numFeatures = rows.features().get(0).length;
        if (inputSize.isPresent() && inputSize.getAsInt() != numFeatures) {
            throw new InvalidInputException(input + ": rows have " + numFeatures + " feature columns but model '"
                    + mv.modelId() + "' takes " + inputSize.getAsInt() + " inputs");
        }

        int correct = 0;
        PrintWriter stdout = out();
        Writer w = outFile == null ? stdout
                : new BufferedWriter(Files.newBufferedWriter(outFile, StandardCharsets.UTF_8));
        try {
            int classes = -1;
            for (int from = 0; from < n; from += BATCH) {
                int to = Math.min(n, from + BATCH);
                float[][] batch = rows.features().subList(from, to).toArray(new float[0][]);
                INDArray probs = model.output(Nd4j.create(batch)).castTo(DataType.DOUBLE);
                if (classes < 0) {
                    classes = (int) probs.size(1);
                    StringBuilder header = new StringBuilder("row,predicted_class");
                    for (int k = 0; k < classes; k++) {
                        header.append(",prob_").append(k);
                    }
                    w.write(header.append('\n').toString());
                }
                double[][] p = probs.toDoubleMatrix();
                for (int i = 0; i < p.length; i++) {
                    int best = argmax(p[i]);
                    StringBuilder line = new StringBuilder().append(from + i).append(',').append(best);
                    for (double v : p[i]) {
                        line.append(',').append((float) v);
                    }
                    w.write(line.append('\n').toString());
                    if (rows.labels() != null && rows.labels().get(from + i) == best) {
                        correct++;
                    }
                }
            }
        } finally {
            if (outFile != null) {
                w.close();
            } else {
                stdout.flush();
            }
        }
        PrintWriter report = outFile != null ? stdout : spec.commandLine().getErr();
        if (outFile != null) {
            report.println("wrote " + n + " predictions of model '" + mv.modelId() + "' version " + mv.version()
                    + " to " + outFile);
        }
        if (rows.labels() != null) {
            report.println(String.format(Locale.ROOT, "accuracy: %.4f (%d/%d)", (double) correct / n, correct, n));
        }
        report.flush();
        return ExitCodes.OK;
    }

    static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    /** {@code null} for none or no option; else the column index. */
    static Integer parseLabelColumn(String value) {
        if (value == null || value.trim().equalsIgnoreCase("none")) {
            return null;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new InvalidInputException("--label-column must be a column number or none, got '" + value + "'");
        }
    }

    /**
     * Reads the CSV: every problem is an {@link InvalidInputException} {@code file:line: problem}.
     *
     * @param labelCol the label column, or null (none when {@code noLabels}, else decided by {@code inputSize})
     */
    static Rows read(Path file, Integer labelCol, boolean noLabels, OptionalInt inputSize) throws IOException {
        List<float[]> features = new ArrayList<>();
        List<Integer> labels = null;
        int columns = -1;
        int label = -1; // resolved label column, -1 none
        try (InputStream raw = Files.newInputStream(file);
             BufferedReader in = new BufferedReader(new InputStreamReader(
                     file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw, StandardCharsets.UTF_8))) {
            String line;
            int lineNo = 0;
            boolean first = true;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                String[] fields = line.split(",", -1);
                if (first) {
                    first = false;
                    if (!allNumeric(fields)) {
                        continue; // header
                    }
                }
                String where = file + ":" + lineNo + ": ";
                if (columns < 0) {
                    columns = fields.length;
                    if (labelCol != null) {
                        label = labelCol < 0 ? columns + labelCol : labelCol;
                        if (label < 0 || label >= columns) {
                            throw new InvalidInputException(where + "--label-column " + labelCol + " is outside the "
                                    + columns + " columns");
                        }
                    } else if (!noLabels && inputSize.isPresent() && columns == inputSize.getAsInt() + 1) {
                        label = columns - 1;
                    }
                    if (label >= 0) {
                        labels = new ArrayList<>();
                    }
                } else if (fields.length != columns) {
                    throw new InvalidInputException(where + "has " + fields.length + " columns, expected " + columns
                            + " as on the first data line");
                }
                float[] row = new float[label >= 0 ? columns - 1 : columns];
                int j = 0;
                for (int c = 0; c < columns; c++) {
                    String f = unquote(fields[c]);
                    if (f.isEmpty()) {
                        throw new InvalidInputException(where + "column " + (c + 1) + " is empty");
                    }
                    if (c == label) {
                        int y;
                        try {
                            double d = Double.parseDouble(f);
                            if (d != Math.rint(d) || d < 0 || d > Integer.MAX_VALUE) {
                                throw new NumberFormatException();
                            }
                            y = (int) d;
                        } catch (NumberFormatException e) {
                            throw new InvalidInputException(where + "label '" + f + "' in column " + (c + 1)
                                    + " is not a non-negative integer");
                        }
                        labels.add(y);
                        continue;
                    }
                    float v;
                    try {
                        v = Float.parseFloat(f);
                    } catch (NumberFormatException e) {
                        throw new InvalidInputException(where + "column " + (c + 1) + " '" + f + "' is not a number");
                    }
                    if (!Float.isFinite(v)) {
                        throw new InvalidInputException(where + "column " + (c + 1) + " '" + f + "' is not finite");
                    }
                    row[j++] = v;
                }
                features.add(row);
            }
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("--input " + file + ": no such file", e);
        }
        return new Rows(features, labels);
    }

    private static boolean allNumeric(String[] fields) {
        for (String f : fields) {
            try {
                Double.parseDouble(unquote(f));
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return true;
    }

    private static String unquote(String field) {
        String f = field.strip();
        if (f.length() >= 2 && f.startsWith("\"") && f.endsWith("\"")) {
            f = f.substring(1, f.length() - 1).strip();
        }
        return f;
    }
}
