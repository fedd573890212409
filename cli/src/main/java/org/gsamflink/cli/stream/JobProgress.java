package org.gsamflink.cli.stream;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.core.execution.JobClient;
import org.gsamflink.cli.report.MetricPoint;
import org.gsamflink.cli.report.MetricsHistory;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The live progress of a training job started elsewhere ({@code gsam-flink run}): follows the job's committed
 * metrics and dead-letter topics (read_committed, so only what a checkpoint committed is counted) and keeps one
 * progress line up to date until the job ends, the same line the demo shows.
 *
 * <pre>{@code
 * try (JobProgress progress = JobProgress.builder().bootstrapServers(servers).metricsTopic("gsam-metrics")
 *         .deadLetterTopic("gsam-dead-letters").output(out, true).build()) {   // positioned before the job writes
 *     JobExecutionResult r = progress.follow(env.executeAsync("gsam"));
 * }
 * }</pre>
 *
 * <p>Without a metrics topic there is nothing to show per step: one line says so and {@link #follow} only waits.
 * A topic the reader cannot reach leaves the job alone: the progress is given up with one line, never the job.
 */
public final class JobProgress implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(250);
    private static final long REDRAW_MS = 1_000;

    private final PrintWriter out;
    private final ProgressLine line;
    private final MetricsHistory history = new MetricsHistory();
    private CommittedTopicReader metrics;
    private CommittedTopicReader deadLetters;
    private long deadLetterCount;

    private JobProgress(Builder b) {
        this.out = b.out;
        this.line = new ProgressLine(b.out, b.live);
        if (b.metricsTopic == null) {
            out.println("No sink.metrics-topic is set: no live progress; the job's metrics are in Flink's metric "
                    + "reporters and web UI.");
            return;
        }
        try {
            metrics = reader(b, b.metricsTopic);
            if (b.deadLetterTopic != null) {
                deadLetters = reader(b, b.deadLetterTopic);
                line.deadLetters(0);
            }
        } catch (RuntimeException e) {
            giveUp("cannot read " + b.metricsTopic + ": " + e.getMessage());
        }
    }

    private static CommittedTopicReader reader(Builder b, String topic) {
        return CommittedTopicReader.builder().bootstrapServers(b.bootstrapServers).clientProperties(b.clientProperties)
                .topic(topic).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The committed metrics read so far. */
    public MetricsHistory history() {
        return history;
    }

    /** Committed dead letters counted so far. */
    public long deadLetters() {
        return deadLetterCount;
    }

    /**
     * Shows progress until the job ends; returns its result or throws its failure (the cause Flink reports, as
     * {@code execute()} would).
     */
    public JobExecutionResult follow(JobClient job) throws Exception {
        // The result future, not the job status: a per-job local cluster is gone once the job has ended.
        CompletableFuture<JobExecutionResult> result = job.getJobExecutionResult();
        long lastDrawn = 0;
        while (!result.isDone()) {
            if (metrics == null) {
                Thread.sleep(POLL.toMillis());
                continue;
            }
            readOnce();
            long now = System.currentTimeMillis();
            if (now - lastDrawn >= REDRAW_MS) {
                line.update(history);
                lastDrawn = now;
            }
        }
        try {
            JobExecutionResult r = result.get();
            readRest();
            return r;
        } catch (ExecutionException e) {
            readRest();
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    private void readOnce() {
        try {
            metrics.poll(POLL, this::addMetric);
            if (deadLetters != null) {
                deadLetterCount += deadLetters.poll(Duration.ZERO, value -> { });
                line.deadLetters(deadLetterCount);
            }
        } catch (IOException | RuntimeException e) {
            giveUp(e.getMessage());
        }
    }

    /** What the final checkpoint committed, then the last state of the line. */
    private void readRest() {
        if (metrics == null) {
            return;
        }
        try {
            metrics.readToEnd(this::addMetric);
            if (deadLetters != null) {
                deadLetterCount += deadLetters.readToEnd(value -> { });
                line.deadLetters(deadLetterCount);
            }
        } catch (IOException | RuntimeException e) {
            giveUp(e.getMessage());
            return;
        }
        line.finish(history);
    }

    private void addMetric(byte[] value) {
        history.add(MetricPoint.parse(new String(value, StandardCharsets.UTF_8)));
    }

    private void giveUp(String why) {
        out.println("Live progress stopped (" + why + "); the job goes on.");
        close();
    }

    @Override
    public void close() {
        if (metrics != null) {
            metrics.close();
            metrics = null;
        }
        if (deadLetters != null) {
            deadLetters.close();
            deadLetters = null;
        }
    }

    public static final class Builder {
        private String bootstrapServers;
        private final Properties clientProperties = new Properties();
        private String metricsTopic;
        private String deadLetterTopic;
        private PrintWriter out;
        private boolean live;

        private Builder() {}

        public Builder bootstrapServers(String servers) {
            if (Objects.requireNonNull(servers, "bootstrapServers").isBlank()) {
                throw new IllegalArgumentException("bootstrapServers must not be blank");
            }
            this.bootstrapServers = servers;
            return this;
        }

        /** The job's Kafka client settings (security), so the progress reads the topics the way the job writes them. */
        public Builder clientProperties(Properties properties) {
            clientProperties.putAll(Objects.requireNonNull(properties, "properties"));
            return this;
        }

        /** The job's metrics topic; null (the default) when the job has none. */
        public Builder metricsTopic(String topic) {
            this.metricsTopic = blankToNull(topic);
            return this;
        }

        /** The job's dead-letter topic; null: dead letters are not counted. */
        public Builder deadLetterTopic(String topic) {
            this.deadLetterTopic = blankToNull(topic);
            return this;
        }

        /** Where the line goes; {@code live}: redrawn in place (a terminal), else a plain line every few seconds. */
        public Builder output(PrintWriter out, boolean live) {
            this.out = Objects.requireNonNull(out, "out");
            this.live = live;
            return this;
        }

        /** Connects the readers (positioned at the topics' ends): build it before the job starts writing. */
        public JobProgress build() {
            if (out == null) {
                throw new IllegalStateException("output is required");
            }
            if (bootstrapServers == null && metricsTopic != null) {
                throw new IllegalStateException("bootstrapServers is required with a metrics topic");
            }
            return new JobProgress(this);
        }

        private static String blankToNull(String topic) {
            return topic == null || topic.isBlank() ? null : topic;
        }
    }
}
