package org.gsamflink.modelstore;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Content of the {@code _COMPLETE} marker of a version directory: the length and SHA-256 of every file of the
 * version. Its presence makes a version visible; its content lets readers detect torn or corrupted files and lets
 * {@link ModelStore#publish} decide whether a republish carries the same bytes.
 *
 * <p>JSON, format version {@value #FORMAT_VERSION}: {@code {"formatVersion":1,"modelId":..,"version":..,
 * "files":{"model.zip":{"length":..,"sha256":".."},...}}}.
 */
final class CompletionManifest {

    static final int FORMAT_VERSION = 1;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Length and SHA-256 (lower-case hex) of one file. */
    static final class FileDigest {
        final long length;
        final String sha256;

        FileDigest(long length, String sha256) {
            this.length = length;
            this.sha256 = sha256;
        }

        static FileDigest of(byte[] content) {
            return new FileDigest(content.length, sha256(content));
        }

        boolean matches(byte[] content) {
            return content.length == length && sha256(content).equals(sha256);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof FileDigest && ((FileDigest) o).length == length
                    && ((FileDigest) o).sha256.equals(sha256);
        }

        @Override
        public int hashCode() {
            return Objects.hash(length, sha256);
        }

        @Override
        public String toString() {
            return length + " B, sha256 " + sha256;
        }
    }

    final String modelId;
    final long version;
    final Map<String, FileDigest> files;

    CompletionManifest(String modelId, long version, Map<String, FileDigest> files) {
        this.modelId = modelId;
        this.version = version;
        this.files = Collections.unmodifiableMap(new LinkedHashMap<>(files));
    }

    byte[] toJson() {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("formatVersion", FORMAT_VERSION);
        root.put("modelId", modelId);
        root.put("version", version);
        ObjectNode fs = root.putObject("files");
        for (Map.Entry<String, FileDigest> e : files.entrySet()) {
            ObjectNode f = fs.putObject(e.getKey());
            f.put("length", e.getValue().length);
            f.put("sha256", e.getValue().sha256);
        }
        try {
            return MAPPER.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the completion manifest", e);
        }
    }

    static CompletionManifest fromJson(byte[] json) throws IOException {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IOException("completion marker is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException("completion marker must be a JSON object");
        }
        JsonNode fv = root.get("formatVersion");
        if (fv == null || !fv.isIntegralNumber()) {
            throw new IOException("completion marker has no integer 'formatVersion'");
        }
        if (fv.asLong() > FORMAT_VERSION) {
            throw new IOException("completion marker format version " + fv.asLong()
                    + " is newer than the newest this gsam-flink supports (" + FORMAT_VERSION
                    + "); upgrade gsam-flink to read it");
        }
        JsonNode id = root.get("modelId");
        JsonNode v = root.get("version");
        JsonNode fs = root.get("files");
        if (id == null || !id.isTextual() || v == null || !v.isIntegralNumber() || fs == null || !fs.isObject()) {
            throw new IOException("completion marker needs 'modelId', 'version' and 'files'");
        }
        Map<String, FileDigest> files = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : fs.properties()) {
            JsonNode len = e.getValue().get("length");
            JsonNode sha = e.getValue().get("sha256");
            if (len == null || !len.isIntegralNumber() || sha == null || !sha.isTextual()) {
                throw new IOException("completion marker entry '" + e.getKey() + "' needs 'length' and 'sha256'");
            }
            files.put(e.getKey(), new FileDigest(len.asLong(), sha.textValue()));
        }
        return new CompletionManifest(id.textValue(), v.asLong(), files);
    }

    static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
