package org.gsamflink.pipeline;

/**
 * Input the user gave is unusable: a missing, unreadable or malformed data file, a model file that is not what it
 * claims to be, or data that does not fit the model. The message is a single line that names the file (and line,
 * where there is one) and the problem, fit to be shown as is; the command line maps this exception to exit code 2.
 */
public class InvalidInputException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public InvalidInputException(String message) {
        super(message);
    }

    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
