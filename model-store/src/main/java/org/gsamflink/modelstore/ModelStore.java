package org.gsamflink.modelstore;

import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.fs.local.LocalFileSystem;
import org.apache.flink.util.WrappingProxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
 */
public final class ModelStore implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ModelStore.class);

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
    /** The longest LATEST content read; anything longer is not a version number. */
    private static final int MAX_POINTER_BYTES = 64;
    private static final Pattern VERSION_DIR = Pattern.compile("v(\\d{20})");

    private final Path root;
    private final String rootPathPrefix;
    private final transient FileSystem fs;
    private final int keepLast;
    private final long keepEvery;

    private ModelStore(Path root, FileSystem fs, int keepLast, long keepEvery) {
        this.root = root;
        String p = root.toUri().getPath();
        this.rootPathPrefix = p.endsWith("/") ? p : p + "/";
        this.fs = fs;
        this.keepLast = keepLast;
        this.keepEvery = keepEvery;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The fully qualified root. */
    public Path root() {
        return root;
    }

    public int keepLast() {
        return keepLast;
    }

    public long keepEvery() {
        return keepEvery;
    }

    /** The directory name of a version: {@code v} and the version zero-padded to 20 digits. */
    public static String versionDirectoryName(long version) {
        checkVersion(version);
        return String.format("v%020d", version);
    }

    /** Where a version lives (whether or not it exists). */
    public Path versionPath(String modelId, long version) {
        return versionDir(modelId, version);
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
        String modelId = ModelIds.validate(modelVersion.modelId());
        long version = modelVersion.version();
        Path modelDir = modelDir(modelId);
        Path versionDir = versionDir(modelId, version);

        byte[] model = modelVersion.modelBytesNoCopy();
        byte[] optimizer = modelVersion.optimizerStateNoCopy();
        byte[] metadata = modelVersion.metadata().toJson();
        CompletionManifest manifest = manifestOf(modelId, version, model, optimizer, metadata);

        PublishResult result;
        if (isComplete(modelId, version)) {
            checkSameContent(modelId, version, manifest);
            result = PublishResult.ALREADY_EXISTS;
        } else {
            if (fs.exists(versionDir)) {
                LOG.warn("Removing incomplete version directory {} left by a crashed writer", versionDir);
                fs.delete(versionDir, true);
            }
            fs.mkdirs(modelDir);
            Path tmp = child(modelDir, TMP_PREFIX + version + "-" + UUID.randomUUID());
            try {
                if (!fs.mkdirs(tmp)) {
                    throw new IOException("cannot create directory " + tmp);
                }
                writeFile(child(tmp, MODEL_FILE), model);
                writeFile(child(tmp, OPTIMIZER_FILE), optimizer);
                writeFile(child(tmp, METADATA_FILE), metadata);
                if (fs.rename(tmp, versionDir)) {
                    writeMarker(versionDir, manifest);
                    result = PublishResult.PUBLISHED;
                } else if (isComplete(modelId, version)) {
                    // Another writer published the same version meanwhile.
                    checkSameContent(modelId, version, manifest);
                    result = PublishResult.ALREADY_EXISTS;
                } else {
                    throw new IOException("cannot rename " + tmp + " to " + versionDir
                            + " (is another writer publishing model '" + modelId + "'?)");
                }
            } finally {
                deleteQuietly(tmp, true);
            }
        }
        advanceLatest(modelId, version);
        applyRetention(modelId);
        return result;
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
        return new ModelStaging(this, fs).stage(modelVersion);
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
        return new ModelStaging(this, fs).publish(staged);
    }

    static CompletionManifest manifestOf(String modelId, long version, byte[] model, byte[] optimizer,
                                         byte[] metadata) {
        Map<String, CompletionManifest.FileDigest> digests = new LinkedHashMap<>();
        digests.put(MODEL_FILE, CompletionManifest.FileDigest.of(model));
        digests.put(OPTIMIZER_FILE, CompletionManifest.FileDigest.of(optimizer));
        digests.put(METADATA_FILE, CompletionManifest.FileDigest.of(metadata));
        return new CompletionManifest(modelId, version, digests);
    }

    void checkSameContent(String modelId, long version, CompletionManifest wanted) throws IOException {
        CompletionManifest existing = readManifest(modelId, version);
        for (String file : new String[] {MODEL_FILE, OPTIMIZER_FILE}) {
            CompletionManifest.FileDigest have = existing.files.get(file);
            CompletionManifest.FileDigest want = wanted.files.get(file);
            if (!want.equals(have)) {
                throw new VersionConflictException("model '" + modelId + "' already has a complete version "
                        + version + " whose " + file + " differs (stored: " + have + "; new: " + want
                        + "); versions are immutable, publish under a new version number");
            }
        }
    }

    void writeMarker(Path versionDir, CompletionManifest manifest) throws IOException {
        Path tmp = child(versionDir, COMPLETE_MARKER + ".tmp-" + UUID.randomUUID());
        Path marker = child(versionDir, COMPLETE_MARKER);
        try {
            writeFile(tmp, manifest.toJson());
            if (!fs.rename(tmp, marker)) {
                throw new IOException("cannot rename " + tmp + " to " + marker);
            }
        } finally {
            deleteQuietly(tmp, false);
        }
    }

    void advanceLatest(String modelId, long version) throws IOException {
        OptionalLong pointer = readPointer(modelId);
        long target;
        if (pointer.isPresent() && isComplete(modelId, pointer.getAsLong())) {
            target = Math.max(pointer.getAsLong(), version);
        } else {
            List<Long> versions = listVersions(modelId);
            target = versions.isEmpty() ? version : Math.max(version, versions.get(versions.size() - 1));
        }
        if (pointer.isPresent() && pointer.getAsLong() == target) {
            return;
        }
        writePointer(modelId, target);
    }

    private void writePointer(String modelId, long version) throws IOException {
        Path modelDir = modelDir(modelId);
        Path latest = child(modelDir, LATEST_FILE);
        Path tmp = child(modelDir, LATEST_TMP_PREFIX + UUID.randomUUID());
        try {
            writeFile(tmp, (version + "\n").getBytes(StandardCharsets.US_ASCII));
            replace(tmp, latest);
        } finally {
            deleteQuietly(tmp, false);
        }
    }

    /** Renames {@code src} over {@code dst}; see the class comment for the guarantees per file system. */
    private void replace(Path src, Path dst) throws IOException {
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

    // ---- read -------------------------------------------------------------------------------------------------

    /** Ids of the models that have at least one complete version, sorted. */
    public List<String> listModels() throws IOException {
        List<String> models = new ArrayList<>();
        for (FileStatus status : list(root)) {
            String name = status.getPath().getName();
            if (ModelIds.isValid(name) && !listVersions(name).isEmpty()) {
                models.add(name);
            }
        }
        Collections.sort(models);
        return models;
    }

    /** The complete versions of a model, ascending; empty when the model does not exist. */
    public List<Long> listVersions(String modelId) throws IOException {
        Path modelDir = modelDir(modelId);
        List<Long> versions = new ArrayList<>();
        for (FileStatus status : list(modelDir)) {
            long version = parseVersionDir(status.getPath().getName());
            if (version >= 0 && isComplete(modelId, version)) {
                versions.add(version);
            }
        }
        Collections.sort(versions);
        return versions;
    }

    /** Whether a version is complete (its marker exists). */
    public boolean isComplete(String modelId, long version) throws IOException {
        return fs.exists(child(versionDir(modelId, version), COMPLETE_MARKER));
    }

    /**
     * The latest version: the one {@code LATEST} names when it is complete, else the highest complete version
     * (see the class comment); empty when the model has no complete version.
     */
    public OptionalLong latest(String modelId) throws IOException {
        OptionalLong pointer = OptionalLong.empty();
        for (int attempt = 0; attempt < POINTER_ATTEMPTS; attempt++) {
            pointer = readPointer(modelId);
            if (pointer.isEmpty()) {
                break;
            }
            if (isComplete(modelId, pointer.getAsLong())) {
                return pointer;
            }
            // Either this reader was slow and retention has since removed what LATEST named when it was read
            // (LATEST has moved on, so read it again), or LATEST really dangles.
        }
        if (pointer.isPresent()) {
            LOG.debug("LATEST of model '{}' names version {}, which is not complete; using the highest complete"
                    + " version", modelId, pointer.getAsLong());
        }
        List<Long> versions = listVersions(modelId);
        return versions.isEmpty() ? OptionalLong.empty() : OptionalLong.of(versions.get(versions.size() - 1));
    }

    /** Reads the metadata of a complete version (cheaper than {@link #read}); checked against the marker. */
    public ModelMetadata readMetadata(String modelId, long version) throws IOException {
        CompletionManifest manifest = readManifest(modelId, version);
        return parseMetadata(modelId, version, readVerified(modelId, version, manifest, METADATA_FILE));
    }

    /**
     * Reads a complete version and checks every file against the lengths and SHA-256 sums in its marker.
     *
     * @throws NoSuchVersionException the version is not complete, or was removed while being read
     * @throws CorruptVersionException a file does not match the marker, or the metadata names another version
     */
    public ModelVersion read(String modelId, long version) throws IOException {
        CompletionManifest manifest = readManifest(modelId, version);
        byte[] metadata = readVerified(modelId, version, manifest, METADATA_FILE);
        byte[] model = readVerified(modelId, version, manifest, MODEL_FILE);
        byte[] optimizer = readVerified(modelId, version, manifest, OPTIMIZER_FILE);
        return ModelVersion.wrap(parseMetadata(modelId, version, metadata), model, optimizer);
    }

    /**
     * Reads the {@link #latest} version; empty when the model has no complete version. When retention deletes the
     * resolved version during the read, resolves again (up to {@value #READ_LATEST_ATTEMPTS} times).
     */
    public Optional<ModelVersion> readLatest(String modelId) throws IOException {
        NoSuchVersionException last = null;
        for (int attempt = 0; attempt < READ_LATEST_ATTEMPTS; attempt++) {
            OptionalLong version = latest(modelId);
            if (version.isEmpty()) {
                return Optional.empty();
            }
            try {
                return Optional.of(read(modelId, version.getAsLong()));
            } catch (NoSuchVersionException e) {
                last = e;
            }
        }
        throw new IOException("could not read the latest version of model '" + modelId + "' in "
                + READ_LATEST_ATTEMPTS + " attempts: each resolved version was removed while being read", last);
    }

    private CompletionManifest readManifest(String modelId, long version) throws IOException {
        Path marker = child(versionDir(modelId, version), COMPLETE_MARKER);
        byte[] json;
        try {
            json = readAll(marker);
        } catch (FileNotFoundException | NoSuchFileException e) {
            throw new NoSuchVersionException("model '" + modelId + "' has no complete version " + version);
        }
        CompletionManifest manifest;
        try {
            manifest = CompletionManifest.fromJson(json);
        } catch (IOException e) {
            throw new CorruptVersionException("version " + version + " of model '" + modelId + "': "
                    + e.getMessage(), e);
        }
        if (!manifest.modelId.equals(modelId) || manifest.version != version) {
            throw new CorruptVersionException("the marker of version " + version + " of model '" + modelId
                    + "' describes version " + manifest.version + " of model '" + manifest.modelId + "'");
        }
        return manifest;
    }

    private byte[] readVerified(String modelId, long version, CompletionManifest manifest, String file)
            throws IOException {
        CompletionManifest.FileDigest digest = manifest.files.get(file);
        if (digest == null) {
            throw new CorruptVersionException("the marker of version " + version + " of model '" + modelId
                    + "' does not list " + file);
        }
        byte[] content;
        try {
            content = readAll(child(versionDir(modelId, version), file));
        } catch (FileNotFoundException | NoSuchFileException e) {
            if (!isComplete(modelId, version)) {
                throw new NoSuchVersionException("version " + version + " of model '" + modelId
                        + "' was removed while being read");
            }
            throw new CorruptVersionException("version " + version + " of model '" + modelId + "' has no "
                    + file, e);
        }
        if (!digest.matches(content)) {
            if (!isComplete(modelId, version)) {
                throw new NoSuchVersionException("version " + version + " of model '" + modelId
                        + "' was removed while being read");
            }
            throw new CorruptVersionException(file + " of version " + version + " of model '" + modelId
                    + "' does not match its marker (expected " + digest + "; found " + content.length + " B, "
                    + "sha256 " + CompletionManifest.sha256(content) + ")");
        }
        return content;
    }

    private static ModelMetadata parseMetadata(String modelId, long version, byte[] json) throws IOException {
        ModelMetadata metadata = ModelMetadata.fromJson(json);
        if (!metadata.modelId().equals(modelId) || metadata.version() != version) {
            throw new CorruptVersionException("metadata of version " + version + " of model '" + modelId
                    + "' names version " + metadata.version() + " of model '" + metadata.modelId() + "'");
        }
        return metadata;
    }

    private OptionalLong readPointer(String modelId) throws IOException {
        Path latest = child(modelDir(modelId), LATEST_FILE);
        byte[] bytes;
        try (FSDataInputStream in = fs.open(latest)) {
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

    // ---- retention and clean-up ---------------------------------------------------------------------------------

    /**
     * Deletes the complete versions that retention does not keep (see the class comment); {@link #publish} calls
     * this. Returns the deleted versions, ascending.
     */
    public List<Long> applyRetention(String modelId) throws IOException {
        List<Long> versions = listVersions(modelId);
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
        latest(modelId).ifPresent(keep::add);
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

    private void deleteVersion(String modelId, long version) throws IOException {
        Path dir = versionDir(modelId, version);
        // Marker first: the version disappears for readers before any of its files does.
        fs.delete(child(dir, COMPLETE_MARKER), false);
        fs.delete(dir, true);
    }

    /**
     * Removes what crashed writers left behind in a model's directory: {@code .tmp-} version directories, {@code
     * LATEST.tmp-} files, and {@code v} directories without marker, each only when its modification time is at
     * least {@code olderThan} ago (so a publish in progress is not disturbed). Object stores may report no
     * modification time for directories (0, which counts as old): call this only while no publish for the model
     * is in progress, e.g. from the single writer at start-up. Returns the number of entries removed.
     */
    public int cleanUpTemporaries(String modelId, Duration olderThan) throws IOException {
        Objects.requireNonNull(olderThan, "olderThan must not be null");
        if (olderThan.isNegative()) {
            throw new IllegalArgumentException("olderThan must not be negative but was " + olderThan);
        }
        long cutoff = System.currentTimeMillis() - olderThan.toMillis();
        int removed = 0;
        for (FileStatus status : list(modelDir(modelId))) {
            String name = status.getPath().getName();
            boolean leftover = name.startsWith(TMP_PREFIX) || name.startsWith(LATEST_TMP_PREFIX);
            if (!leftover) {
                long version = parseVersionDir(name);
                leftover = version >= 0 && !isComplete(modelId, version);
            }
            if (leftover && status.getModificationTime() <= cutoff) {
                Path path = child(modelDir(modelId), name);
                LOG.info("Removing leftover {} of a crashed writer", path);
                if (fs.delete(path, true)) {
                    removed++;
                }
            }
        }
        return removed;
    }

    // ---- paths and file helpers ---------------------------------------------------------------------------------

    private Path modelDir(String modelId) {
        return child(root, ModelIds.validate(modelId));
    }

    private Path versionDir(String modelId, long version) {
        return child(modelDir(modelId), versionDirectoryName(version));
    }

    /** {@code parent/name}, checked to stay under the root. */
    Path child(Path parent, String name) {
        return checkUnderRoot(new Path(parent, name));
    }

    /** Returns {@code path} when it lies strictly under the root; throws otherwise. */
    Path checkUnderRoot(Path path) {
        URI r = root.toUri();
        URI p = path.toUri().normalize();
        boolean under = Objects.equals(r.getScheme(), p.getScheme())
                && Objects.equals(r.getAuthority(), p.getAuthority())
                && p.getPath() != null && p.getPath().startsWith(rootPathPrefix)
                && p.getPath().length() > rootPathPrefix.length();
        if (!under) {
            throw new IllegalArgumentException("path " + path + " is outside the model store root " + root);
        }
        return path;
    }

    private static long parseVersionDir(String name) {
        Matcher m = VERSION_DIR.matcher(name);
        if (!m.matches()) {
            return -1;
        }
        try {
            return Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void checkVersion(long version) {
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0 but was " + version);
        }
    }

    private FileStatus[] list(Path dir) throws IOException {
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

    @Override
    public String toString() {
        return "ModelStore{root=" + root + ", keepLast=" + keepLast + ", keepEvery=" + keepEvery + '}';
    }

    // ---- serialization ------------------------------------------------------------------------------------------

    private Object writeReplace() {
        return new SerializedForm(root.toUri().toString(), keepLast, keepEvery);
    }

    private void readObject(ObjectInputStream in) throws InvalidObjectException {
        throw new InvalidObjectException("a ModelStore is serialized as its SerializedForm");
    }

    /** What a serialized store carries: root and retention; the file system is looked up again when read. */
    private static final class SerializedForm implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String root;
        private final int keepLast;
        private final long keepEvery;

        SerializedForm(String root, int keepLast, long keepEvery) {
            this.root = root;
            this.keepLast = keepLast;
            this.keepEvery = keepEvery;
        }

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
