package org.gsamflink.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code gsam-flink} as the Docker image runs it (docker/Dockerfile): this module's jar and {@code target/image-lib}
 * (picocli, JFreeChart) over the job jar and a Flink {@code lib/}, without the libraries only the local demo needs
 * (the embedded broker, Flink's web UI). The stand-in for the image's {@code lib/} is the pipeline's runtime
 * classpath plus log4j, which Flink's distribution ships.
 */
class ImageClasspathIT {

    private static String classpath;

    @TempDir
    Path dir;

    @BeforeAll
    static void buildTheImageClasspath() throws IOException {
        Path cliJar = Path.of(System.getProperty("gsam.cliJar", "target/gsam-flink-cli-0.1.0-SNAPSHOT.jar"));
        Path imageLib = Path.of(System.getProperty("gsam.imageLib", "target/image-lib"));
        Path jobJar = Path.of(System.getProperty("gsam.jobJar", "../pipeline/target/gsam-flink-job.jar"));
        Path pipelineClasspath = Path.of(System.getProperty("gsam.pipelineClasspath",
                "../pipeline/target/runtime-classpath.txt"));
        Path cliClasspath = Path.of(System.getProperty("gsam.cliClasspath", "target/runtime-classpath.txt"));
        assertThat(cliJar).as("run `mvn package` first").isRegularFile();
        assertThat(jobJar).as("build the pipeline module first").isRegularFile();
        List<String> elements = new ArrayList<>();
        elements.add(cliJar.toString());
        try (Stream<Path> jars = Files.list(imageLib)) {
            List<String> names = jars.map(Path::toString).sorted().toList();
            assertThat(names).as("image-lib").hasSize(2);
            elements.addAll(names);
        }
        elements.add(jobJar.toString());
        elements.addAll(Arrays.asList(Files.readString(pipelineClasspath).strip().split(File.pathSeparator)));
        Arrays.stream(Files.readString(cliClasspath).strip().split(File.pathSeparator))
                .filter(p -> Path.of(p).getFileName().toString().startsWith("log4j-"))
                .forEach(elements::add);
        assertThat(elements).noneMatch(p -> p.contains("kafka_2.13") || p.contains("flink-runtime-web")
                || p.contains("kafka-server"));
        classpath = String.join(File.pathSeparator, elements);
    }

    private record Run(int exitCode, String output) {}

    private static Run gsamFlink(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classpath,
                "org.gsamflink.cli.GsamFlinkCli"));
        command.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(output).isTrue();
        return new Run(p.exitValue(), output);
    }

    @Test
    void helpListsEveryCommand() throws Exception {
        Run r = gsamFlink("--help");

        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("Usage: gsam-flink").contains("demo", "train", "run", "produce", "model",
                "doctor").doesNotContain("Exception");
    }

    @Test
    void theModelCommandsAndProduceWork() throws Exception {
        Files.createDirectories(dir.resolve("store"));
        Run list = gsamFlink("model", "list", "--store", dir.resolve("store").toString());
        Run produce = gsamFlink("produce", "--help");

        assertThat(list.exitCode()).as(list.output()).isZero();
        assertThat(list.output()).doesNotContain("Exception");
        assertThat(produce.exitCode()).as(produce.output()).isZero();
        assertThat(produce.output()).contains("--bootstrap-servers", "--format", "--rate");
    }

    @Test
    void doctorLoadsNd4jFromTheClusterLibraries() throws Exception {
        Run r = gsamFlink("doctor");

        assertThat(r.output()).contains("backend").doesNotContain("NoClassDefFoundError");
    }

    @Test
    void demoHelpWorksWithoutTheBrokerClasses() throws Exception {
        Run help = gsamFlink("demo", "--help");

        assertThat(help.exitCode()).as(help.output()).isZero();
        assertThat(help.output()).contains("--bootstrap-servers");
    }
}
