package org.gsamflink.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.gsamflink.operators.TrainingRecord;
import org.gsamflink.pipeline.format.RecordFormat;
import org.gsamflink.pipeline.format.RecordLimits;
import org.gsamflink.pipeline.job.ClusterMain;
import org.gsamflink.pipeline.job.GsamJob;
import org.gsamflink.pipeline.job.JobConfig;
import org.gsamflink.pipeline.job.KafkaPreflight;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.gsamflink.tests.TrainingFixtures.CLASSES;
import static org.gsamflink.tests.TrainingFixtures.FEATURES;

/**
 * Kafka faults against a real broker: the preflight's messages for a missing dead-letter topic and for brokers that
 * do not answer, the job's restart strategy giving up on brokers that never come, and a broker stopped and started
 * again mid-run, after which the read_committed metrics hold every step exactly once, as an uninterrupted run's.
 */
class KafkaFaultsITCase {

    @RegisterExtension
    // Two task managers, as a cluster has: when the broker goes away, the Kafka sink can rethrow a send that
    // expired while its failed task is being cleaned up, and Flink then takes the whole task manager down ("FATAL -
    // exception in exception handler"); the job restarts on the other one, as it would on a real cluster.
    static final MiniClusterExtension MINI_CLUSTER = TrainingFixtures.miniCluster(2, 2);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int EXAMPLES = 1600;
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }

    /** The job for topics {@code name-in}, {@code name-metrics}, {@code name-dlq}; named {@code name}. */
    private static Map<String, String> job(String name) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        c.put("source.topics", name + "-in");
        c.put("source.starting-offsets", "earliest");
        c.put("source.bounded", "true");
        c.put("format.default-model-id", "m1");
        c.put("model.architecture", "mlp:" + FEATURES + "-32-" + CLASSES);
        c.put("model.updater", "adam");
        c.put("model.learning-rate", "0.005");
        c.put("training.batch-size", "16");
        c.put("training.batch-timeout", "0 ms");
        c.put("training.snapshot-every-steps", "0");
        c.put("sink.metrics-topic", name + "-metrics");
        c.put("sink.dead-letter-topic", name + "-dlq");
        c.put("job.name", name);   // and so the transactional-id prefix
        c.put("job.checkpoint-interval", "300 ms");
        return c;
    }

    /**
     * Short client timeouts, so that an outage fails the tasks within seconds and the restart strategy acts. Not
     * {@code max.block.ms}: a Kafka sink whose producer gives up while the failed task cleans up throws in Flink's
     * task exception handler, which takes the whole TaskManager down.
     */
    private static Map<String, String> impatient(Map<String, String> c) {
        c.put("kafka.request.timeout.ms", "1000");
        c.put("kafka.delivery.timeout.ms", "1500");
        c.put("kafka.default.api.timeout.ms", "2000");
        c.put("job.restart.initial-delay", "200 ms");
        c.put("job.restart.max-delay", "1 s");
        return c;
    }

    private static String[] asArguments(Map<String, String> c) {
        List<String> args = new ArrayList<>();
        c.forEach((k, v) -> {
            args.add("-D");
            args.add(k + "=" + v);
        });
        return args.toArray(String[]::new);
    }

    /** Parallelism 1 and no restart strategy of its own: the job's (job.restart.*) applies. */
    private static StreamExecutionEnvironment env() {
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        return env;
    }

    private static void produceExamples(String topic) {
        RecordFormat f = RecordFormat.create("json", "m1", new RecordLimits(FEATURES, CLASSES, 1 << 20), ',', -1);
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < EXAMPLES; i++) {
            out.add(f.encode(TrainingFixtures.example("m1", i)));
        }
        kafka.produce(topic, out);
    }

    /** The committed metrics: step → loss, failing on a step seen twice. */
    private static Map<Long, Double> committedLossPerStep(String topic) throws Exception {
        Map<Long, Double> out = new TreeMap<>();
        for (String v : EmbeddedKafka.values(kafka.readAll(topic, true))) {
            JsonNode m = JSON.readTree(v);
            assertThat(out.put(m.get("step").asLong(), m.get("loss").asDouble())).as("step %s twice", m.get("step"))
                    .isNull();
        }
        return out;
    }

    // ---- preflight

    @Test
    void aMissingDeadLetterTopicFailsAtStartNamingTheKeyAndTheTopic() throws Exception {
        kafka.createTopics("no-dlq-in", "no-dlq-metrics");
        Map<String, String> c = job("no-dlq");
        c.put("source.topics", "no-dlq-in;no-dlq-absent");
        StringWriter out = new StringWriter();

        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThatThrownBy(() -> ClusterMain.run(
                asArguments(c), new PrintWriter(out)))
                .isInstanceOfSatisfying(KafkaPreflight.Failed.class, e -> assertThat(e.problems()).containsExactly(
                        "source.topics 'no-dlq-absent' does not exist on " + kafka.bootstrapServers(),
                        "sink.dead-letter-topic 'no-dlq-dlq' does not exist on " + kafka.bootstrapServers()
                                + " and the broker does not create topics (auto.create.topics.enable=false): "
                                + "create it before starting the job")));
    }

    @Test
    void aTransactionTimeoutAboveTheBrokersMaximumFailsThePreflight() throws Exception {
        kafka.createTopics("long-tx-in", "long-tx-metrics", "long-tx-dlq");
        Map<String, String> c = job("long-tx");
        c.put("kafka.transaction.timeout.ms", "1000000");

        assertThatThrownBy(() -> ClusterMain.preflight(JobConfig.fromMap(c)))
                .isInstanceOfSatisfying(KafkaPreflight.Failed.class, e -> assertThat(e.problems()).singleElement()
                        .asString().startsWith("kafka.transaction.timeout.ms: the producers' transaction timeout "
                                + "(1000000 ms) exceeds the broker's transaction.max.timeout.ms (900000 ms)"));
        c.put("kafka.transaction.timeout.ms", "900000");
        ClusterMain.preflight(JobConfig.fromMap(c));
    }

    @Test
    void brokersThatDoNotAnswerFailThePreflightWithinItsTimeout() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        Map<String, String> c = job("unreachable");
        c.put("kafka.bootstrap.servers", "127.0.0.1:" + closedPort);
        c.put("job.preflight-timeout", "3 s");
        JobConfig cfg = JobConfig.fromMap(c);

        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThatThrownBy(() -> ClusterMain.preflight(cfg))
                .isInstanceOfSatisfying(KafkaPreflight.Failed.class, e -> assertThat(e.problems()).containsExactly(
                        "kafka.bootstrap.servers '127.0.0.1:" + closedPort + "': no broker answered within "
                                + "job.preflight-timeout (3000 ms); are the brokers running and reachable from here?")));
    }

    @Test
    void withBrokersThatNeverAnswerTheRestartStrategyEndsTheJob() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        Map<String, String> c = impatient(job("never"));
        c.put("kafka.bootstrap.servers", "127.0.0.1:" + closedPort);
        c.put("job.restart.attempts", "2");
        c.put("kafka.max.block.ms", "2000");   // no broker ever: the sinks' producers give up quickly
        StreamExecutionEnvironment env = env();
        GsamJob.build(env, JobConfig.fromMap(c));

        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThatThrownBy(() -> env.execute("never-it"))
                .hasStackTraceContaining("Recovery is suppressed by ExponentialDelayRestartBackoffTimeStrategy"));
    }

    // ---- broker restart mid-run

    /** Slows the stream (2 ms a record) and says when a checkpoint completed after 300 records; counts its starts. */
    static final class SlowWithSignal extends RichMapFunction<TrainingRecord, TrainingRecord>
            implements CheckpointListener {
        static final AtomicBoolean READY = new AtomicBoolean();
        static final AtomicInteger STARTS = new AtomicInteger();
        private long seen;

        @Override
        public void open(OpenContext context) {
            STARTS.incrementAndGet();
        }

        @Override
        public TrainingRecord map(TrainingRecord r) throws Exception {
            Thread.sleep(2);
            seen++;
            return r;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            if (seen > 300) {
                READY.set(true);
            }
        }
    }

    @Test
    void aBrokerStoppedAndStartedMidRunLosesAndDuplicatesNoCommittedStep() throws Exception {
        kafka.createTopics("steady-in", "steady-metrics", "steady-dlq", "outage-in", "outage-metrics", "outage-dlq");
        produceExamples("steady-in");
        produceExamples("outage-in");
        StreamExecutionEnvironment steady = env();
        GsamJob.build(steady, JobConfig.fromMap(job("steady")));
        steady.execute("steady-it");

        SlowWithSignal.READY.set(false);
        SlowWithSignal.STARTS.set(0);
        Map<String, String> c = impatient(job("outage"));
        c.put("job.restart.attempts", "30");
        JobConfig cfg = JobConfig.fromMap(c);
        ClusterMain.preflight(cfg);
        StreamExecutionEnvironment env = env();
        GsamJob.build(env, cfg, s -> s.map(new SlowWithSignal()).name("slow"));
        JobClient job = env.executeAsync("outage-it");
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            while (!SlowWithSignal.READY.get()) {
                Thread.sleep(20);
            }
        });
        kafka.stopBroker();
        Thread.sleep(4_000);   // the outage: longer than the clients' timeouts, so tasks fail and restart
        kafka.startBroker();
        // A liveness bound only: recovery is restart delay + reconnect + the rest of the stream (slower on a loaded machine).
        job.getJobExecutionResult().get(180, TimeUnit.SECONDS);

        Map<Long, Double> expected = committedLossPerStep("steady-metrics");
        assertThat(expected).hasSize(EXAMPLES / 16);
        assertThat(committedLossPerStep("outage-metrics")).isEqualTo(expected);
        // Whether the outage fails a task depends on where the clients are when the broker goes (on a loaded
        // machine they may ride it out): a run that saw no restart did not test recovery, and says so as skipped.
        org.junit.jupiter.api.Assumptions.assumeTrue(SlowWithSignal.STARTS.get() > 1,
                "the outage did not restart the job this time (task starts: " + SlowWithSignal.STARTS.get() + ")");
    }
}
