package org.gsamflink.pipeline.job;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import org.gsamflink.pipeline.InvalidInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * Checks, before the job is submitted, that Kafka can serve it, so that a wrong address or a missing topic fails at
 * start with one message rather than as a task that blocks and restarts. With a Kafka admin client built from the
 * job's {@code kafka.*} properties, within {@code job.preflight-timeout} in all:
 * <ol>
 *   <li>a broker answers ({@code describeCluster}); if none does, that is the only problem reported;</li>
 *   <li>every topic of {@code source.topics} exists; a {@code source.topic-pattern} matching no topic is only
 *       logged (topics created later are discovered by the source);</li>
 *   <li>every enabled sink topic exists, or the broker creates topics on first write ({@code
 *       auto.create.topics.enable}). Missing topics are reported, never created here: partitions, replication and
 *       retention are the operator's decision;</li>
 *   <li>with exactly-once delivery, the producers' transaction timeout is within the broker's {@code
 *       transaction.max.timeout.ms} (when the broker's configuration may be read).</li>
 * </ol>
 * <pre>{@code
 * KafkaPreflight.forJob(cfg).check();   // throws KafkaPreflight.Failed listing every problem
 * }</pre>
 * Called by {@link ClusterMain#preflight} (the cluster entry point and {@code gsam-flink run}), not by {@link
 * GsamJob#build}: building a job needs no broker.
 */
public final class KafkaPreflight {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaPreflight.class);

    private final Configuration options;
    private final Properties kafka;
    private final Duration timeout;

    private KafkaPreflight(Configuration options, Properties kafka, Duration timeout) {
        this.options = options;
        this.kafka = kafka;
        this.timeout = timeout;
    }

    /** The check for {@code cfg}'s brokers, topics and {@code job.preflight-timeout}. */
    public static KafkaPreflight forJob(JobConfig cfg) {
        return new KafkaPreflight(cfg.options(), cfg.kafkaProperties(), cfg.get(JobOptions.PREFLIGHT_TIMEOUT));
    }

    /** The preflight found problems; the message lists each, naming its key and topic. No stack trace: bad input. */
    public static final class Failed extends InvalidInputException {
        private static final long serialVersionUID = 1L;
        private final List<String> problems;

        Failed(String servers, List<String> problems) {
            super("Kafka preflight against " + servers + " failed (set job.preflight: false to skip it):\n  - "
                    + String.join("\n  - ", problems));
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

    /**
     * Runs the checks.
     *
     * @throws Failed listing every problem found
     */
    public void check() {
        List<String> problems = problems();
        if (!problems.isEmpty()) {
            throw new Failed(servers(), problems);
        }
        LOG.info("Kafka preflight: {} reachable, source and sink topics present", servers());
    }

    /** The problems found, one line each; empty if Kafka can serve the job. */
    List<String> problems() {
        long deadline = System.nanoTime() + timeout.toNanos();
        Properties p = new Properties();
        p.putAll(kafka);
        int ms = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ms);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms);
        List<String> problems = new ArrayList<>();
        try (Admin admin = Admin.create(p)) {
            Collection<Node> nodes = await(admin.describeCluster(new DescribeClusterOptions().timeoutMs(ms))
                    .nodes(), deadline);
            Set<String> topics = await(admin.listTopics(new ListTopicsOptions().timeoutMs(remainingMs(deadline)))
                    .names(), deadline);
            checkSources(topics, problems);
            Config broker = brokerConfig(admin, nodes, deadline);
            checkSinks(topics, broker, problems);
            checkTransactionTimeout(broker, problems);
        } catch (TimeoutException | org.apache.kafka.common.errors.TimeoutException e) {
            problems.add(unreachable());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            problems.add(cause instanceof org.apache.kafka.common.errors.TimeoutException ? unreachable()
                    : JobOptions.BOOTSTRAP_SERVERS.key() + " '" + servers() + "': " + describe(cause));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problems.add("the Kafka preflight was interrupted");
        } catch (org.apache.kafka.common.KafkaException e) {   // e.g. an unusable client property
            problems.add("cannot create a Kafka admin client from the kafka.* keys: " + describe(e));
        }
        return problems;
    }

    private void checkSources(Set<String> topics, List<String> problems) {
        if (ServeRules.serves(options)) {
            for (String topic : options.get(JobOptions.SERVE_TOPICS)) {
                if (!topics.contains(topic)) {
                    problems.add(JobOptions.SERVE_TOPICS.key() + " '" + topic + "' does not exist on " + servers());
                }
            }
        }
        if (options.get(JobOptions.MODE) == JobOptions.Mode.SERVE) {
            return;
        }
        if (options.contains(JobOptions.TOPIC_PATTERN)) {
            Pattern pattern = Pattern.compile(options.get(JobOptions.TOPIC_PATTERN));
            if (topics.stream().noneMatch(t -> pattern.matcher(t).matches())) {
                LOG.warn("{} '{}' matches no topic on {} yet; the job trains once such a topic appears",
                        JobOptions.TOPIC_PATTERN.key(), pattern.pattern(), servers());
            }
            return;
        }
        for (String topic : options.get(JobOptions.TOPICS)) {
            if (!topics.contains(topic)) {
                problems.add(JobOptions.TOPICS.key() + " '" + topic + "' does not exist on " + servers());
            }
        }
    }

    private void checkSinks(Set<String> topics, Config broker, List<String> problems) {
        String autoCreate = value(broker, "auto.create.topics.enable");
        for (Map.Entry<ConfigOption<String>, String> sink : KafkaRules.sinkTopics(options).entrySet()) {
            String topic = sink.getValue();
            if (topics.contains(topic)) {
                continue;
            }
            if ("true".equalsIgnoreCase(autoCreate)) {
                LOG.info("{} '{}' does not exist yet; the broker creates it on the first write "
                        + "(auto.create.topics.enable=true)", sink.getKey().key(), topic);
            } else {
                problems.add(sink.getKey().key() + " '" + topic + "' does not exist on " + servers()
                        + " and the broker does not create topics (auto.create.topics.enable="
                        + (autoCreate == null ? "unknown" : autoCreate) + "): create it before starting the job");
            }
        }
    }

    private void checkTransactionTimeout(Config broker, List<String> problems) {
        String max = value(broker, "transaction.max.timeout.ms");
        if (max == null || options.get(JobOptions.DELIVERY) != JobOptions.Delivery.EXACTLY_ONCE) {
            return;
        }
        long timeoutMs = KafkaRules.transactionTimeoutMs(options, kafka);
        if (timeoutMs > Long.parseLong(max)) {
            problems.add("kafka." + KafkaRules.TRANSACTION_TIMEOUT + ": the producers' transaction timeout ("
                    + timeoutMs + " ms) exceeds the broker's transaction.max.timeout.ms (" + max + " ms); lower it, "
                    + "or the checkpoint interval with it, or raise the broker's maximum");
        }
    }

    /** One broker's configuration, or null when it may not be read (no DESCRIBE_CONFIGS permission, say). */
    private Config brokerConfig(Admin admin, Collection<Node> nodes, long deadline)
            throws InterruptedException, TimeoutException {
        if (nodes.isEmpty()) {
            return null;
        }
        ConfigResource resource = new ConfigResource(ConfigResource.Type.BROKER, nodes.iterator().next().idString());
        try {
            return await(admin.describeConfigs(List.of(resource),
                    new DescribeConfigsOptions().timeoutMs(remainingMs(deadline))).all(), deadline).get(resource);
        } catch (ExecutionException e) {
            LOG.info("Kafka preflight: cannot read the broker's configuration ({}); topic auto-creation and the "
                    + "transaction timeout's maximum are not checked", describe(e.getCause()));
            return null;
        }
    }

    private static String value(Config config, String name) {
        ConfigEntry e = config == null ? null : config.get(name);
        return e == null ? null : e.value();
    }

    private static <T> T await(org.apache.kafka.common.KafkaFuture<T> future, long deadline)
            throws InterruptedException, ExecutionException, TimeoutException {
        return future.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private static int remainingMs(long deadline) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (deadline - System.nanoTime()) / 1_000_000));
    }

    private String unreachable() {
        return JobOptions.BOOTSTRAP_SERVERS.key() + " '" + servers() + "': no broker answered within "
                + JobOptions.PREFLIGHT_TIMEOUT.key() + " (" + timeout.toMillis() + " ms); are the brokers running "
                + "and reachable from here?";
    }

    private String servers() {
        return options.get(JobOptions.BOOTSTRAP_SERVERS);
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m.lines().findFirst().orElse(""));
    }
}
