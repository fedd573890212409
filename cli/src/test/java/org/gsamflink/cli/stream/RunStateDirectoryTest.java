package org.gsamflink.cli.stream;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.gsamflink.pipeline.job.ClusterMain;
import org.gsamflink.pipeline.job.JobConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RunStateDirectoryTest {

    @TempDir
    Path work;

    private static JobConfig config(Map<String, String> extra) {
        List<String> overrides = new ArrayList<>(List.of(
                "kafka.bootstrap.servers=127.0.0.1:1", "source.topics=t", "model.architecture=mlp:4-8-2"));
        extra.forEach((k, v) -> overrides.add(k + "=" + v));
        return ClusterMain.load(null, overrides);
    }

    private static Path checkpoint(Path root, String jobId, int n, long writtenAtMs) throws IOException {
        Path chk = Files.createDirectories(root.resolve(jobId).resolve("chk-" + n));
        Path metadata = Files.writeString(chk.resolve("_metadata"), "m");
        Files.setLastModifiedTime(metadata, FileTime.fromMillis(writtenAtMs));
        return chk;
    }

    @Test
    void theDefaultDirectoryIsKeyedByTheJobName() {
        RunStateDirectory state = RunStateDirectory.of(config(Map.of("job.name", "fashion training")), work);

        assertThat(state.dir()).isEqualTo(work.toAbsolutePath().resolve("gsam-state").resolve("fashion-training"));
    }

    @Test
    void theNewestCompletedCheckpointWinsAcrossJobIdsAndAnUnfinishedOneIsIgnored() throws IOException {
        RunStateDirectory state = RunStateDirectory.of(config(Map.of("job.state-dir", "s")), work);
        assertThat(state.newest()).isEmpty();

        checkpoint(state.checkpoints(), "job-a", 40, 1_000);
        Path newest = checkpoint(state.checkpoints(), "job-b", 3, 2_000);   // the resumed run numbers from its own
        Files.createDirectories(state.checkpoints().resolve("job-b").resolve("chk-4"));   // died while writing it

        assertThat(state.newest()).get().extracting(RunStateDirectory.RestorePoint::path).isEqualTo(newest);
        assertThat(state.newest().get().describe()).startsWith("checkpoint 3 (");

        state.clear();
        assertThat(state.newest()).isEmpty();
    }

    @Test
    void aGivenPathMustHoldMetadata() throws IOException {
        Path chk = checkpoint(work, "j", 7, 5_000);

        assertThat(RunStateDirectory.given(chk.resolve("_metadata")).path()).isEqualTo(chk);
        assertThatThrownBy(() -> RunStateDirectory.given(work.resolve("nothing")))
                .hasMessageContaining("--resume").hasMessageContaining("no _metadata file");
    }

    @Test
    void checkpointsAreRetainedHereUnlessTheUserSaidOtherwise() throws IOException {
        RunStateDirectory state = RunStateDirectory.of(config(Map.of()), work);
        Path chk = checkpoint(state.checkpoints(), "j", 1, 1_000);

        Configuration c = state.apply(new Configuration(), RunStateDirectory.given(chk));
        assertThat(c.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY)).isEqualTo(state.checkpoints().toUri().toString());
        assertThat(c.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION))
                .isEqualTo(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        assertThat(c.get(StateRecoveryOptions.SAVEPOINT_PATH)).isEqualTo(chk.toString());

        Configuration mine = new Configuration();
        mine.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, "s3://bucket/chk");
        assertThat(state.apply(mine, null).get(CheckpointingOptions.CHECKPOINTS_DIRECTORY)).isEqualTo("s3://bucket/chk");
        assertThat(state.apply(mine, null).contains(StateRecoveryOptions.SAVEPOINT_PATH)).isFalse();
    }
}
