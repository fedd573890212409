package org.gsamflink.tests;

import org.gsamflink.cli.demo.StreamingDemo;
import org.gsamflink.cli.report.RunReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The metric names that {@code deploy/kubernetes/prometheus.yaml} and the README document, read from a real
 * Prometheus reporter (flink-metrics-prometheus, configured as in the manifests) while the Kafka training job runs.
 */
class PrometheusMetricNamesITCase {

    private static final Pattern DOCUMENTED = Pattern.compile("^#\\s+(flink_taskmanager_job_task_operator_\\S+)",
            Pattern.MULTILINE);

    @Test
    void theDocumentedOperatorMetricsAreExported(@TempDir Path dir) throws Exception {
        int port = freePort();
        StreamingDemo demo = StreamingDemo.builder().dataDir(dir.resolve("demo")).generated(true).passes(0)
                .rate(2000).batchSize(32)
                .override("flink.metrics.reporter.prom.factory.class="
                        + "org.apache.flink.metrics.prometheus.PrometheusReporterFactory")
                .override("flink.metrics.reporter.prom.port=" + port)
                .output(new PrintWriter(new StringWriter()), false)
                .build();
        CompletableFuture<RunReport.Result> run = CompletableFuture.supplyAsync(() -> {
            try {
                return demo.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Set<String> exported;
        try {
            exported = scrapeUntilTrained(port, run);
        } finally {
            demo.requestStop();
        }
        assertThat(run.get(3, TimeUnit.MINUTES).steps()).isPositive();

        Set<String> documented = documentedNames();
        assertThat(documented).contains("flink_taskmanager_job_task_operator_model_surrogateGap",
                "flink_taskmanager_job_task_operator_deadLetters_<reason>");
        for (String name : documented) {
            if (name.endsWith("_<reason>")) {
                String prefix = name.substring(0, name.length() - "<reason>".length());
                assertThat(exported).anyMatch(n -> n.startsWith(prefix) && n.endsWith("malformed_json"));
            } else {
                assertThat(exported).contains(name);
            }
        }
    }

    /** Metric names (without labels) once the per-model gauges exist, i.e. after the first training step. */
    private static Set<String> scrapeUntilTrained(int port, CompletableFuture<?> run) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        Set<String> names = new TreeSet<>();
        while (System.nanoTime() < deadline && !run.isDone()) {
            try {
                String body = http.send(get, HttpResponse.BodyHandlers.ofString()).body();
                names.clear();
                body.lines().filter(l -> !l.startsWith("#") && !l.isBlank())
                        .map(l -> l.split("[{ ]", 2)[0]).forEach(names::add);
                if (names.contains("flink_taskmanager_job_task_operator_model_steps")) {
                    return names;
                }
            } catch (IOException notYet) {
                // the reporter starts with the cluster
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no per-model metrics on the Prometheus endpoint; seen: " + names);
    }

    private static Set<String> documentedNames() throws IOException {
        String manifest = Files.readString(Path.of("..", "deploy", "kubernetes", "prometheus.yaml"));
        Set<String> names = new TreeSet<>();
        Matcher m = DOCUMENTED.matcher(manifest);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

}
