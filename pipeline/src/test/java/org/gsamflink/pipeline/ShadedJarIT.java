package org.gsamflink.pipeline;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.util.ChildFirstClassLoader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged job jar ({@code target/gsam-flink-job.jar}) and {@code target/flink-lib}, checked after {@code
 * package} (the {@code shaded-jar-it} execution of surefire, phase integration-test). A Flink cluster runs the job
 * with Flink, logging and (per the operator's instructions) {@code flink-lib/*} in its {@code lib/}, and the job jar
 * in a child-first class loader; these tests build that arrangement from the module's runtime classpath.
 */
class ShadedJarIT {

    private static final String MAIN_CLASS = "org.gsamflink.pipeline.job.ClusterMain";

    private static Path jobJar;
    private static Path flinkLib;
    private static Set<String> jobJarEntries;
    /** The runtime dependencies a cluster's lib/ provides: every one the job jar does not bundle. */
    private static List<Path> clusterLib;

    @TempDir
    Path dir;

    @BeforeAll
    static void locateArtifacts() throws IOException {
        jobJar = Path.of(System.getProperty("gsam.jobJar", "target/gsam-flink-job.jar"));
        flinkLib = Path.of(System.getProperty("gsam.flinkLib", "target/flink-lib"));
        Path classpathFile = Path.of(System.getProperty("gsam.runtimeClasspath", "target/runtime-classpath.txt"));
        assertThat(jobJar).as("run `mvn package` first").isRegularFile();
        assertThat(flinkLib).isDirectory();
        assertThat(classpathFile).isRegularFile();
        jobJarEntries = entries(jobJar);
        clusterLib = new ArrayList<>();
        for (String element : Files.readString(classpathFile).strip().split(File.pathSeparator)) {
            Path jar = Path.of(element);
            if (!isBundled(jar)) {
                clusterLib.add(jar);
            }
        }
    }

    private static Set<String> entries(Path jar) {
        try (JarFile jf = new JarFile(jar.toFile())) {
            return jf.stream().map(JarEntry::getName).collect(Collectors.toCollection(HashSet::new));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> classes(Path jar) {
        return entries(jar).stream()
                .filter(n -> n.endsWith(".class") && !n.endsWith("module-info.class") && !n.startsWith("META-INF/"))
                .sorted().toList();
    }

    /** Whether the job jar holds {@code jar}'s classes (a jar without classes counts as not bundled). */
    private static boolean isBundled(Path jar) {
        List<String> classes = classes(jar);
        return !classes.isEmpty() && jobJarEntries.containsAll(classes);
    }

    private static List<Path> flinkLibJars() throws IOException {
        try (Stream<Path> s = Files.list(flinkLib)) {
            return s.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        }
    }

    private static List<String> flinkLibNames() throws IOException {
        return flinkLibJars().stream().map(p -> p.getFileName().toString()).toList();
    }

    // ---- contents

    @Test
    void theManifestNamesClusterMainAsMainClass() throws IOException {
        try (JarFile jf = new JarFile(jobJar.toFile())) {
            assertThat(jf.getManifest().getMainAttributes().getValue("Main-Class")).isEqualTo(MAIN_CLASS);
            assertThat(jf.getManifest().getMainAttributes().getValue("Multi-Release")).isEqualTo("true");
        }
    }

    @Test
    void theJobJarHoldsTheJobTheConnectorAndDl4j() {
        assertThat(jobJarEntries).contains(
                "org/gsamflink/pipeline/job/ClusterMain.class",
                "org/gsamflink/pipeline/job/GsamJob.class",
                "org/gsamflink/operators/GsamTrainingOperator.class",
                "org/gsamflink/optimizer/GsamConfig.class",
                "org/apache/flink/connector/kafka/source/KafkaSource.class",
                "org/apache/flink/connector/kafka/sink/KafkaSink.class",
                "org/apache/flink/connector/base/DeliveryGuarantee.class",
                "org/apache/kafka/clients/consumer/KafkaConsumer.class",
                "org/deeplearning4j/nn/multilayer/MultiLayerNetwork.class",
                "com/fasterxml/jackson/dataformat/yaml/YAMLFactory.class");
        // service files are merged, not overwritten
        assertThat(jobJarEntries).contains("META-INF/services/org.apache.flink.table.factories.Factory");
    }

    @Test
    void theJobJarLeavesOutWhatTheClusterProvides() {
        assertThat(jobJarEntries).doesNotContain(
                "org/apache/flink/streaming/api/environment/StreamExecutionEnvironment.class",
                "org/apache/flink/configuration/Configuration.class",
                "org/apache/flink/runtime/minicluster/MiniCluster.class",
                "org/apache/flink/client/program/PackagedProgram.class",
                "org/apache/logging/log4j/LogManager.class",
                "org/slf4j/LoggerFactory.class",
                "com/esotericsoftware/kryo/Kryo.class");
        // Flink classes come only from the Kafka connector and connector-base
        assertThat(jobJarEntries.stream().filter(n -> n.startsWith("org/apache/flink/") && n.endsWith(".class")))
                .isNotEmpty()
                .allMatch(n -> n.startsWith("org/apache/flink/connector/kafka/")
                        || n.startsWith("org/apache/flink/connector/base/")
                        || n.startsWith("org/apache/flink/streaming/connectors/kafka/")
                        || n.startsWith("org/apache/flink/streaming/util/serialization/"));
        assertThat(jobJarEntries).noneMatch(n -> n.startsWith("scala/"));
    }

    @Test
    void theJobJarLeavesOutTheCommandLineAndItsLibraries() {
        // The gsam-flink application (module cli) is never shipped to a cluster.
        assertThat(jobJarEntries).noneMatch(n -> n.startsWith("org/gsamflink/cli/")
                || n.startsWith("picocli/")
                || n.startsWith("org/jfree/")
                || n.equals("log4j2.xml")
                || n.equals("gsam-flink-version.properties"));
    }

    @Test
    void theJobJarLeavesOutTheDemosBrokerAndChartLibrary() {
        // The launcher's demo needs them; a job on a cluster needs kafka-clients alone.
        assertThat(jobJarEntries).contains("org/apache/kafka/clients/producer/KafkaProducer.class");
        // kafka-clients itself carries kafka/kafka-version.properties and org/apache/kafka/server/{authorizer,…}.
        assertThat(jobJarEntries).noneMatch(n -> n.startsWith("kafka/server/")
                || n.startsWith("kafka/tools/")
                || n.startsWith("org/apache/kafka/server/common/")
                || n.startsWith("org/apache/kafka/raft/")
                || n.startsWith("org/apache/kafka/metadata/")
                || n.startsWith("org/apache/kafka/storage/")
                || n.startsWith("org/apache/kafka/coordinator/")
                || n.startsWith("org/jfree/")
                || n.startsWith("org/apache/flink/runtime/webmonitor/"));
    }

    @Test
    void theJobJarLeavesOutNd4jAndItsNatives() {
        assertThat(jobJarEntries).doesNotContain(
                "org/nd4j/linalg/factory/Nd4j.class",
                "org/nd4j/linalg/cpu/nativecpu/CpuBackend.class",
                "org/nd4j/linalg/cpu/nativecpu/bindings/Nd4jCpu.class",
                "org/bytedeco/javacpp/Loader.class",
                "org/bytedeco/openblas/global/openblas.class");
        assertThat(jobJarEntries).noneMatch(n -> n.startsWith("org/nd4j/linalg/") || n.startsWith("org/bytedeco/"));
        assertThat(jobJarEntries).noneMatch(n -> n.endsWith("libnd4jcpu.so") || n.contains("libopenblas")
                || n.endsWith("libjnijavacpp.so"));
        assertThat(jobJarEntries).noneMatch(n -> n.startsWith("META-INF/native-image/") && n.contains("nd4j"));
        assertThat(jobJarEntries).noneMatch(n -> n.matches("META-INF/.*\\.(SF|DSA|RSA)"));
    }

    @Test
    void flinkLibHoldsNd4jJavacppAndOpenblasForThisPlatformOnly() throws IOException {
        String platform = System.getProperty("gsam.nativePlatform", "linux-x86_64");
        List<String> names = flinkLibNames();

        assertThat(names).anyMatch(n -> n.matches("nd4j-native-[0-9][^-]*(-M[0-9.]+)?\\.jar"))
                .anyMatch(n -> n.matches("nd4j-native-.*-" + platform + "\\.jar"))
                .anyMatch(n -> n.matches("nd4j-api-.*\\.jar"))
                .anyMatch(n -> n.matches("javacpp-[0-9.]+\\.jar"))
                .anyMatch(n -> n.matches("javacpp-.*-" + platform + "\\.jar"))
                .anyMatch(n -> n.matches("openblas-[0-9.-]+\\.jar"))
                .anyMatch(n -> n.matches("openblas-.*-" + platform + "\\.jar"));
        // no -platform aggregator (every OS's natives) and no natives for another platform
        assertThat(names).noneMatch(n -> n.matches("(javacpp|openblas|nd4j-native|nd4j-native-preset)-platform-.*"))
                .noneMatch(n -> n.matches(".*-(linux|macosx|windows|android|ios)-[a-z0-9_]+\\.jar")
                        && !n.endsWith("-" + platform + ".jar"))
                .noneMatch(n -> n.startsWith("flink-") || n.startsWith("log4j-") || n.startsWith("slf4j-")
                        || n.startsWith("deeplearning4j-") || n.startsWith("kafka-"));
    }

    @Test
    void nothingIsBothInTheJobJarAndInFlinkLib() throws IOException {
        for (Path jar : flinkLibJars()) {
            List<String> classes = classes(jar);
            assertThat(classes).as(jar.getFileName().toString()).noneMatch(jobJarEntries::contains);
        }
    }

    @Test
    void flinkLibIsPartOfWhatTheClusterProvides() throws IOException {
        Set<String> lib = clusterLib.stream().map(p -> p.getFileName().toString()).collect(Collectors.toSet());

        assertThat(lib).containsAll(flinkLibNames());
    }

    // ---- running it

    /** {@code java -cp <cluster lib>:<job jar> ClusterMain ARGS}, as {@code flink run} has them on its classpath. */
    private static Process startCli(String... args) throws IOException {
        String classpath = Stream.concat(Stream.of(jobJar), clusterLib.stream())
                .map(Path::toString).collect(Collectors.joining(File.pathSeparator));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classpath, MAIN_CLASS));
        command.addAll(Arrays.asList(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static String finish(Process p) throws IOException, InterruptedException {
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(output).isTrue();
        return output;
    }

    @Test
    void helpPrintsTheUsageWithTheClusterLibrariesOnTheClasspath() throws Exception {
        Process p = startCli("--help");
        String output = finish(p);

        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("Usage: gsam-flink-job").contains("--config", "--check")
                .doesNotContain("Exception");
    }

    @Test
    void runCheckWorksTwiceInChildFirstLoadersOverTheClusterLib() throws Exception {
        Path config = dir.resolve("job.yaml");
        Files.writeString(config, """
                kafka.bootstrap.servers: 127.0.0.1:1
                source.topics: [gsam-train]
                model.architecture: mlp:784-64-10
                gsam.rho: proportion:lrMax=0.05,lrMin=0.0005,rhoMax=0.05,rhoMin=0.02
                gsam.lr-schedule: cosine:max=0.05,min=0.0005,T=1000
                sink.metrics-topic: gsam-metrics
                """);
        URL[] libUrls = clusterLib.stream().map(ShadedJarIT::url).toArray(URL[]::new);
        String[] parentFirst = CoreOptions.getParentFirstLoaderPatterns(new Configuration());
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        try (URLClassLoader lib = new URLClassLoader("cluster-lib", libUrls, ClassLoader.getPlatformClassLoader())) {
            for (int submission = 1; submission <= 2; submission++) {
                try (ChildFirstClassLoader job = new ChildFirstClassLoader(new URL[] {url(jobJar)}, lib, parentFirst,
                        t -> { })) {
                    thread.setContextClassLoader(job);
                    StringWriter out = new StringWriter();

                    execute(job, out, "run", "--check", "--config", config.toString());

                    assertThat(out.toString()).as("submission %d", submission).contains("\"nodes\"");
                    assertThat(job.loadClass("org.nd4j.linalg.factory.Nd4j").getClassLoader()).isSameAs(lib);
                    assertThat(job.loadClass("org.apache.flink.streaming.api.environment.StreamExecutionEnvironment")
                            .getClassLoader()).isSameAs(lib);
                    assertThat(job.loadClass(MAIN_CLASS).getClassLoader()).isSameAs(job);
                    assertThat(job.loadClass("org.apache.flink.connector.kafka.source.KafkaSource").getClassLoader())
                            .isSameAs(job);
                    assertThat(job.loadClass("org.deeplearning4j.nn.multilayer.MultiLayerNetwork").getClassLoader())
                            .isSameAs(job);
                } finally {
                    thread.setContextClassLoader(previous);
                }
            }
        }
    }

    /** {@code ClusterMain.run(args, out)} inside {@code loader}. */
    private static void execute(ClassLoader loader, StringWriter out, String... args)
            throws ReflectiveOperationException {
        Class<?> main = loader.loadClass(MAIN_CLASS);
        try {
            main.getMethod("run", String[].class, PrintWriter.class).invoke(null, args, new PrintWriter(out, true));
        } catch (InvocationTargetException e) {
            throw new AssertionError("ClusterMain threw", e.getCause());
        }
    }

    private static URL url(Path p) {
        try {
            return p.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        }
    }
}
