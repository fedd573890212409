package org.gsamflink.cli;

import org.gsamflink.cli.common.ExitCodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code gsam-flink run} up to the point where the job would start: configuration errors and {@code --check}. */
class RunCommandTest {

    /** Nothing listens on port 1: the command must get through --check without connecting. */
    private static final String VALID = """
            kafka.bootstrap.servers: 127.0.0.1:1
            source:
              topics: [gsam-train]
            model:
              architecture: mlp:16-32-4
            sink:
              metrics-topic: gsam-metrics
              snapshots-topic: gsam-snapshots
            """;

    @TempDir
    Path dir;

    private Path config(String yaml) throws IOException {
        Path file = dir.resolve("job.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private static void assertOneCleanError(Cli.Run run, String... fragments) {
        assertThat(run.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).startsWith("gsam-flink run: ").contains(fragments)
                .doesNotContain("\tat ", "Exception", "--verbose");
    }

    @Test
    void aBadValueInTheFileExitsWithTwoAndNamesTheKey() throws IOException {
        Cli.Run run = Cli.run("run", "--config", config(VALID + "gsam:\n  alpha: abc\n").toString());

        assertOneCleanError(run, "'gsam.alpha'", "abc");
        assertThat(run.err().lines().filter(l -> l.startsWith("  - "))).hasSize(1);
    }

    @Test
    void aMisspelledKeyExitsWithTwoAndSuggestsTheRightOne() throws IOException {
        Cli.Run run = Cli.run("run", "--config", config(VALID).toString(), "-D", "gsam.alpah=0.2");

        assertOneCleanError(run, "'gsam.alpah'", "did you mean 'gsam.alpha'?");
    }

    @Test
    void aMissingConfigFileExitsWithTwo() {
        Cli.Run run = Cli.run("run", "--config", dir.resolve("missing.yaml").toString());

        assertOneCleanError(run, "missing.yaml", "does not exist");
    }

    @Test
    void noConfigurationAtAllExitsWithTwo() {
        Cli.Run run = Cli.run("run");

        assertOneCleanError(run, "--config");
    }

    @Test
    void anArchitectureThatCannotBeBuiltExitsWithTwo() throws IOException {
        Cli.Run run = Cli.run("run", "--check", "--config", config(VALID).toString(),
                "-D", "model.architecture=mlp:banana");

        assertOneCleanError(run, "mlp:banana");
    }

    @Test
    void checkValidatesAndPrintsThePlanWithoutConnecting() throws IOException {
        Path file = config(VALID);
        long started = System.nanoTime();
        Cli.Run run = Cli.run("run", "--check", "--config", file.toString(), "-D", "gsam.alpha=0.2");
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;

        assertThat(run.err()).isEmpty();
        assertThat(run.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).contains("Kafka training records", "Decode and validate", "Dead letters",
                "Metrics topic", "Snapshot notices");
        // A client that tried 127.0.0.1:1 would retry for its default timeouts (60 s and more).
        assertThat(seconds).isLessThan(60);
    }

    @Test
    void withoutCheckBrokersThatDoNotAnswerFailThePreflightWithTwoNamingTheKey() throws IOException {
        Path file = config(VALID);

        Cli.Run run = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60),
                () -> Cli.run("run", "--config", file.toString(), "-D", "job.preflight-timeout=1 s"));

        assertOneCleanError(run, "Kafka preflight against 127.0.0.1:1 failed",
                "kafka.bootstrap.servers '127.0.0.1:1': no broker answered within job.preflight-timeout (1000 ms)");
    }

    @Test
    void aConfigurationThatDoesNotFitTheRestoredStateIsFoundInTheFailureEvenSerialized() {
        var cause = new org.gsamflink.operators.IncompatibleStateException("The saved state of model 'm' does not fit");
        Exception local = new RuntimeException("job failed",
                new org.apache.flink.runtime.execution.SuppressRestartsException(cause));
        Exception remote = new RuntimeException("job failed", new org.apache.flink.util.SerializedThrowable(
                new org.apache.flink.runtime.execution.SuppressRestartsException(cause)));

        assertThat(RunCommand.incompatibleState(local)).contains("The saved state of model 'm' does not fit");
        assertThat(RunCommand.incompatibleState(remote)).contains("The saved state of model 'm' does not fit");
        assertThat(RunCommand.incompatibleState(new RuntimeException("other", new IllegalStateException("x"))))
                .isEmpty();
    }
}
