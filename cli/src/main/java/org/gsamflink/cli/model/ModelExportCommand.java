package org.gsamflink.cli.model;

import org.gsamflink.modelstore.ModelVersion;
import org.gsamflink.modelstore.NpyIndex;
import org.gsamflink.modelstore.NpyWriter;
import org.gsamflink.pipeline.InvalidInputException;
import org.gsamflink.cli.common.ExitCodes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * {@code gsam-flink model export}: writes one model version as the DL4J zip ({@code zip}), the flat parameter vector
 * as NumPy {@code .npy} with a JSON index of the layer parameters ({@code npy}), or the parameter tensors as CSV
 * ({@code csv}).
 */
@Command(name = "export", sortOptions = false, usageHelpWidth = 110,
        header = "Export a model version: DL4J zip, NumPy .npy parameters with a JSON index, or CSV.",
        description = {
            "Formats:",
            "  zip  the stored DL4J ModelSerializer zip as is (ModelSerializer.restoreMultiLayerNetwork loads it).",
            "  npy  the flat parameter vector (float32 '<f4' or float64 '<f8' as stored), shape (n,), in PATH, and "
                    + "an index in PATH with its .npy suffix replaced by .index.json (model.npy -> "
                    + "model.index.json): for each layer parameter (\"0_W\", \"0_b\", ...) its shape, offset and "
                    + "length in the flat vector and its order (\"F\" column-major for DL4J weight matrices, else "
                    + "\"C\"). In numpy: flat[o:o+n].reshape(shape, order=order).",
            "  csv  one line per parameter tensor, no header: name,shape,values... where shape is the dimensions "
                    + "joined by 'x' (e.g. 784x100) and the values follow in row-major (C) order of that shape.",
            "A version trained with model.standardize takes standardized input, z = (x - mean) / std (clipped): "
                    + "the zip holds the statistics in its entry gsam-standardizer.bin (model predict and serving "
                    + "apply them); npy and csv write them beside PATH as NAME.standardizer.csv (feature,mean,std,clip).",
            "",
            "Example:",
            "  gsam-flink model export --store /data/models --model mnist-mlp --format npy --out model.npy"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {ExitCodes.OK_HELP, ExitCodes.RUNTIME_ERROR_HELP, ExitCodes.INVALID_INPUT_HELP})
public final class ModelExportCommand extends VersionCommand {

    /** The export formats. */
    enum Format { ZIP, NPY, CSV }

    static final class FormatConverter implements ITypeConverter<Format> {
        @Override
        public Format convert(String value) {
            for (Format f : Format.values()) {
                if (f.name().equalsIgnoreCase(value.trim())) {
                    return f;
                }
            }
            throw new TypeConversionException("expected one of zip, npy, csv but was '" + value + "'");
        }
    }

    @Option(names = "--format", required = true, paramLabel = "zip|npy|csv", converter = FormatConverter.class,
            description = "The export format: zip, npy or csv (see above).")
    Format format;

    @Option(names = "--out", required = true, paramLabel = "PATH", description = "The file to write (overwritten).")
    Path outFile;

    @Override
    public Integer call() throws IOException {
        checkOutputPath("--out", outFile);
        ModelVersion mv = readSelected();
        String what = "model '" + mv.modelId() + "' version " + mv.version();
        switch (format) {
            case ZIP -> {
                Files.write(outFile, mv.modelBytes());
                out().println("wrote " + what + " (" + mv.modelSize() + " bytes) to " + outFile);
            }
            case NPY -> {
                LoadedModel model = LoadedModel.restore(mv);
                Path indexFile = indexPath(outFile);
                checkOutputPath("--out", indexFile);
                NpyIndex index = writeNpy(model, outFile, indexFile);
                out().println("wrote " + what + " (" + index.length() + " " + index.dtype() + " values, "
                        + index.entries().size() + " parameters) to " + outFile + " and " + indexFile);
            }
            case CSV -> {
                LoadedModel model = LoadedModel.restore(mv);
                int tensors = writeCsv(model, outFile);
                out().println("wrote " + what + " (" + tensors + " parameter tensors, " + model.numParams()
                        + " values) to " + outFile);
            }
            default -> throw new IllegalStateException("unexpected format " + format);
        }
        if (format != Format.ZIP) {
            // The zip carries the input statistics in its own entry; the parameter formats need them beside.
            var standardizer = LoadedModel.restore(mv).standardizer();
            if (standardizer.isPresent()) {
                Path statsFile = standardizerPath(outFile);
                checkOutputPath("--out", statsFile);
                writeStandardizer(standardizer.get(), statsFile);
                out().println("the model standardizes its input: z = (x - mean) / std"
                        + (standardizer.get().clip() > 0 ? ", clipped to ±" + standardizer.get().clip() : "")
                        + "; per-feature mean and std in " + statsFile);
            }
        }
        out().flush();
        return ExitCodes.OK;
    }

    /** {@code model.npy} → {@code model.standardizer.csv} (and {@code model.csv} likewise). */
    static Path standardizerPath(Path out) {
        String name = out.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return out.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".standardizer.csv");
    }

    /** {@code feature,mean,std,clip}: one line per input feature (clip 0: none), doubles as Java prints them. */
    static void writeStandardizer(org.gsamflink.operators.FeatureStandardizer s, Path file) throws IOException {
        StringBuilder csv = new StringBuilder("feature,mean,std,clip\n");
        for (int j = 0; j < s.features(); j++) {
            csv.append(j).append(',').append(s.mean(j)).append(',').append(s.std(j)).append(',').append(s.clip())
                    .append('\n');
        }
        Files.writeString(file, csv);
    }

    /** {@code model.npy} → {@code model.index.json}; a name without {@code .npy} gets {@code .index.json} added. */
    static Path indexPath(Path npy) {
        String name = npy.getFileName().toString();
        String base = name.toLowerCase(Locale.ROOT).endsWith(".npy") ? name.substring(0, name.length() - 4) : name;
        return npy.resolveSibling(base + ".index.json");
    }

    /** Writes the flat parameters and their index; returns the index. */
    static NpyIndex writeNpy(LoadedModel model, Path npyFile, Path indexFile) throws IOException {
        INDArray flat = model.params();
        boolean dbl = flat.dataType() == DataType.DOUBLE;
        NpyIndex index = index(model, flat);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(npyFile))) {
            if (dbl) {
                NpyWriter.write(out, flat.toDoubleVector());
            } else {
                NpyWriter.write(out, flat.castTo(DataType.FLOAT).toFloatVector());
            }
        }
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(indexFile))) {
            NpyWriter.writeIndex(out, index);
        }
        return index;
    }

    /**
     * The index of the parameter views in the flat vector: offsets from the views' buffer offsets, order from the
     * views' ordering. Each entry is checked against the flat values it points at.
     */
    static NpyIndex index(LoadedModel model, INDArray flat) {
        boolean dbl = flat.dataType() == DataType.DOUBLE;
        double[] all = flat.castTo(DataType.DOUBLE).toDoubleVector();
        NpyIndex.Builder b = NpyIndex.builder().dtype(dbl ? NpyWriter.FLOAT64 : NpyWriter.FLOAT32)
                .length(flat.length());
        for (Map.Entry<String, INDArray> p : model.paramTable().entrySet()) {
            INDArray view = p.getValue();
            long offset = view.offset() - flat.offset();
            boolean fortran = view.ordering() == 'f' && view.rank() > 1;
            long length = view.length();
            if (offset < 0 || offset + length > all.length) {
                throw new IllegalStateException("parameter " + p.getKey() + " is not a view of the flat parameters"
                        + " (offset " + offset + ", length " + length + ", " + all.length + " parameters)");
            }
            double[] values = Nd4j.toFlattened(fortran ? 'f' : 'c', view).castTo(DataType.DOUBLE).toDoubleVector();
            double[] segment = Arrays.copyOfRange(all, Math.toIntExact(offset), Math.toIntExact(offset + length));
            if (!Arrays.equals(values, segment)) {
                throw new IllegalStateException("parameter " + p.getKey() + " is not a contiguous "
                        + (fortran ? "F" : "C") + "-ordered view of the flat parameters");
            }
            b.add(new NpyIndex.Entry(p.getKey(), offset, fortran, view.shape()));
        }
        return b.build();
    }

    /** One line per parameter tensor: name,shape,values in C order. Returns the number of tensors. */
    static int writeCsv(LoadedModel model, Path csvFile) throws IOException {
        boolean dbl = model.params().dataType() == DataType.DOUBLE;
        int n = 0;
        try (Writer w = new BufferedWriter(Files.newBufferedWriter(csvFile, StandardCharsets.UTF_8))) {
            for (Map.Entry<String, INDArray> p : model.paramTable().entrySet()) {
                INDArray flat = Nd4j.toFlattened('c', p.getValue());
                StringBuilder line = new StringBuilder(p.getKey()).append(',');
                long[] shape = p.getValue().shape();
                for (int i = 0; i < shape.length; i++) {
                    line.append(i == 0 ? "" : "x").append(shape[i]);
                }
                w.write(line.toString());
                if (dbl) {
                    for (double v : flat.toDoubleVector()) {
                        w.write(',');
                        w.write(Double.toString(v));
                    }
                } else {
                    for (float v : flat.castTo(DataType.FLOAT).toFloatVector()) {
                        w.write(',');
                        w.write(Float.toString(v));
                    }
                }
                w.write('\n');
                n++;
            }
        }
        return n;
    }

    /** An output file's directory must exist and be writable; the file must not be a directory. */
    static void checkOutputPath(String option, Path file) {
        if (Files.isDirectory(file)) {
            throw new InvalidInputException(option + " " + file + ": is a directory, expected a file name");
        }
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new InvalidInputException(option + " " + file + ": directory " + dir + " does not exist");
        }
        if (dir != null && !Files.isWritable(dir)) {
            throw new InvalidInputException(option + " " + file + ": directory " + dir + " is not writable");
        }
    }
}
