package org.gsamflink.pipeline.job;

import org.gsamflink.pipeline.InvalidInputException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The job jar's entry point: its arguments and its errors. */
class ClusterMainTest {

    @TempDir
    Path dir;

    private static String run(String... args) throws Exception {
        StringWriter out = new StringWriter();
        ClusterMain.run(args, new PrintWriter(out, true));
        return out.toString();
    }

    @Test
    void parsesTheConfigOverridesAndFlagsInEverySpelling() {
        ClusterMain.Arguments a = ClusterMain.Arguments.parse(new String[] {
                "run", "--config", "job.yaml", "-D", "gsam.alpha=0.2", "-Dgsam.seed=7", "--set", "a=b", "--set=c=d",
                "--check"});

        assertThat(a.config).isEqualTo(Path.of("job.yaml"));
        assertThat(a.overrides).containsExactly("gsam.alpha=0.2", "gsam.seed=7", "a=b", "c=d");
        assertThat(a.check).isTrue();
        assertThat(ClusterMain.Arguments.parse(new String[] {"--config=x.yaml"}).config).isEqualTo(Path.of("x.yaml"));
    }

    @Test
    void helpPrintsTheUsage() throws Exception {
        assertThat(run("--help")).contains("Usage: gsam-flink-job").contains("--config", "-D, --set", "--check");
    }

    @Test
    void badArgumentsNameTheArgument() {
        assertThatThrownBy(() -> run("--conf", "x.yaml"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("unknown argument '--conf'");
        assertThatThrownBy(() -> run("--config"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("--config needs a value");
        assertThatThrownBy(() -> run("run"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("give --config FILE and/or -D");
    }

    @Test
    void aBadKeyFailsBeforeAnythingStartsAndNamesTheKey() {
        assertThatThrownBy(() -> run("-D", "kafka.bootstrap.servers=127.0.0.1:1", "-D", "source.topics=t",
                "-D", "model.architecture=mlp:4-8-2", "-D", "gsam.alhpa=0.3", "--check"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("gsam.alhpa");
    }

    @Test
    void checkPrintsTheJobGraphWithoutRunning() throws Exception {
        Path config = dir.resolve("job.yaml");
        Files.writeString(config, """
                kafka.bootstrap.servers: 127.0.0.1:1
                source.topics: [gsam-train]
                model.architecture: mlp:16-8-4
                """);

        assertThat(run("run", "--check", "--config", config.toString())).contains("\"nodes\"").contains("GSAM");
    }

    @Test
    void serveRunsThePredictionJob() throws Exception {
        assertThat(ClusterMain.Arguments.parse(new String[] {"serve", "--config", "s.yaml"}).overrides)
                .containsExactly("job.mode=serve");
        Path config = dir.resolve("serve.yaml");
        Files.writeString(config, """
                kafka.bootstrap.servers: 127.0.0.1:1
                serve.topics: [requests]
                sink.predictions-topic: predictions
                model-store.root: /tmp/models
                """);

        assertThat(run("serve", "--check", "--config", config.toString())).contains("\"nodes\"").contains("Predict")
                .doesNotContain("GSAM");
    }
}
