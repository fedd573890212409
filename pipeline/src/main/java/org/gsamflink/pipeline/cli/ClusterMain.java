package org.gsamflink.pipeline.cli;

import java.io.PrintWriter;
import java.nio.charset.Charset;

/**
 * The entry class for deployments that run the job's {@code main} inside Flink: application mode (the Flink
 * Kubernetes Operator's {@code FlinkDeployment}, {@code standalone-job}) and {@code flink run -c}. Same commands
 * as {@link GsamFlinkCli}, but it never calls {@code System.exit}: in application mode {@code main} runs in the
 * JobManager's JVM, and {@code execute()} returns as soon as the job is submitted, so an exit would take the
 * JobManager down with it. A failure is thrown instead, which Flink reports as the application's failure.
 *
 * <pre>{@code
 * flink run -c org.gsamflink.pipeline.cli.ClusterMain gsam-flink-job.jar run --config job.yaml
 * }</pre>
 */
public final class ClusterMain {

    private ClusterMain() {}

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, Charset.defaultCharset());
        PrintWriter err = new PrintWriter(System.err, true, Charset.defaultCharset());
        int rc = GsamFlinkCli.commandLine(out, err).execute(args);
        if (rc != ExitCodes.OK) {
            throw new IllegalStateException("gsam-flink " + String.join(" ", args) + " failed with exit code " + rc
                    + " (see the message above)");
        }
    }
}
