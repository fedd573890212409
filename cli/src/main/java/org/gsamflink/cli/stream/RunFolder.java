package org.gsamflink.cli.stream;

import org.gsamflink.cli.common.FileTrees;
import org.gsamflink.pipeline.InvalidInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The folder one streaming run keeps everything in, and its layout: {@code kafka/} and
 * {@code kafka-server.properties} (the embedded broker), {@code store/} (the model store), {@code checkpoints/},
 * {@code savepoints/}, {@code metrics.jsonl}, {@code training.png} and {@code summary.json}.
 *
 * <pre>{@code
 * RunFolder folder = RunFolder.prepare(Path.of("demo-data"));
 * }</pre>
 *
 * <p>A run starts afresh: {@link #prepare} deletes those entries where an earlier run left them, and refuses to
 * touch a non-empty folder that it did not make (it marks its folders with a {@value #MARKER} file).
 */
public final class RunFolder {

    /** Marks a folder as made by a run (the name predates the split of the demo and is kept for old folders). */
    public static final String MARKER = ".gsam-flink-demo";
    /** The entries a run writes; each run deletes them first. */
    public static final List<String> OWNED = List.of("kafka", "kafka-server.properties", "store", "checkpoints",
            "savepoints", "metrics.jsonl", "training.png", "summary.json");

    private final Path dir;

    private RunFolder(Path dir) {
        this.dir = dir;
    }

    /**
     * Creates {@code dir} if needed, marks it, and deletes what an earlier run left in it.
     *
     * @throws InvalidInputException if {@code dir} is not empty and holds no marker
     */
    public static RunFolder prepare(Path dir) throws IOException {
        Path d = dir.toAbsolutePath().normalize();
        Files.createDirectories(d);
        if (!Files.exists(d.resolve(MARKER))) {
            try (Stream<Path> entries = Files.list(d)) {
                if (entries.findAny().isPresent()) {
                    throw new InvalidInputException("--data-dir " + d + " is not empty and was not made by the "
                            + "demo; give an empty or new folder");
                }
            }
            Files.writeString(d.resolve(MARKER), "gsam-flink demo data; deleted and rewritten by each run\n");
        }
        for (String name : OWNED) {
            FileTrees.deleteRecursively(d.resolve(name));
        }
        return new RunFolder(d);
    }

    /** The folder itself (absolute, normalised); the embedded broker keeps its log under it. */
    public Path dir() {
        return dir;
    }

    public Path store() {
        return dir.resolve("store");
    }

    public Path checkpoints() {
        return dir.resolve("checkpoints");
    }

    public Path savepoints() {
        return dir.resolve("savepoints");
    }

    /** The committed metrics records, one JSON object a line. */
    public Path metrics() {
        return dir.resolve("metrics.jsonl");
    }

    public Path chart() {
        return dir.resolve("training.png");
    }

    public Path summary() {
        return dir.resolve("summary.json");
    }
}
