package org.gsamflink.modelstore;

import org.apache.flink.core.fs.BlockLocation;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.fs.local.LocalFileSystem;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The local file system with two test hooks: renames onto an existing file can be refused (as HDFS and some object
 * stores do), and renames onto a chosen file name can fail like a crash.
 */
final class HookedFileSystem extends FileSystem {

    private final LocalFileSystem local = LocalFileSystem.getSharedInstance();

    /** When true, rename returns false if the target exists. */
    volatile boolean refuseRenameOver;
    /** When set, a rename whose target has this name throws. */
    volatile String crashOnRenameTo;
    final AtomicInteger refusedRenames = new AtomicInteger();
    /** The names of the files created, in order. */
    final List<String> created = Collections.synchronizedList(new ArrayList<>());

    @Override
    public boolean rename(Path src, Path dst) throws IOException {
        if (dst.getName().equals(crashOnRenameTo)) {
            throw new IOException("simulated crash before renaming " + src + " to " + dst);
        }
        if (refuseRenameOver && local.exists(dst)) {
            refusedRenames.incrementAndGet();
            return false;
        }
        return local.rename(src, dst);
    }

    @Override
    public Path getWorkingDirectory() {
        return local.getWorkingDirectory();
    }

    @Override
    public Path getHomeDirectory() {
        return local.getHomeDirectory();
    }

    @Override
    public URI getUri() {
        return local.getUri();
    }

    @Override
    public FileStatus getFileStatus(Path f) throws IOException {
        return local.getFileStatus(f);
    }

    @Override
    public BlockLocation[] getFileBlockLocations(FileStatus file, long start, long len) throws IOException {
        return local.getFileBlockLocations(file, start, len);
    }

    @Override
    public FSDataInputStream open(Path f, int bufferSize) throws IOException {
        return local.open(f, bufferSize);
    }

    @Override
    public FSDataInputStream open(Path f) throws IOException {
        return local.open(f);
    }

    @Override
    public FileStatus[] listStatus(Path f) throws IOException {
        return local.listStatus(f);
    }

    @Override
    public boolean exists(Path f) throws IOException {
        return local.exists(f);
    }

    @Override
    public boolean delete(Path f, boolean recursive) throws IOException {
        return local.delete(f, recursive);
    }

    @Override
    public boolean mkdirs(Path f) throws IOException {
        return local.mkdirs(f);
    }

    @Override
    public FSDataOutputStream create(Path f, WriteMode overwriteMode) throws IOException {
        created.add(f.getName());
        return local.create(f, overwriteMode);
    }

    @Override
    public boolean isDistributedFS() {
        return false;
    }
}
