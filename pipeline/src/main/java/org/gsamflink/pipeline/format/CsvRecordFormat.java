package org.gsamflink.pipeline.format;

import org.gsamflink.operators.TrainingRecord;
import org.gsamflink.operators.serve.PredictionRequest;

import java.nio.charset.StandardCharsets;

/**
 * One example per record as delimited text: the features and the integer class label, the label in column
 * {@code labelColumn} (negative counts from the end; -1, the default, is the last column). The model id is fixed by
 * the configuration. Example with 3 features: {@code 0.1,0.5,-2.0,7}. A leading UTF-8 byte-order mark is ignored.
 */
public final class CsvRecordFormat implements RecordFormat {

    private static final long serialVersionUID = 1L;
    private final RecordLimits limits;
    private final String modelId;
    private final char delimiter;
    private final int labelColumn;

    public CsvRecordFormat(RecordLimits limits, String modelId, char delimiter, int labelColumn) {
        this.limits = limits;
        this.modelId = modelId;
        this.delimiter = delimiter;
        this.labelColumn = labelColumn;
    }

    @Override
    public String name() {
        return "csv";
    }

    @Override
    public TrainingRecord decode(byte[] value) throws RecordRejectedException {
        limits.checkSize(value);
        String line = RecordFormat.text(value).strip();
        String[] cells = line.split(java.util.regex.Pattern.quote(String.valueOf(delimiter)), -1);
        int columns = cells.length;
        if (line.isEmpty() || columns < 2) {
            throw new RecordRejectedException(RejectReason.MALFORMED_CSV,
                    "expected features and a label separated by '" + delimiter + "'");
        }
        int label = labelColumn < 0 ? columns + labelColumn : labelColumn;
        if (label < 0 || label >= columns) {
            throw new RecordRejectedException(RejectReason.MALFORMED_CSV,
                    "label column " + labelColumn + " does not exist in " + columns + " columns");
        }
        float[] x = new float[columns - 1];
        int at = 0;
        int y = 0;
        for (int c = 0; c < columns; c++) {
            String cell = cells[c].strip();
            if (c == label) {
                try {
                    y = Integer.parseInt(cell);
                } catch (NumberFormatException e) {
                    throw new RecordRejectedException(RejectReason.BAD_NUMBER,
                            "label '" + Details.quote(cell) + "' is not an integer");
                }
            } else {
                x[at++] = parseFloat(cell, c);
            }
        }
        return limits.check(TrainingRecord.example(modelId, x, y));
    }

    /** A prediction request: one example, every column a feature (no label column), the configured model id. */
    @Override
    public PredictionRequest decodeRequest(byte[] value) throws RecordRejectedException {
        limits.checkSize(value);
        String line = RecordFormat.text(value).strip();
        if (line.isEmpty()) {
            throw new RecordRejectedException(RejectReason.MALFORMED_CSV, "expected features separated by '"
                    + delimiter + "'");
        }
        String[] cells = line.split(java.util.regex.Pattern.quote(String.valueOf(delimiter)), -1);
        float[] x = new float[cells.length];
        for (int c = 0; c < cells.length; c++) {
            x[c] = parseFloat(cells[c].strip(), c);
        }
        return limits.check(new PredictionRequest(modelId, null, 1, x.length, x));
    }

    private static float parseFloat(String cell, int column) throws RecordRejectedException {
        try {
            return Float.parseFloat(cell);
        } catch (NumberFormatException e) {
            throw new RecordRejectedException(RejectReason.BAD_NUMBER,
                    "column " + column + " '" + Details.quote(cell) + "' is not a number");
        }
    }

    @Override
    public byte[] encode(TrainingRecord r) {
        StringBuilder sb = new StringBuilder();
        for (int row = 0; row < r.rows; row++) {
            if (row > 0) {
                sb.append('\n');
            }
            int columns = r.numFeatures + 1;
            int label = labelColumn < 0 ? columns + labelColumn : labelColumn;
            int at = row * r.numFeatures;
            for (int c = 0; c < columns; c++) {
                if (c > 0) {
                    sb.append(delimiter);
                }
                if (c == label) {
                    sb.append(r.labels[row]);
                } else {
                    sb.append(r.features[at++]);
                }
            }
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
