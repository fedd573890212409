package org.gsamflink.cli.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Whole directory trees: the demo's data folder, the benchmarks' temporary checkpoints. */
public final class FileTrees {

    private static final int ATTEMPTS = 5;

    private FileTrees() {}

    /**
     * Deletes {@code path} and everything below it; nothing to do if it does not exist. Flink may still be removing
     * a subsumed checkpoint (or writing one) while the tree is walked, so a file that vanishes or appears under the
     * walk means walking again, up to {@value #ATTEMPTS} times.
     *
     * @throws IOException if the tree still exists after the last attempt
     */
    public static void deleteRecursively(Path path) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < ATTEMPTS && Files.exists(path); attempt++) {
            try (Stream<Path> walk = Files.walk(path)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (NoSuchFileException e) {
                last = e;                               // vanished while walking: walk again
            } catch (IOException e) {
                last = e;                               // e.g. a directory that got a new file: walk again
            } catch (UncheckedIOException e) {
                last = e.getCause();
            }
        }
        if (Files.exists(path)) {
            throw last != null ? last : new IOException(path + ": could not be deleted");
        }
    }
}
