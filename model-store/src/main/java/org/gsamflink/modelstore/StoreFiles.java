package org.gsamflink.modelstore;

import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;

/**
 * The file primitives of a {@link ModelStore} over its Flink {@link FileSystem}: reading a file whole, writing
 * one (never over an existing file, flushed and synced), listing a directory that may not exist, and deleting a
 * temporary that {@link ModelStore#cleanUpTemporaries} removes if this fails. Paths arrive already built and
 * checked by {@link StoreLayout}.
 *
 * <p>Package-private. State: the file system, fixed at construction.
 */
final class StoreFiles {

    private static final Logger LOG = LoggerFactory.getLogger(ModelStore.class);

    private final FileSystem fs;

    StoreFiles(FileSystem fs) {
        this.fs = fs;
    }

    /** The file system, for the operations that have no helper here (exists, rename, mkdirs, delete). */
    FileSystem fs() {
        return fs;
    }

    /** The entries of {@code dir}; none when it does not exist. */
    FileStatus[] list(Path dir) throws IOException {
        try {
            FileStatus[] statuses = fs.listStatus(dir);
            return statuses == null ? new FileStatus[0] : statuses;
        } catch (FileNotFoundException | NoSuchFileException e) {
            return new FileStatus[0];
        }
    }

    byte[] readAll(Path path) throws IOException {
        try (FSDataInputStream in = fs.open(path)) {
            return in.readAllBytes();
        }
    }

    void writeFile(Path path, byte[] content) throws IOException {
        try (FSDataOutputStream out = fs.create(path, FileSystem.WriteMode.NO_OVERWRITE)) {
            out.write(content);
            out.flush();
            out.sync();
        }
    }

    void deleteQuietly(Path path, boolean recursive) {
        try {
            if (fs.exists(path)) {
                fs.delete(path, recursive);
            }
        } catch (IOException e) {
            LOG.warn("Could not delete {}; cleanUpTemporaries will remove it", path, e);
        }
    }
}
