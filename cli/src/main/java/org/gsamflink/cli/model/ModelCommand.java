package org.gsamflink.cli.model;

import org.gsamflink.cli.common.ExitCodes;
import org.gsamflink.cli.common.LoggingMixin;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * {@code gsam-flink model}: inspects and uses the models in a model store ({@link
 * org.gsamflink.modelstore.ModelStore}) with the subcommands {@code list}, {@code show}, {@code export} and {@code
 * predict}. Without a subcommand it prints its usage (exit code 2).
 */
@Command(name = "model", sortOptions = false, usageHelpWidth = 110,
        header = "Inspect, export and apply the models in a model store.",
        description = {
            "Works on a model store written by gsam-flink (versioned snapshots under ROOT/<model id>/v<version>): "
                    + "list the models, show one version's metadata and layers, export its parameters (zip, npy, "
                    + "csv), or predict the classes of CSV rows with it.",
            "",
            "Examples:",
            "  gsam-flink model list --store /data/models",
            "  gsam-flink model show --store /data/models --model mnist-mlp",
            "  gsam-flink model export --store /data/models --model mnist-mlp --format npy --out model.npy",
            "  gsam-flink model predict --store /data/models --model mnist-mlp --input test.csv --out preds.csv"},
        subcommands = {ModelListCommand.class, ModelShowCommand.class, ModelExportCommand.class,
            ModelPredictCommand.class},
        commandListHeading = "%nCommands:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {ExitCodes.OK_HELP, ExitCodes.RUNTIME_ERROR_HELP, ExitCodes.INVALID_INPUT_HELP})
public final class ModelCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    LoggingMixin logging;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    /** No subcommand: show the usage on stderr; that is a usage error. */
    @Override
    public Integer call() {
        CommandLine cl = spec.commandLine();
        cl.usage(cl.getErr());
        cl.getErr().flush();
        return ExitCodes.INVALID_INPUT;
    }
}
