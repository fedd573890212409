package org.gsamflink.pipeline.job;

import java.util.List;

/** The configuration is unusable; one line per problem, each naming its key. No stack trace: it is bad input. */
public final class JobConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;
    private final List<String> problems;

    public JobConfigException(List<String> problems) {
        super("invalid configuration:\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
