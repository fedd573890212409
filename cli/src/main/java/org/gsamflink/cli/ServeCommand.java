package org.gsamflink.cli;

import org.gsamflink.pipeline.job.JobOptions;
import picocli.CommandLine.Command;

import java.util.List;

/**
 * {@code gsam-flink serve}: the prediction job ({@code job.mode: serve}), on a local MiniCluster or submitted to a
 * remote cluster, with every option of {@code run}.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        versionProvider = GsamFlinkCli.Version.class,
        header = "Run the prediction job: answer feature records with the newest committed model versions.",
        description = {
                "Reads prediction requests from serve.topics (the training formats without a label), answers each "
                        + "row with the newest committed version of its model in model-store.root, and writes one "
                        + "JSON prediction per row (request id, model, version, class, probabilities, latency) to "
                        + "sink.predictions-topic; bad requests go to the dead-letter topic with their reason.",
                "New versions are picked up as the training job commits them (every serve.poll-interval), loaded "
                        + "off the record path and swapped in between two records.",
                "The configuration is one YAML file plus -D key=value overrides, as for run; this command sets "
                        + "job.mode: serve. See the README's Serving section."})
public final class ServeCommand extends RunCommand {

    @Override
    List<String> impliedOverrides() {
        return List.of(JobOptions.MODE.key() + "=serve");
    }
}
