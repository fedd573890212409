package org.gsamflink.cli.common;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class FileTreesTest {

    @TempDir
    Path dir;

    @Test
    void deletesATreeAndToleratesAMissingOne() throws Exception {
        Path root = dir.resolve("root");
        Files.createDirectories(root.resolve("a/b/c"));
        Files.writeString(root.resolve("a/b/c/file.txt"), "x");
        Files.writeString(root.resolve("top.txt"), "y");

        FileTrees.deleteRecursively(root);
        FileTrees.deleteRecursively(root);
        FileTrees.deleteRecursively(dir.resolve("never-existed"));

        assertThat(root).doesNotExist();
        assertThat(dir).exists();
    }

    @Test
    void deletesASingleFile() throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "z");

        FileTrees.deleteRecursively(file);

        assertThat(file).doesNotExist();
    }
}
