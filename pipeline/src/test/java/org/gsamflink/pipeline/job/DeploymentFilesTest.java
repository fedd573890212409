package org.gsamflink.pipeline.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The deployment files are valid: the Kubernetes manifests are YAML documents of their resources' schema shape
 * (apiVersion, kind, metadata, spec), and every job configuration they carry passes the job's own validation.
 * (The compose file is checked by {@code .ci/run} with {@code docker-compose config -q}.)
 */
class DeploymentFilesTest {

    private static final Path REPO = Path.of("..");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static List<JsonNode> documents(Path file) throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            while (it.hasNext()) {
                docs.add(it.next());
            }
        }
        return docs;
    }

    private static JsonNode resource(List<JsonNode> docs, String kind) {
        return docs.stream().filter(d -> kind.equals(d.path("kind").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " in " + docs));
    }

    @Test
    void theFlinkDeploymentHasTheOperatorsSchemaShape() throws Exception {
        List<JsonNode> docs = documents(REPO.resolve("deploy/kubernetes/flink-deployment.yaml"));
        for (JsonNode d : docs) {
            assertThat(d.has("apiVersion") && d.has("kind") && d.path("metadata").has("name")).as(d.toString())
                    .isTrue();
        }
        JsonNode fd = resource(docs, "FlinkDeployment");
        assertThat(fd.get("apiVersion").asText()).isEqualTo("flink.apache.org/v1beta1");
        JsonNode spec = fd.get("spec");
        assertThat(spec.get("image").asText()).contains("gsam-flink");
        assertThat(spec.get("flinkVersion").asText()).matches("v2_\\d+");
        assertThat(spec.path("jobManager").path("resource").has("memory")).isTrue();
        assertThat(spec.path("taskManager").path("resource").has("memory")).isTrue();
        JsonNode job = spec.get("job");
        assertThat(job.get("jarURI").asText()).isEqualTo("local:///opt/flink/usrlib/gsam-flink-job.jar");
        assertThat(job.get("entryClass").asText()).isEqualTo(org.gsamflink.pipeline.job.ClusterMain.class.getName());
        assertThat(job.get("upgradeMode").asText()).isEqualTo("savepoint");
        assertThat(job.get("parallelism").asInt()).isPositive();
        JsonNode conf = spec.get("flinkConfiguration");
        assertThat(conf.get("execution.checkpointing.dir").asText()).startsWith("s3://");
        assertThat(conf.get("execution.checkpointing.savepoint-dir").asText()).startsWith("s3://");
        assertThat(conf.get("metrics.reporter.prom.factory.class").asText())
                .isEqualTo("org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        // Every value of flinkConfiguration must be a string in the CRD.
        conf.fields().forEachRemaining(e -> assertThat(e.getValue().isTextual()).as(e.getKey()).isTrue());
    }

    @Test
    void theJobConfigurationTheManifestMountsIsAValidJobConfig(@TempDir Path dir) throws Exception {
        List<JsonNode> docs = documents(REPO.resolve("deploy/kubernetes/flink-deployment.yaml"));
        JsonNode configMap = resource(docs, "ConfigMap");
        JsonNode fd = resource(docs, "FlinkDeployment");
        // The job reads the file where the pod template mounts the ConfigMap.
        List<String> args = new ArrayList<>();
        fd.path("spec").path("job").path("args").forEach(a -> args.add(a.asText()));
        assertThat(args).containsExactly("run", "--config", "/opt/gsam-flink/config/job.yaml");
        JsonNode mount = fd.path("spec").path("podTemplate").path("spec").path("containers").get(0)
                .path("volumeMounts").get(0);
        assertThat(mount.get("mountPath").asText()).isEqualTo("/opt/gsam-flink/config");
        Path yaml = dir.resolve("job.yaml");
        Files.writeString(yaml, configMap.path("data").path("job.yaml").asText());
        JobConfig c = JobConfig.load(yaml, List.of());
        assertThat(c.get(JobOptions.STORE_ROOT)).startsWith("s3://");
        assertThat(c.get(JobOptions.DELIVERY)).isEqualTo(JobOptions.Delivery.EXACTLY_ONCE);
        assertThat(GsamJob.modelSpec(c).numFeatures()).isEqualTo(784);
    }

    @Test
    void thePodMonitorScrapesTheReportersPort() throws Exception {
        JsonNode pm = resource(documents(REPO.resolve("deploy/kubernetes/prometheus.yaml")), "PodMonitor");
        assertThat(pm.get("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(pm.path("spec").path("podMetricsEndpoints").get(0).get("port").asText()).isEqualTo("metrics");
        JsonNode fd = resource(documents(REPO.resolve("deploy/kubernetes/flink-deployment.yaml")), "FlinkDeployment");
        JsonNode port = fd.path("spec").path("podTemplate").path("spec").path("containers").get(0).path("ports").get(0);
        assertThat(port.get("name").asText()).isEqualTo("metrics");
        assertThat(port.get("containerPort").asText())
                .isEqualTo(fd.path("spec").path("flinkConfiguration").get("metrics.reporter.prom.port").asText());
    }

    @Test
    void theComposeJobConfigurationIsAValidJobConfig() {
        JobConfig c = JobConfig.load(REPO.resolve("docker/job.yaml"), List.of());
        assertThat(c.get(JobOptions.BOOTSTRAP_SERVERS)).isEqualTo("kafka:29092");
        assertThat(c.get(JobOptions.STORE_ROOT)).isEqualTo("file:///flink-data/models");
        assertThat(GsamJob.modelSpec(c).numClasses()).isEqualTo(10);
        assertThat(c.get(JobOptions.SERVE_ENABLED)).isTrue();
    }

    @Test
    void composeCreatesEveryTopicTheJobReadsAndWrites() throws Exception {
        JobConfig c = JobConfig.load(REPO.resolve("docker/job.yaml"), List.of());
        String compose = java.nio.file.Files.readString(REPO.resolve("docker/docker-compose.yml"));
        List<String> topics = new java.util.ArrayList<>(c.get(JobOptions.TOPICS));
        topics.addAll(c.get(JobOptions.SERVE_TOPICS));
        topics.addAll(List.of(c.get(JobOptions.METRICS_TOPIC), c.get(JobOptions.SNAPSHOTS_TOPIC),
                c.get(JobOptions.DEAD_LETTER_TOPIC), c.get(JobOptions.PREDICTIONS_TOPIC)));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("for t in ([^;]+); do").matcher(compose);
        assertThat(m.find()).isTrue();
        assertThat(List.of(m.group(1).trim().split("\\s+"))).containsAll(topics);
    }
}
