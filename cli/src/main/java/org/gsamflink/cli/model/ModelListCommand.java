package org.gsamflink.cli.model;

import org.gsamflink.modelstore.ModelMetadata;
import org.gsamflink.modelstore.ModelStore;
import org.gsamflink.modelstore.NoSuchVersionException;
import org.gsamflink.cli.common.ExitCodes;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * {@code gsam-flink model list}: one line per model in the store: its id, number of versions, latest version and
 * the time of the latest version (ISO-8601, UTC).
 */
@Command(name = "list", sortOptions = false, usageHelpWidth = 110,
        header = "List the models in a model store.",
        description = {
            "Prints one line per model: the model id, the number of complete versions, the latest version and its "
                    + "time (ISO-8601, UTC), in columns under a header line. A store without models prints "
                    + "\"no models in ROOT\".",
            "",
            "Example:",
            "  gsam-flink model list --store s3://bucket/models"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {ExitCodes.OK_HELP, ExitCodes.RUNTIME_ERROR_HELP, ExitCodes.INVALID_INPUT_HELP})
public final class ModelListCommand extends StoreCommand {

    static final String[] HEADER = {"MODEL", "VERSIONS", "LATEST", "TIME"};

    @Override
    public Integer call() throws IOException {
        ModelStore store = openStore();
        List<String[]> rows = new ArrayList<>();
        for (String id : store.listModels()) {
            List<Long> versions = store.listVersions(id);
            if (versions.isEmpty()) {
                continue; // removed since listModels
            }
            OptionalLong latest = store.latest(id);
            long v = latest.isPresent() ? latest.getAsLong() : versions.get(versions.size() - 1);
            String time;
            try {
                ModelMetadata meta = store.readMetadata(id, v);
                time = meta.timestamp().toString();
            } catch (NoSuchVersionException e) {
                time = "-";
            }
            rows.add(new String[] {id, String.valueOf(versions.size()), String.valueOf(v), time});
        }
        PrintWriter out = out();
        if (rows.isEmpty()) {
            out.println("no models in " + store.root());
        } else {
            rows.add(0, HEADER);
            Table.print(out, rows);
        }
        out.flush();
        return ExitCodes.OK;
    }
}
