package org.gsamflink.cli.common;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import picocli.CommandLine.Option;

/** The {@code -v/--verbose} option every command has: debug logging, and stack traces of runtime errors. */
public final class LoggingMixin {

    public static final String OPTION = "--verbose";

    @Option(names = {"-v", OPTION}, description = "Log debug output of gsam-flink and print the stack trace of "
            + "runtime errors.")
    void setVerbose(boolean verbose) {
        if (verbose) {
            Configurator.setLevel("org.gsamflink", Level.DEBUG);
        }
    }
}
