package org.gsamflink.cli.common;

import org.gsamflink.pipeline.InvalidInputException;
import picocli.CommandLine;

/**
 * The exit codes of {@code gsam-flink}, defined once; they follow picocli's defaults (OK = 0, SOFTWARE = 1, USAGE
 * = 2). The {@code *_HELP} strings feed the "Exit codes" section of every command's usage help.
 */
public final class ExitCodes {

    /** Success. */
    public static final int OK = 0;
    /** A runtime failure: a bug, or an unexpected error while training (out of memory, a write failing). */
    public static final int RUNTIME_ERROR = 1;
    /** Invalid input: a bad or missing option, a missing or corrupt data/model file, data that does not fit. */
    public static final int INVALID_INPUT = 2;

    public static final String OK_HELP = OK + ":success";
    public static final String RUNTIME_ERROR_HELP = RUNTIME_ERROR + ":runtime error (see the message; --verbose "
            + "prints the stack trace)";
    public static final String INVALID_INPUT_HELP = INVALID_INPUT + ":invalid input: bad option or usage, missing or "
            + "corrupt data or model file";

    /** Maps exceptions that escape a command to exit codes: invalid input → 2, anything else → 1. */
    public static final CommandLine.IExitCodeExceptionMapper MAPPER = ExitCodes::forException;

    private ExitCodes() {}

    /** {@link #INVALID_INPUT} for picocli's {@code ParameterException} and {@link InvalidInputException}, else {@link
     *  #RUNTIME_ERROR}. */
    public static int forException(Throwable t) {
        if (t instanceof CommandLine.ParameterException || t instanceof InvalidInputException) {
            return INVALID_INPUT;
        }
        return RUNTIME_ERROR;
    }
}
