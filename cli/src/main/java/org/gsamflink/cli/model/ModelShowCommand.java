package org.gsamflink.cli.model;

import org.gsamflink.modelstore.ModelMetadata;
import org.gsamflink.modelstore.ModelVersion;
import org.gsamflink.cli.common.ExitCodes;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code gsam-flink model show}: the metadata of one model version (version, time, checkpoint, metrics, optimizer
 * config), its size, parameter count and layer table.
 */
@Command(name = "show", sortOptions = false, usageHelpWidth = 110,
        header = "Show a model version: metadata, metrics, size, parameters and layers.",
        description = {
            "Prints the version's metadata (version, time, checkpoint id, metrics, optimizer configuration), the "
                    + "size of the stored model and optimizer state, and, restoring the model with DL4J, its "
                    + "parameter count and a table of its layers (type, nIn, nOut, activation, parameters and "
                    + "their shapes). Without --version the latest version is shown.",
            "",
            "Example:",
            "  gsam-flink model show --store /data/models --model mnist-mlp --version 12000"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {ExitCodes.OK_HELP, ExitCodes.RUNTIME_ERROR_HELP, ExitCodes.INVALID_INPUT_HELP})
public final class ModelShowCommand extends VersionCommand {

    @Override
    public Integer call() throws IOException {
        ModelVersion mv = readSelected();
        ModelMetadata meta = mv.metadata();
        LoadedModel model = LoadedModel.restore(mv);
        PrintWriter out = out();
        List<String[]> fields = new ArrayList<>();
        fields.add(new String[] {"model:", meta.modelId()});
        fields.add(new String[] {"version:", String.valueOf(meta.version())});
        fields.add(new String[] {"time:", meta.timestamp().toString()});
        fields.add(new String[] {"checkpoint:", meta.checkpointId() == null ? "-" : meta.checkpointId().toString()});
        fields.add(new String[] {"format version:", String.valueOf(meta.formatVersion())});
        fields.add(new String[] {"model size:", String.format(Locale.ROOT, "%,d bytes", mv.modelSize())});
        fields.add(new String[] {"optimizer state:", String.format(Locale.ROOT, "%,d bytes",
                mv.optimizerStateSize())});
        fields.add(new String[] {"network:", model.kind()});
        fields.add(new String[] {"parameters:", String.format(Locale.ROOT, "%,d (%s)", model.numParams(),
                model.params().dataType().name().toLowerCase(Locale.ROOT))});
        fields.add(new String[] {"optimizer config:", meta.optimizerConfig() == null ? "-"
                : oneLine(meta.optimizerConfig())});
        Table.print(out, fields);

        Map<String, Object> metrics = meta.metrics();
        if (metrics.isEmpty()) {
            out.println("metrics: -");
        } else {
            out.println("metrics:");
            List<String[]> rows = new ArrayList<>();
            for (Map.Entry<String, Object> m : metrics.entrySet()) {
                rows.add(new String[] {m.getKey(), String.valueOf(m.getValue())});
            }
            Table.print(out, rows, "  ");
        }

        out.println("layers:");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"LAYER", "TYPE", "NIN", "NOUT", "ACTIVATION", "PARAMS", "SHAPES"});
        for (LoadedModel.LayerRow r : model.layerRows()) {
            rows.add(new String[] {r.name(), r.type(), r.nIn(), r.nOut(), r.activation(),
                String.format(Locale.ROOT, "%,d", r.params()), r.shapes()});
        }
        Table.print(out, rows, "  ");
        out.flush();
        return ExitCodes.OK;
    }

    private static String oneLine(String s) {
        return s.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
