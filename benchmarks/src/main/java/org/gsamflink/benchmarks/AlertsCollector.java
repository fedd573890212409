package org.gsamflink.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.gsamflink.cli.stream.CommittedTopicReader;
import org.gsamflink.cli.stream.EmbeddedKafkaBroker;
import org.gsamflink.cli.stream.RunCompanion;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Collects what a {@code StreamingRun}'s job commits to its alerts topic ({@code sink.alerts-topic}): the topic is
 * created and a committed-only reader positioned before the job starts, and everything committed is read once the
 * job's final savepoint is taken, so the list is the run's exactly-once alerts, no more and no fewer.
 */
final class AlertsCollector implements RunCompanion {

    /** One alert as the job writes it: model, step, reason (drift | sharpness-jump | …) and action. */
    record Alert(String model, long step, String reason, String action) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String topic;
    private final List<Alert> alerts = new ArrayList<>();
    private CommittedTopicReader reader;

    AlertsCollector(String topic) {
        this.topic = Objects.requireNonNull(topic, "topic");
    }

    @Override
    public void prepare(String bootstrapServers) {
        EmbeddedKafkaBroker.createTopics(bootstrapServers, List.of(topic), 1);
        reader = CommittedTopicReader.builder().bootstrapServers(bootstrapServers).topic(topic).build();
    }

    @Override
    public void start(String bootstrapServers) {
        // Nothing to do while the job runs: the alerts are read once they are all committed.
    }

    @Override
    public void stop() throws Exception {
        try {
            reader.readToEnd(value -> {
                JsonNode o = JSON.readTree(new String(value, StandardCharsets.UTF_8));
                alerts.add(new Alert(o.path("model").asText(), o.path("step").asLong(), o.path("reason").asText(),
                        o.path("action").asText()));
            });
        } finally {
            close();
        }
    }

    /** Closes the reader if a failed run never reached {@link #stop}. */
    void close() {
        if (reader != null) {
            reader.close();
            reader = null;
        }
    }

    /** The steps of the alerts for {@code reason}, in the order committed. */
    List<Long> steps(String reason) {
        return alerts.stream().filter(a -> a.reason().equals(reason)).map(Alert::step).toList();
    }

    List<Alert> alerts() {
        return List.copyOf(alerts);
    }
}
