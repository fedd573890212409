package org.gsamflink.modelstore;

import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Versioned model snapshots over Flink's {@link FileSystem} abstraction, so {@code file://}, {@code s3://} and
 * {@code hdfs://} roots work through Flink's file-system plugins. The store keeps bytes and metadata only; it knows
 * nothing about DL4J.
 *
 * <pre>{@code
 * ModelStore store = ModelStore.builder()
 *     .root("s3://bucket/models")   // required; any URI Flink's FileSystem.get(URI) understands
 *     .keepLast(10)                 // optional, default 10
 *     .keepEvery(1000)              // optional, default 0 = off
 *     .build();
 * store.publish(ModelVersion.of(metadata, modelZip, optimizerState));
 * Optional<ModelVersion> newest = store.readLatest("mnist-mlp");
 * }</pre>
 *
 * <h2>Layout</h2>
 *
 * <pre>
 * &lt;root&gt;/&lt;modelId&gt;/v&lt;version, 20 digits zero-padded&gt;/model.zip       the model (DL4J ModelSerializer)
 *                                                  /optimizer.bin   the optimizer state
 *                                                  /metadata.json   {@link ModelMetadata}
 *                                                  /_COMPLETE       written last: makes the version visible
 * &lt;root&gt;/&lt;modelId&gt;/LATEST                                          the newest version number, as text
 * &lt;root&gt;/&lt;modelId&gt;/OWNER                                           the writer owning it ({@link ModelOwnership})
 * &lt;root&gt;/&lt;modelId&gt;/.tmp-&lt;version&gt;-&lt;uuid&gt;/                         a version being written
 * &lt;root&gt;/&lt;modelId&gt;/LATEST.tmp-&lt;uuid&gt;                               a LATEST being written
 * &lt;root&gt;/.staging/&lt;modelId&gt;/...                                   versions staged by {@link #stage}
 * </pre>
 *
 * <h2>Publishing and visibility</h2>
 *
 * {@link #publish} writes the three files into a fresh {@code .tmp-} directory, renames that directory to its
 * {@code v} name, and then writes {@code _COMPLETE} into it (through a temporary name and a rename). Readers list
 * only {@code v} directories that contain {@code _COMPLETE}, so a version is visible exactly when its marker exists
 * and, at that moment, every one of its files is already in its final place. On file systems with atomic directory
 * rename (local, HDFS) the rename is what moves the files into place at once. On object stores such as S3 a
 * directory rename is a copy of each object in no guaranteed order; there the marker is what makes a version
 * visible. It is written only after the rename has returned, which is why it is not put into the temporary
 * directory: copied along with the rest, it could arrive before {@code model.zip}. The marker also records the
 * length and SHA-256 of every file; {@link #read} checks them.
 *
 * <p>A two-phase writer (the Flink sink) uses {@link #stage} and {@link #publishStaged} instead: the files are
 * written once, into the staging area, and publishing renames the staged directory to its {@code v} name and then
 * writes the marker, as above (see {@link ModelStaging}). Staging is never visible to readers.
 *
 * <p>A crash at any point leaves either nothing visible (a {@code .tmp-} directory, or a {@code v} directory
 * without marker, both ignored by readers and removed by {@link #cleanUpTemporaries}) or a complete version.
 *
 * <h2>LATEST</h2>
 *
 * After the marker, {@link #publish} moves {@code LATEST} forward by writing {@code LATEST.tmp-<uuid>} and renaming
 * it over {@code LATEST}. On the local file system this is one {@code rename(2)} ({@code ATOMIC_MOVE}), so readers
 * see the old or the new pointer and never none. Where a rename cannot replace an existing file (HDFS, some object
 * stores: {@code rename} returns false) the store deletes {@code LATEST} and renames again; between the two there
 * is no {@code LATEST}, and readers then use the highest complete version, which is the version being published.
 *
 * <p>{@link #latest} is defined as: the version named by {@code LATEST} when that version is complete; otherwise
 * (no {@code LATEST}, unparseable, or naming a version that is not complete) the highest complete version. A crash
 * after a version became complete but before {@code LATEST} moved therefore leaves {@code latest()} at the previous
 * version, while {@link #listVersions} already shows the new one; publishing that version again (as a retried
 * commit does) or any newer one moves {@code LATEST}. {@code LATEST} never moves backwards: publishing a version
 * below it leaves it where it is. A reader that finds {@code LATEST} naming a version that is no longer complete
 * (it read {@code LATEST} just before retention removed that version) reads {@code LATEST} again before falling back,
 * so that, with one writer, the versions a reader sees from {@link #latest} do not go backwards.
 *
 * <h2>Retention</h2>
 *
 * After each publish, {@link #applyRetention} keeps, among the complete versions, exactly: the {@code keepLast}
 * highest; every version {@code v} with {@code v % keepEvery == 0} when {@code keepEvery > 0}; and the version
 * {@link #latest} returns. All other complete versions are deleted, marker first, so they disappear for readers
 * before their files go. Incomplete directories are left to {@link #cleanUpTemporaries}.
 *
 * <h2>Concurrency</h2>
 *
 * Any number of readers, in any processes, may run next to one writer per model id. {@link #readLatest} retries
 * when retention removes the version it resolved while reading it. Two writers publishing the same version
 * concurrently are safe (one wins, the other gets {@link PublishResult#ALREADY_EXISTS} or a conflict), but
 * retention and cleanup assume one writer per model id.
 *
 * <h2>Security</h2>
 *
 * Every public method validates model ids with {@link ModelIds#validate} and checks that each path it builds stays
 * under the root, so nothing is read or written outside it.
 *
 * <p>File systems other than the local one must be registered with Flink ({@code FileSystem.initialize} with the
 * plugins, as a Flink cluster does). Each file is read into memory whole, so files are limited to 2 GiB. A store is
 * {@link Serializable}: it travels as its root URI and retention settings and reopens its file system when read.
 *
 * <h2>Implementation</h2>
 *
 * This class is the facade; package-private collaborators, each owning one part, do the work: {@link
 * StoreLayout} (names, paths, the under-the-root check), {@link StoreFiles} (the file primitives), {@link
 * VersionReader} (listing and verified reads), {@link VersionPublisher} (temporary directory, rename, marker),
 * {@link ModelStaging} (the staging area), {@link LatestPointer} ({@code LATEST}), {@link Retention} (retention and
 * clean-up) and {@link ModelOwnership} ({@code OWNER}); transient, rebuilt when the store is deserialized.
 */
public final class ModelStore implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final int DEFAULT_KEEP_LAST = 10;
    public static final long DEFAULT_KEEP_EVERY = 0;

    public static final String MODEL_FILE = "model.zip";
    public static final String OPTIMIZER_FILE = "optimizer.bin";
    public static final String METADATA_FILE = "metadata.json";
    public static final String COMPLETE_MARKER = "_COMPLETE";
    public static final String LATEST_FILE = "LATEST";
    /** The directory under the root that holds {@link #stage staged} versions; reserved, never a model id. */
    public static final String STAGING_DIRECTORY = ".staging";

    /** Prefix of a version directory being written. */
    public static final String TMP_PREFIX = ".tmp-";
    /** Prefix of a LATEST pointer being written. */
    public static final String LATEST_TMP_PREFIX = LATEST_FILE + ".tmp-";

    /** How often {@link #latest} reads LATEST again when it names a version that is not complete. */
    static final int POINTER_ATTEMPTS = 5;
    /** How often {@link #readLatest} re-resolves when retention removes the version it is reading. */
    static final int READ_LATEST_ATTEMPTS = 10;

    private final int keepLast;
    private final long keepEvery;
    // Collaborators: never serialized (see writeReplace); the SerializedForm rebuilds them through the builder.
    private final transient StoreLayout layout;
    private final transient VersionReader reader;
    private final transient VersionPublisher publisher;
    private final transient ModelStaging staging;
    private final transient LatestPointer pointer;
    private final transient Retention retention;
    private final transient ModelOwnership ownership;

    private ModelStore(Path root, FileSystem fs, int keepLast, long keepEvery) {
        this.keepLast = keepLast;
        this.keepEvery = keepEvery;
        StoreFiles files = new StoreFiles(fs);
        this.layout = new StoreLayout(root);
        this.reader = new VersionReader(layout, files);
        this.publisher = new VersionPublisher(layout, files, reader);
        this.pointer = new LatestPointer(layout, files, reader);
        this.staging = new ModelStaging(layout, files, reader, publisher, pointer);
        this.retention = new Retention(layout, files, reader, pointer, keepLast, keepEvery);
        this.ownership = new ModelOwnership(layout, files);
    }

    /** Which writer owns each model id: {@link ModelOwnership}. */
    public ModelOwnership ownership() {
        return ownership;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The fully qualified root. */
    public Path root() {
        return layout.root();
    }

    public int keepLast() {
        return keepLast;
    }

    public long keepEvery() {
        return keepEvery;
    }

    /** The directory name of a version: {@code v} and the version zero-padded to 20 digits. */
    public static String versionDirectoryName(long version) {
        return StoreLayout.versionDirectoryName(version);
    }

    /** Where a version lives (whether or not it exists). */
    public Path versionPath(String modelId, long version) {
        return layout.versionDir(modelId, version);
    }

    // ---- publish ------------------------------------------------------------------------------------------------

    /**
     * Writes a version, makes it visible atomically, moves {@code LATEST} forward and applies retention.
     * Idempotent: when a complete version with the same number and the same model and optimizer bytes exists,
     * nothing is written (the metadata is not compared, the stored one stays), {@code LATEST} and retention are
     * still brought up to date, and the result is {@link PublishResult#ALREADY_EXISTS}.
     *
     * @throws VersionConflictException a complete version with that number holds different bytes
     * @throws IOException the file system failed; nothing partial is visible, and a retry is safe
     */
    public PublishResult publish(ModelVersion modelVersion) throws IOException {
        Objects.requireNonNull(modelVersion, "modelVersion must not be null");
        PublishResult result = publisher.publish(modelVersion);
        return afterPublish(modelVersion.modelId(), modelVersion.version(), result);
    }

    /**
     * Writes a version into the staging area, where readers never look, and returns its handle for {@link
     * #publishStaged}. The model, optimizer state and metadata are written here and only here. Several stagings
     * of one version may coexist (each gets its own directory).
     *
     * @throws IllegalArgumentException the model id is invalid or {@value #STAGING_DIRECTORY}
     * @throws IOException the file system failed; nothing is visible, and staging again is safe
     */
    public StagedVersion stage(ModelVersion modelVersion) throws IOException {
        Objects.requireNonNull(modelVersion, "modelVersion must not be null");
        return staging.stage(modelVersion);
    }

    /**
     * Makes a {@link #stage staged} version visible by moving its files into place (no bytes are copied where the
     * file system renames directories), then moves {@code LATEST} forward and applies retention, as {@link
     * #publish} does. Idempotent, so a retried commit is safe: {@link PublishResult#ALREADY_EXISTS} when the
     * version is already complete with the same bytes (the staged copy is removed), {@link
     * PublishResult#ALREADY_COMMITTED} when the staged files are gone and the store has the version or a newer
     * one. Accepts the staging directories of earlier releases (same layout, no {@code _STAGED} digests).
     *
     * @throws VersionConflictException a complete version with that number holds different bytes
     * @throws StagedVersionMissingException the staged files are gone and the store has neither the version nor
     *     a newer one
     * @throws IllegalArgumentException the handle does not point into this store's staging area of its model
     * @throws IOException the file system failed; a retry is safe
     */
    public PublishResult publishStaged(StagedVersion staged) throws IOException {
        Objects.requireNonNull(staged, "staged must not be null");
        PublishResult result = staging.publish(staged);
        return afterPublish(staged.modelId(), staged.version(), result);
    }

    /** What follows every publish, whatever its result: {@code LATEST} moves forward, then retention. */
    private PublishResult afterPublish(String modelId, long version, PublishResult result) throws IOException {
        pointer.advance(modelId, version);
        retention.apply(modelId);
        return result;
    }

    // ---- read -------------------------------------------------------------------------------------------------

    /** Ids of the models that have at least one complete version, sorted. */
    public List<String> listModels() throws IOException {
        return reader.listModels();
    }

    /** The complete versions of a model, ascending; empty when the model does not exist. */
    public List<Long> listVersions(String modelId) throws IOException {
        return reader.listVersions(modelId);
    }

    /** Whether a version is complete (its marker exists). */
    public boolean isComplete(String modelId, long version) throws IOException {
        return reader.isComplete(modelId, version);
    }

    /**
     * The latest version: the one {@code LATEST} names when it is complete, else the highest complete version
     * (see the class comment); empty when the model has no complete version.
     */
    public OptionalLong latest(String modelId) throws IOException {
        return pointer.latest(modelId);
    }

    /** Reads the metadata of a complete version (cheaper than {@link #read}); checked against the marker. */
    public ModelMetadata readMetadata(String modelId, long version) throws IOException {
        return reader.readMetadata(modelId, version);
    }

    /**
     * Reads a complete version and checks every file against the lengths and SHA-256 sums in its marker.
     *
     * @throws NoSuchVersionException the version is not complete, or was removed while being read
     * @throws CorruptVersionException a file does not match the marker, or the metadata names another version
     */
    public ModelVersion read(String modelId, long version) throws IOException {
        return reader.read(modelId, version);
    }

    /**
     * Reads the {@link #latest} version; empty when the model has no complete version. When retention deletes the
     * resolved version during the read, resolves again (up to {@value #READ_LATEST_ATTEMPTS} times).
     */
    public Optional<ModelVersion> readLatest(String modelId) throws IOException {
        return pointer.readLatest(modelId);
    }

    // ---- retention and clean-up ---------------------------------------------------------------------------------

    /**
     * Deletes the complete versions that retention does not keep (see the class comment); {@link #publish} calls
     * this. Returns the deleted versions, ascending.
     */
    public List<Long> applyRetention(String modelId) throws IOException {
        return retention.apply(modelId);
    }

    /**
     * Removes what crashed writers left behind in a model's directory: {@code .tmp-} version directories, {@code
     * LATEST.tmp-} files, and {@code v} directories without marker, each only when its modification time is at
     * least {@code olderThan} ago (so a publish in progress is not disturbed). Object stores may report no
     * modification time for directories (0, which counts as old): call this only while no publish for the model
     * is in progress, e.g. from the single writer at start-up. Returns the number of entries removed.
     */
    public int cleanUpTemporaries(String modelId, Duration olderThan) throws IOException {
        return retention.cleanUpTemporaries(modelId, olderThan);
    }

    // ---- paths --------------------------------------------------------------------------------------------------

    /** {@code parent/name}, checked to stay under the root. */
    Path child(Path parent, String name) {
        return layout.child(parent, name);
    }

    /** Returns {@code path} when it lies strictly under the root; throws otherwise. */
    Path checkUnderRoot(Path path) {
        return layout.checkUnderRoot(path);
    }

    @Override
    public String toString() {
        return "ModelStore{root=" + root() + ", keepLast=" + keepLast + ", keepEvery=" + keepEvery + '}';
    }

    // ---- serialization ------------------------------------------------------------------------------------------

    private Object writeReplace() {
        return new SerializedForm(root().toUri().toString(), keepLast, keepEvery);
    }

    private void readObject(ObjectInputStream in) throws InvalidObjectException {
        throw new InvalidObjectException("a ModelStore is serialized as its SerializedForm");
    }

    /** What a serialized store carries: root and retention; the file system is looked up again when read. */
    private record SerializedForm(String root, int keepLast, long keepEvery) implements Serializable {
        private static final long serialVersionUID = 1L;

        private Object readResolve() {
            return builder().root(root).keepLast(keepLast).keepEvery(keepEvery).build();
        }
    }

    // ---- builder ------------------------------------------------------------------------------------------------

    /** Builder of {@link ModelStore}. Required: {@code root}. */
    public static final class Builder {
        private Path root;
        private FileSystem fileSystem;
        private int keepLast = DEFAULT_KEEP_LAST;
        private long keepEvery = DEFAULT_KEEP_EVERY;

        private Builder() {
        }

        /**
         * The root directory, as a URI or path ({@code file:///data/models}, {@code s3://bucket/models}, {@code
         * hdfs://nn/models}; a path without scheme uses Flink's default file system).
         */
        public Builder root(String root) {
            Objects.requireNonNull(root, "root must not be null");
            if (root.isBlank()) {
                throw new IllegalArgumentException("root must not be blank");
            }
            return root(new Path(root));
        }

        public Builder root(URI root) {
            Objects.requireNonNull(root, "root must not be null");
            return root(new Path(root));
        }

        public Builder root(Path root) {
            this.root = Objects.requireNonNull(root, "root must not be null");
            return this;
        }

        /** How many of the highest versions retention keeps; {@code >= 1}, default {@value #DEFAULT_KEEP_LAST}. */
        public Builder keepLast(int keepLast) {
            if (keepLast < 1) {
                throw new IllegalArgumentException("keepLast must be >= 1 but was " + keepLast);
            }
            this.keepLast = keepLast;
            return this;
        }

        /**
         * Retention also keeps every version that is a multiple of this; {@code >= 0}, 0 (the default) turns it
         * off.
         */
        public Builder keepEvery(long keepEvery) {
            if (keepEvery < 0) {
                throw new IllegalArgumentException("keepEvery must be >= 0 (0 turns it off) but was " + keepEvery);
            }
            this.keepEvery = keepEvery;
            return this;
        }

        /** Uses this file system instead of {@code FileSystem.get(root)} (tests only). */
        Builder fileSystem(FileSystem fileSystem) {
            this.fileSystem = Objects.requireNonNull(fileSystem, "fileSystem must not be null");
            return this;
        }

        /**
         * Resolves the file system of the root.
         *
         * @throws IllegalArgumentException no root was set, or no file system serves its scheme
         */
        public ModelStore build() {
            if (root == null) {
                throw new IllegalArgumentException("root is required");
            }
            FileSystem fs = fileSystem;
            if (fs == null) {
                try {
                    fs = FileSystem.get(root.toUri());
                } catch (IOException e) {
                    throw new IllegalArgumentException("cannot open the file system of model store root '" + root
                            + "': " + e.getMessage(), e);
                }
            }
            // Through the String constructor, which drops a trailing slash: one root, one spelling.
            Path qualified = new Path(root.makeQualified(fs).toUri().toString());
            String path = qualified.toUri().getPath();
            if (path == null || path.isEmpty()) {
                throw new IllegalArgumentException("model store root '" + root + "' has no path");
            }
            return new ModelStore(qualified, fs, keepLast, keepEvery);
        }
    }
}
