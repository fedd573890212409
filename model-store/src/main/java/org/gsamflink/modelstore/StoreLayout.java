package org.gsamflink.modelstore;

import org.apache.flink.core.fs.Path;

import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The on-disk layout of a {@link ModelStore} (drawn in its class comment): the qualified root, the files of a
 * version, the names and paths of model and version directories and of the {@code _COMPLETE} marker, and the
 * check that every path the store builds lies strictly under the root.
 *
 * <p>Package-private; no I/O. State: the root, fixed at construction.
 */
final class StoreLayout {

    /** The files of a version, in the order they are written and listed in a manifest. */
    static final List<String> VERSION_FILES =
            List.of(ModelStore.MODEL_FILE, ModelStore.OPTIMIZER_FILE, ModelStore.METADATA_FILE);

    private static final Pattern VERSION_DIR = Pattern.compile("v(\\d{20})");

    private final Path root;
    private final String rootPathPrefix;

    StoreLayout(Path root) {
        this.root = root;
        String p = root.toUri().getPath();
        this.rootPathPrefix = p.endsWith("/") ? p : p + "/";
    }

    Path root() {
        return root;
    }

    /** {@code v} and the version zero-padded to 20 digits. */
    static String versionDirectoryName(long version) {
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0 but was " + version);
        }
        return String.format("v%020d", version);
    }

    /** The version a {@code v} directory name stands for; -1 when the name is not one. */
    static long parseVersionDirectoryName(String name) {
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

    /** {@code <root>/<modelId>}; the model id is validated. */
    Path modelDir(String modelId) {
        return child(root, ModelIds.validate(modelId));
    }

    /** {@code <root>/<modelId>/v<version>}. */
    Path versionDir(String modelId, long version) {
        return child(modelDir(modelId), versionDirectoryName(version));
    }

    /** {@code <root>/<modelId>/v<version>/_COMPLETE}. */
    Path markerPath(String modelId, long version) {
        return child(versionDir(modelId, version), ModelStore.COMPLETE_MARKER);
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
}
