package org.gsamflink.cli;

import org.gsamflink.cli.common.ExitCodes;
import org.gsamflink.pipeline.InvalidInputException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class ExitCodesTest {

    @Test
    void invalidInputIsTwoAnythingElseOne() {
        CommandLine cl = new CommandLine(new GsamFlinkCli());
        assertThat(ExitCodes.forException(new CommandLine.ParameterException(cl, "bad"))).isEqualTo(2);
        assertThat(ExitCodes.forException(new InvalidInputException("bad file"))).isEqualTo(2);
        assertThat(ExitCodes.forException(new IllegalStateException("bug"))).isEqualTo(1);
        assertThat(ExitCodes.OK_HELP).startsWith("0:");
    }

    @Test
    void runtimeErrorIsOneLineWithoutStackTraceUnlessVerbose() {
        StringWriter err = new StringWriter();
        CommandLine cl = GsamFlinkCli.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(err, true));

        int code = GsamFlinkCli.handleExecutionException(new IllegalStateException("boom"), cl, null);

        assertThat(code).isEqualTo(ExitCodes.RUNTIME_ERROR);
        assertThat(err.toString()).isEqualTo("gsam-flink: error: IllegalStateException: boom (run with --verbose "
                + "for details)" + System.lineSeparator());
    }
}
