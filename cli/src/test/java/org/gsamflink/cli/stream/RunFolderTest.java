package org.gsamflink.cli.stream;

import org.gsamflink.pipeline.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RunFolderTest {

    @TempDir
    Path dir;

    @Test
    void aNewFolderIsMarkedAndLaidOut() throws Exception {
        RunFolder f = RunFolder.prepare(dir.resolve("new/../run"));
        assertThat(f.dir()).isEqualTo(dir.resolve("run").toAbsolutePath());
        assertThat(f.dir().resolve(RunFolder.MARKER)).exists();
        assertThat(f.store()).isEqualTo(f.dir().resolve("store"));
        assertThat(f.checkpoints()).isEqualTo(f.dir().resolve("checkpoints"));
        assertThat(f.savepoints()).isEqualTo(f.dir().resolve("savepoints"));
        assertThat(f.metrics()).isEqualTo(f.dir().resolve("metrics.jsonl"));
        assertThat(f.chart()).isEqualTo(f.dir().resolve("training.png"));
        assertThat(f.summary()).isEqualTo(f.dir().resolve("summary.json"));
    }

    @Test
    void aRunDeletesWhatTheLastOneWroteAndNothingElse() throws Exception {
        RunFolder f = RunFolder.prepare(dir);
        Files.createDirectories(f.store().resolve("m/1"));
        Files.createDirectories(f.dir().resolve("kafka/log"));
        Files.writeString(f.summary(), "{}");
        Files.writeString(f.dir().resolve("notes.txt"), "mine");

        RunFolder.prepare(dir);

        for (String owned : RunFolder.OWNED) {
            assertThat(dir.resolve(owned)).doesNotExist();
        }
        assertThat(dir.resolve("notes.txt")).hasContent("mine");
    }

    @Test
    void aFolderItDidNotMakeIsRefused() throws Exception {
        Files.writeString(dir.resolve("precious.txt"), "keep me");
        assertThatThrownBy(() -> RunFolder.prepare(dir)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("is not empty and was not made by the demo");
        assertThat(dir.resolve("precious.txt")).hasContent("keep me");
        assertThat(dir.resolve(RunFolder.MARKER)).doesNotExist();
    }
}
