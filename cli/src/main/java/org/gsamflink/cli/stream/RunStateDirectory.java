package org.gsamflink.cli.stream;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.gsamflink.cli.common.FileTrees;
import org.gsamflink.pipeline.InvalidInputException;
import org.gsamflink.pipeline.job.JobConfig;
import org.gsamflink.pipeline.job.JobOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where a local {@code gsam-flink run} keeps the state it can be resumed from ({@code job.state-dir}, by default
 * {@code gsam-state/<job.name>} under the working directory): Flink's checkpoints under {@code checkpoints/<job
 * id>/chk-N}, retained when the process stops or is killed, and savepoints under {@code savepoints/}.
 *
 * <p>A checkpoint counts only once Flink has written its {@code _metadata} (a {@code chk-N} without one is still in
 * progress, or was when the process died). The newest is the one whose {@code _metadata} was written last: every
 * resumed run is a new Flink job id with its own numbering, so N alone does not order them.
 *
 * <pre>{@code
 * RunStateDirectory state = RunStateDirectory.of(cfg, Path.of(""));
 * Optional<RunStateDirectory.RestorePoint> newest = state.newest();
 * Configuration flink = state.apply(cfg.flinkConfiguration(), newest.orElse(null));
 * }</pre>
 */
public final class RunStateDirectory {

    private static final Pattern CHECKPOINT = Pattern.compile("chk-(\\d+)");

    /** A completed checkpoint or savepoint: its directory (the one holding {@code _metadata}). */
    public record RestorePoint(Path path, String kind, FileTime written) {
        public RestorePoint {
            Objects.requireNonNull(path, "path");
        }

        /** For people: {@code checkpoint 12 (…/chk-12, written 2026-12-02T23:14:05Z)}. */
        public String describe() {
            Matcher m = CHECKPOINT.matcher(path.getFileName().toString());
            return kind + (m.matches() ? " " + m.group(1) : "") + " (" + path + ", written " + written + ")";
        }
    }

    private final Path dir;

    private RunStateDirectory(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    /** {@code job.state-dir} of {@code cfg}, or {@code gsam-state/<job name>} under {@code workingDir}. */
    public static RunStateDirectory of(JobConfig cfg, Path workingDir) {
        String configured = cfg.isSet(JobOptions.STATE_DIR) ? cfg.get(JobOptions.STATE_DIR) : null;
        if (configured != null && configured.isBlank()) {
            throw new InvalidInputException("config key '" + JobOptions.STATE_DIR.key() + "': must not be blank");
        }
        Path dir = configured != null ? workingDir.resolve(configured)
                : workingDir.resolve("gsam-state").resolve(cfg.jobNameAsId());
        return new RunStateDirectory(dir);
    }

    public Path dir() {
        return dir;
    }

    public Path checkpoints() {
        return dir.resolve("checkpoints");
    }

    public Path savepoints() {
        return dir.resolve("savepoints");
    }

    /** The newest completed checkpoint or savepoint in this directory, if any. */
    public Optional<RestorePoint> newest() {
        return Stream.concat(completed(checkpoints(), 2, "checkpoint"), completed(savepoints(), 1, "savepoint"))
                .max(Comparator.comparing(RestorePoint::written));
    }

    /**
     * A checkpoint or savepoint a user named: its directory, or its {@code _metadata} file.
     *
     * @throws InvalidInputException if it holds no {@code _metadata}
     */
    public static RestorePoint given(Path path) {
        Path p = path.toAbsolutePath().normalize();
        Path metadata = p.getFileName() != null && p.getFileName().toString().equals("_metadata") ? p
                : p.resolve("_metadata");
        if (!Files.isRegularFile(metadata)) {
            throw new InvalidInputException("--resume " + path + ": no completed checkpoint or savepoint there "
                    + "(no _metadata file)");
        }
        return point(metadata.getParent(), "checkpoint or savepoint");
    }

    /**
     * The Flink settings of a local run from this directory: checkpoints kept here and retained, savepoints here,
     * and the restore point when resuming. Settings the user gave as {@code flink.*} keys are left as they are.
     */
    public Configuration apply(Configuration flink, RestorePoint resumeFrom) {
        Configuration c = new Configuration(flink);
        if (!c.contains(CheckpointingOptions.CHECKPOINTS_DIRECTORY)) {
            c.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints().toUri().toString());
        }
        if (!c.contains(CheckpointingOptions.SAVEPOINT_DIRECTORY)) {
            c.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, savepoints().toUri().toString());
        }
        if (!c.contains(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION)) {
            c.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                    ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        }
        if (resumeFrom != null) {
            c.set(StateRecoveryOptions.SAVEPOINT_PATH, resumeFrom.path().toString());
        }
        return c;
    }

    /** Deletes this directory's checkpoints and savepoints (for {@code run --fresh}). */
    public void clear() {
        for (Path p : new Path[]{checkpoints(), savepoints()}) {
            try {
                FileTrees.deleteRecursively(p);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete the earlier run's state in " + p, e);
            }
        }
    }

    /** Directories {@code depth} levels under {@code root} that hold a {@code _metadata} file. */
    private static Stream<RestorePoint> completed(Path root, int depth, String kind) {
        if (!Files.isDirectory(root)) {
            return Stream.empty();
        }
        try (Stream<Path> found = Files.find(root, depth + 1, (p, attrs) -> attrs.isRegularFile()
                && p.getFileName().toString().equals("_metadata") && root.relativize(p).getNameCount() == depth + 1)) {
            return found.map(m -> point(m.getParent(), kind)).toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
    }

    private static RestorePoint point(Path dir, String kind) {
        try {
            return new RestorePoint(dir, kind, Files.getLastModifiedTime(dir.resolve("_metadata")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir.resolve("_metadata"), e);
        }
    }
}
