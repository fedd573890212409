package org.gsamflink.cli;

import org.gsamflink.cli.common.LoggingMixin;
import org.gsamflink.cli.common.ExitCodes;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.gsamflink.cli.doctor.BackendReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code gsam-flink doctor}: what ND4J runs on here, and the setups known to go wrong. */
@Command(name = "doctor", mixinStandardHelpOptions = true, sortOptions = false,
        versionProvider = GsamFlinkCli.Version.class,
        header = "Report the ND4J backend, devices, memory limits and versions, and warn about known bad setups.",
        description = "Loads ND4J's backend as training would. Exit code 1 if something is broken (e.g. the natives "
                + "for this platform are missing), 0 otherwise; warnings do not change the exit code.")
public final class DoctorCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    LoggingMixin logging;

    @Option(names = "--json", description = "Print the report as one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        BackendReport report = BackendReport.collect();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(toJson(report)));
        } else {
            print(out, report);
        }
        out.flush();
        return report.hasErrors() ? ExitCodes.RUNTIME_ERROR : ExitCodes.OK;
    }

    private static void print(PrintWriter out, BackendReport report) {
        for (Map.Entry<String, Map<String, String>> section : report.sections().entrySet()) {
            out.println(section.getKey());
            int width = section.getValue().keySet().stream().mapToInt(String::length).max().orElse(0);
            for (Map.Entry<String, String> field : section.getValue().entrySet()) {
                out.printf(Locale.ROOT, "  %-" + width + "s  %s%n", field.getKey(), field.getValue());
            }
            out.println();
        }
        if (report.findings().isEmpty()) {
            out.println("No problems found.");
        }
        for (BackendReport.Finding f : report.findings()) {
            out.println(f.level() + ": " + f.message());
        }
    }

    private static ObjectNode toJson(BackendReport report) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        for (Map.Entry<String, Map<String, String>> section : report.sections().entrySet()) {
            ObjectNode s = root.putObject(section.getKey());
            section.getValue().forEach(s::put);
        }
        ArrayNode findings = root.putArray("findings");
        for (BackendReport.Finding f : report.findings()) {
            findings.addObject().put("level", f.level().name()).put("message", f.message());
        }
        return root;
    }
}
