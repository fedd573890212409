package org.gsamflink.modelstore;

import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a {@link ModelStore} deletes: retention of complete versions (see "Retention" in its class comment: the
 * {@code keepLast} highest, the multiples of {@code keepEvery}, and the {@link ModelStore#latest} one; the rest
 * go marker first) and the clean-up of what crashed writers left in a model's directory ({@code .tmp-}
 * directories, {@code LATEST.tmp-} files, {@code v} directories without marker) once it is old enough.
 *
 * <p>Package-private. State: the retention settings, fixed at construction.
 */
final class Retention {

    private static final Logger LOG = LoggerFactory.getLogger(ModelStore.class);

    private final StoreLayout layout;
    private final StoreFiles files;
    private final VersionReader reader;
    private final LatestPointer pointer;
    private final int keepLast;
    private final long keepEvery;

    Retention(StoreLayout layout, StoreFiles files, VersionReader reader, LatestPointer pointer, int keepLast,
              long keepEvery) {
        this.layout = layout;
        this.files = files;
        this.reader = reader;
        this.pointer = pointer;
        this.keepLast = keepLast;
        this.keepEvery = keepEvery;
    }

    /** Deletes the complete versions retention does not keep; returns them, ascending. */
    List<Long> apply(String modelId) throws IOException {
        List<Long> versions = reader.listVersions(modelId);
        Set<Long> keep = new TreeSet<>(versions.subList(Math.max(0, versions.size() - keepLast), versions.size()));
        if (keepEvery > 0) {
            for (long v : versions) {
                if (v % keepEvery == 0) {
                    keep.add(v);
                }
            }
        }
        if (keep.size() == versions.size()) {
            return Collections.emptyList();
        }
        pointer.latest(modelId).ifPresent(keep::add);
        List<Long> deleted = new ArrayList<>();
        for (long v : versions) {
            if (!keep.contains(v)) {
                deleteVersion(modelId, v);
                deleted.add(v);
            }
        }
        if (!deleted.isEmpty()) {
            LOG.info("Retention removed {} version(s) of model '{}': {}", deleted.size(), modelId, deleted);
        }
        return deleted;
    }

    /** Removes the leftovers of crashed writers modified at least {@code olderThan} ago; returns how many. */
    int cleanUpTemporaries(String modelId, Duration olderThan) throws IOException {
        Objects.requireNonNull(olderThan, "olderThan must not be null");
        if (olderThan.isNegative()) {
            throw new IllegalArgumentException("olderThan must not be negative but was " + olderThan);
        }
        long cutoff = System.currentTimeMillis() - olderThan.toMillis();
        int removed = 0;
        for (FileStatus status : files.list(layout.modelDir(modelId))) {
            String name = status.getPath().getName();
            boolean leftover = name.startsWith(ModelStore.TMP_PREFIX) || name.startsWith(ModelStore.LATEST_TMP_PREFIX);
            if (!leftover) {
                long version = StoreLayout.parseVersionDirectoryName(name);
                leftover = version >= 0 && !reader.isComplete(modelId, version);
            }
            if (leftover && status.getModificationTime() <= cutoff) {
                Path path = layout.child(layout.modelDir(modelId), name);
                LOG.info("Removing leftover {} of a crashed writer", path);
                if (files.fs().delete(path, true)) {
                    removed++;
                }
            }
        }
        return removed;
    }

    private void deleteVersion(String modelId, long version) throws IOException {
        // Marker first: the version disappears for readers before any of its files does.
        files.fs().delete(layout.markerPath(modelId, version), false);
        files.fs().delete(layout.versionDir(modelId, version), true);
    }
}
