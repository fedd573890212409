package org.gsamflink.modelstore;

import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.fs.local.LocalFileSystem;
import org.apache.flink.util.WrappingProxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * The {@code LATEST} pointer of each model of a {@link ModelStore} (see "LATEST" in its class comment): reading
 * it (at most 64 bytes of ASCII digits; anything else is ignored), resolving {@link ModelStore#latest} with its
 * fall-back to the highest complete version, {@link ModelStore#readLatest} with its retries, and moving the
 * pointer forward, never backwards, after a publish by writing {@code LATEST.tmp-<uuid>} and renaming it over
 * {@code LATEST} (one atomic move on the local file system; delete and rename again where a rename cannot
 * replace a file).
 *
 * <p>Package-private. State: none beyond the layout, the file primitives and the reader.
 */
final class LatestPointer {

    private static final Logger LOG = LoggerFactory.getLogger(ModelStore.class);

    /** The longest LATEST content read; anything longer is not a version number. */
    private static final int MAX_POINTER_BYTES = 64;

    private final StoreLayout layout;
    private final StoreFiles files;
    private final VersionReader reader;

    LatestPointer(StoreLayout layout, StoreFiles files, VersionReader reader) {
        this.layout = layout;
        this.files = files;
        this.reader = reader;
    }

    OptionalLong latest(String modelId) throws IOException {
        OptionalLong pointer = OptionalLong.empty();
        for (int attempt = 0; attempt < ModelStore.POINTER_ATTEMPTS; attempt++) {
            pointer = read(modelId);
            if (pointer.isEmpty()) {
                break;
            }
            if (reader.isComplete(modelId, pointer.getAsLong())) {
                return pointer;
            }
            // Either this reader was slow and retention has since removed what LATEST named when it was read
            // (LATEST has moved on, so read it again), or LATEST really dangles.
        }
        if (pointer.isPresent()) {
            LOG.debug("LATEST of model '{}' names version {}, which is not complete; using the highest complete"
                    + " version", modelId, pointer.getAsLong());
        }
        return highestComplete(modelId);
    }

    Optional<ModelVersion> readLatest(String modelId) throws IOException {
        NoSuchVersionException last = null;
        for (int attempt = 0; attempt < ModelStore.READ_LATEST_ATTEMPTS; attempt++) {
            OptionalLong version = latest(modelId);
            if (version.isEmpty()) {
                return Optional.empty();
            }
            try {
                return Optional.of(reader.read(modelId, version.getAsLong()));
            } catch (NoSuchVersionException e) {
                last = e;
            }
        }
        throw new IOException("could not read the latest version of model '" + modelId + "' in "
                + ModelStore.READ_LATEST_ATTEMPTS + " attempts: each resolved version was removed while being read",
                last);
    }

    /**
     * Moves {@code LATEST} to {@code version}, or to the version it or the highest complete version already
     * names when that is higher; writes nothing when it already names the target.
     */
    void advance(String modelId, long version) throws IOException {
        OptionalLong pointer = read(modelId);
        long target;
        if (pointer.isPresent() && reader.isComplete(modelId, pointer.getAsLong())) {
            target = Math.max(pointer.getAsLong(), version);
        } else {
            OptionalLong highest = highestComplete(modelId);
            target = highest.isEmpty() ? version : Math.max(version, highest.getAsLong());
        }
        if (pointer.isPresent() && pointer.getAsLong() == target) {
            return;
        }
        write(modelId, target);
    }

    private OptionalLong highestComplete(String modelId) throws IOException {
        List<Long> versions = reader.listVersions(modelId);
        return versions.isEmpty() ? OptionalLong.empty() : OptionalLong.of(versions.get(versions.size() - 1));
    }

    private OptionalLong read(String modelId) throws IOException {
        Path latest = layout.child(layout.modelDir(modelId), ModelStore.LATEST_FILE);
        byte[] bytes;
        try (FSDataInputStream in = files.fs().open(latest)) {
            bytes = in.readNBytes(MAX_POINTER_BYTES + 1);
        } catch (FileNotFoundException | NoSuchFileException e) {
            return OptionalLong.empty();
        }
        String text = new String(bytes, StandardCharsets.US_ASCII).trim();
        try {
            if (bytes.length <= MAX_POINTER_BYTES) {
                long version = Long.parseLong(text);
                if (version >= 0) {
                    return OptionalLong.of(version);
                }
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        LOG.warn("Ignoring {}: it does not hold a version number", latest);
        return OptionalLong.empty();
    }

    private void write(String modelId, long version) throws IOException {
        Path modelDir = layout.modelDir(modelId);
        Path latest = layout.child(modelDir, ModelStore.LATEST_FILE);
        Path tmp = layout.child(modelDir, ModelStore.LATEST_TMP_PREFIX + UUID.randomUUID());
        try {
            files.writeFile(tmp, (version + "\n").getBytes(StandardCharsets.US_ASCII));
            replace(tmp, latest);
        } finally {
            files.deleteQuietly(tmp, false);
        }
    }

    /** Renames {@code src} over {@code dst}; see the class comment of {@link ModelStore} for the guarantees. */
    private void replace(Path src, Path dst) throws IOException {
        FileSystem fs = files.fs();
        FileSystem raw = unwrap(fs);
        if (raw instanceof LocalFileSystem) {
            LocalFileSystem local = (LocalFileSystem) raw;
            Files.move(local.pathToFile(src).toPath(), local.pathToFile(dst).toPath(),
                    StandardCopyOption.ATOMIC_MOVE);
            return;
        }
        if (fs.rename(src, dst)) {
            return;
        }
        if (!fs.exists(src) || !fs.exists(dst)) {
            throw new IOException("cannot rename " + src + " to " + dst);
        }
        // This file system does not rename over an existing file. Until the second rename, there is no dst, and
        // readers use the highest complete version (the one being published).
        LOG.debug("Rename over {} is not supported by {}; deleting it first", dst, fs.getClass().getName());
        fs.delete(dst, false);
        if (!fs.rename(src, dst)) {
            throw new IOException("cannot rename " + src + " to " + dst + " after deleting the target");
        }
    }

    @SuppressWarnings("unchecked")
    private static FileSystem unwrap(FileSystem fs) {
        FileSystem current = fs;
        while (current instanceof WrappingProxy) {
            current = ((WrappingProxy<FileSystem>) current).getWrappedDelegate();
        }
        return current;
    }
}
