package org.gsamflink.cli.stream;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.gsamflink.pipeline.job.GsamJob;
import org.gsamflink.pipeline.job.JobConfig;
import org.gsamflink.pipeline.job.JobOptions;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The Kafka training job ({@link GsamJob}) on a local Flink MiniCluster: its start and its clean stop. */
final class LocalJob {

    private static final Logger LOG = LogManager.getLogger(LocalJob.class);

    private LocalJob() {}

    /** Starts the job on a local MiniCluster, with Flink's web UI on 127.0.0.1 unless {@code webUiPort} is -1. */
    static JobClient start(JobConfig cfg, int webUiPort, PrintWriter out) throws Exception {
        Configuration flink = cfg.flinkConfiguration();
        String webUi = null;
        StreamExecutionEnvironment env;
        if (webUiPort >= 0) {
            int port = freeOr(webUiPort);
            flink.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
            flink.set(RestOptions.ADDRESS, "127.0.0.1");
            flink.set(RestOptions.PORT, port);
            env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(flink);
            webUi = "http://127.0.0.1:" + port;
        } else {
            env = StreamExecutionEnvironment.createLocalEnvironment(flink);
        }
        GsamJob.build(env, cfg);
        JobClient job = env.executeAsync(cfg.get(JobOptions.JOB_NAME));
        out.println("Flink job " + job.getJobID() + " started (local MiniCluster"
                + (webUi == null ? ")" : ", web UI " + webUi + ")"));
        return job;
    }

    /** Stop-with-savepoint with drain: partial batches train, final snapshots are taken, every sink commits. */
    static Path stop(JobClient job, Path savepoints) throws Exception {
        JobStatus status = job.getJobStatus().get(10, TimeUnit.SECONDS);
        if (status.isGloballyTerminalState()) {
            return null;
        }
        try {
            String location = job.stopWithSavepoint(true, savepoints.toUri().toString(),
                    SavepointFormatType.CANONICAL).get(3, TimeUnit.MINUTES);
            job.getJobExecutionResult().get(1, TimeUnit.MINUTES);
            return Path.of(java.net.URI.create(location));
        } catch (Exception e) {
            LOG.warn("stop-with-savepoint failed ({}); cancelling the job", e.toString());
            job.cancel().get(1, TimeUnit.MINUTES);
            return null;
        }
    }

    /** {@code preferred} if it is free on the loopback interface, otherwise any free port. */
    private static int freeOr(int preferred) {
        if (preferred > 0) {
            try (ServerSocket s = new ServerSocket(preferred, 1, InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException busy) {
                LOG.info("port {} is taken; the web UI gets another one", preferred);
            }
        }
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on the loopback interface", e);
        }
    }
}
