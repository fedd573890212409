package org.gsamflink.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the gsam-flink command line in-process with captured stdout/stderr, as main() would. */
final class Cli {

    record Run(int exitCode, String out, String err) {}

    private Cli() {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = GsamFlinkCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }
}
