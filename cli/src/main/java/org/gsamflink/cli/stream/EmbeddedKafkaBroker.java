package org.gsamflink.cli.stream;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;

/**
 * A single-node Kafka broker (KRaft, broker and controller in one process) running inside this JVM from Kafka's own
 * server classes, bound to the loopback interface only. It is the production broker, not a test double: formatted
 * with Kafka's {@code StorageTool} and started as {@code KafkaRaftServer}, the same way {@code kafka-server-start.sh}
 * does. Internal topics use replication factor 1 (a single node), so consumer groups and transactions work.
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.builder().dataDir(dir).build().start()) {
 *     kafka.createTopics(List.of("gsam-train"), 1);
 *     String servers = kafka.bootstrapServers();
 * }
 * }</pre>
 * Memory: a few hundred MiB of heap at most for the demo's traffic; data lives under {@code dataDir/kafka}.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(EmbeddedKafkaBroker.class);

    private final Path dataDir;
    private static final int BIND_ATTEMPTS = 5;

    private final int requestedPort;
    private int brokerPort;
    private int controllerPort;
    private KafkaRaftServer server;
    private String bootstrapServers;

    private EmbeddedKafkaBroker(Builder b) {
        this.dataDir = b.dataDir;
        this.requestedPort = b.port;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Formats the log directory (once) and starts the broker; returns when it accepts clients. A broker that was
     * closed can be started again: it comes back on the same ports with the same data.
     */
    public synchronized EmbeddedKafkaBroker start() {
        if (server != null) {
            throw new IllegalStateException("the broker is already running on " + bootstrapServers);
        }
        long started = System.nanoTime();
        Path logDir = dataDir.resolve("kafka");
        boolean restart = brokerPort != 0;
        for (int attempt = 1; ; attempt++) {
            if (!restart) {
                pickPorts();
            }
            try {
                launch(logDir);
                break;
            } catch (RuntimeException e) {
                // Ports are free when picked but another process may take one before Kafka binds it; pick again,
                // unless the ports are fixed (a requested port, or a restart that must keep its address).
                boolean bindFailure = isBindFailure(e);
                if (!bindFailure || restart || requestedPort != 0 || attempt == BIND_ATTEMPTS) {
                    throw e;
                }
                LOG.info("Kafka could not bind port {} or {} (taken meanwhile); picking others", brokerPort,
                        controllerPort);
            }
        }
        bootstrapServers = "127.0.0.1:" + brokerPort;
        awaitReady();
        LOG.info("Kafka broker (KRaft, embedded) ready on {} in {} ms, data in {}", bootstrapServers,
                (System.nanoTime() - started) / 1_000_000, logDir);
        return this;
    }

    /**
     * The client and controller ports. Both sockets are held open together while picking, so the two are always
     * distinct: two listeners on one port make Kafka refuse to start.
     */
    private void pickPorts() {
        if (requestedPort != 0) {
            try (ServerSocket controller = bindLoopback(0)) {
                if (controller.getLocalPort() == requestedPort) {
                    throw new IllegalStateException("port " + requestedPort + " is already in use");
                }
                brokerPort = requestedPort;
                controllerPort = controller.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException("no free port on the loopback interface", e);
            }
            return;
        }
        try (ServerSocket broker = bindLoopback(0); ServerSocket controller = bindLoopback(0)) {
            brokerPort = broker.getLocalPort();
            controllerPort = controller.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on the loopback interface", e);
        }
    }

    private static ServerSocket bindLoopback(int port) throws IOException {
        return new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.BindException
                    || (t.getMessage() != null && t.getMessage().contains("failed to bind"))) {
                return true;
            }
        }
        return false;
    }

    private void launch(Path logDir) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", logDir.toAbsolutePath().toString());
        p.put("num.partitions", "1");
        // One node: the internal topics cannot have more replicas, or group commits and transactions fail.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "false");
        // Binary minibatch records of large batches exceed the 1 MiB default.
        p.put("message.max.bytes", String.valueOf(16 << 20));
        try {
            Files.createDirectories(logDir);
            Path config = dataDir.resolve("kafka-server.properties");
            try (OutputStream out = Files.newOutputStream(config)) {
                p.store(out, "gsam-flink embedded broker");
            }
            // A restart keeps the cluster id the log directory was formatted with; formatting again would not.
            if (!Files.exists(logDir.resolve("meta.properties"))) {
                format(config);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the Kafka data directory " + logDir, e);
        }
        KafkaRaftServer starting = new KafkaRaftServer(new KafkaConfig(p, false), Time.SYSTEM);
        try {
            starting.startup();
        } catch (RuntimeException e) {
            // A half-started server holds threads and whichever port it did bind; release them before a retry.
            starting.shutdown();
            starting.awaitShutdown();
            throw e;
        }
        server = starting;
    }

    private static void format(Path config) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int rc;
        try (PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            rc = StorageTool.execute(new String[]{"format", "--cluster-id", Uuid.randomUuid().toString(),
                    "--config", config.toString(), "--ignore-formatted"}, out);
        }
        if (rc != 0) {
            throw new IllegalStateException("formatting the Kafka log directory failed: "
                    + captured.toString(StandardCharsets.UTF_8).trim());
        }
    }

    private void awaitReady() {
        try (Admin admin = admin()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get().isEmpty()) {
                        // Creates the offsets topic and loads the group coordinator now, so that the first offset
                        // commit of a consumer (a KafkaSource on its first checkpoint) does not fail.
                        admin.listConsumerGroupOffsets("gsam-flink-warm-up").partitionsToOffsetAndMetadata().get();
                        return;
                    }
                } catch (ExecutionException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the embedded Kafka broker did not come up in 60 s", e);
                    }
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the Kafka broker started", e);
        }
    }

    /** {@code host:port} of the broker's client listener. */
    public synchronized String bootstrapServers() {
        if (bootstrapServers == null) {
            throw new IllegalStateException("the broker is not running");
        }
        return bootstrapServers;
    }

    /** An admin client for this broker; the caller closes it. */
    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

    /** Creates the topics (replication factor 1) and waits until each has a leader; existing topics are kept. */
    public void createTopics(Collection<String> topics, int partitions) {
        createTopics(bootstrapServers(), topics, partitions);
    }

    /** As {@link #createTopics(Collection, int)}, on any Kafka cluster (replication factor: the broker's default). */
    public static void createTopics(String bootstrapServers, Collection<String> topics, int partitions) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            List<NewTopic> wanted = topics.stream()
                    .map(t -> new NewTopic(t, java.util.Optional.of(partitions), java.util.Optional.empty())).toList();
            for (var e : admin.createTopics(wanted).values().entrySet()) {
                try {
                    e.getValue().get();
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + e.getKey() + ": "
                                + ex.getCause().getMessage(), ex.getCause());
                    }
                }
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            for (String t : topics) {
                while (!hasLeaders(admin, t)) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("topic " + t + " has no leader after 30 s");
                    }
                    Thread.sleep(50);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot describe topics: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Whether every partition of {@code topic} has a leader; a topic the metadata does not show yet has none. */
    private static boolean hasLeaders(Admin admin, String topic) throws InterruptedException, ExecutionException {
        try {
            return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                    .noneMatch(pi -> pi.leader() == null || pi.leader().isEmpty());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) {
                return false;   // created, but not yet in the metadata this broker serves
            }
            throw e;
        }
    }

    @Override
    public synchronized void close() {
        if (server == null) {
            return;
        }
        long started = System.nanoTime();
        server.shutdown();
        server.awaitShutdown();
        server = null;
        LOG.info("Kafka broker stopped in {} ms", (System.nanoTime() - started) / 1_000_000);
        bootstrapServers = null;
    }

    public static final class Builder {
        private Path dataDir;
        private int port;

        private Builder() {}

        /** Where the broker keeps its log (under {@code kafka/}) and its generated configuration. Required. */
        public Builder dataDir(Path dir) {
            this.dataDir = Objects.requireNonNull(dir, "dataDir");
            return this;
        }

        /** The client port on 127.0.0.1; 0 (the default) picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535, got " + port);
            }
            this.port = port;
            return this;
        }

        public EmbeddedKafkaBroker build() {
            if (dataDir == null) {
                throw new IllegalStateException("dataDir is required");
            }
            return new EmbeddedKafkaBroker(this);
        }
    }
}
