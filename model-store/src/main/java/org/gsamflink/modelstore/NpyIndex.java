package org.gsamflink.modelstore;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The JSON index written next to a flat parameter {@code .npy} file: for each layer parameter, its name, shape,
 * offset and length (both in values, not bytes) in the flat array, and the order in which its values are laid out
 * there ({@code "C"} row-major or {@code "F"} column-major; DL4J keeps weight matrices in {@code "F"} order).
 *
 * <pre>{@code
 * NpyIndex index = NpyIndex.builder()
 *     .dtype(NpyWriter.FLOAT32)
 *     .add("0_W", true, 784, 100)   // offsets follow in order: 0, 78400, ...
 *     .add("0_b", false, 1, 100)
 *     .build();
 * NpyWriter.writeIndex(out, index);
 * }</pre>
 *
 * <p>In numpy, layer {@code e} is {@code flat[e.offset : e.offset + e.length].reshape(e.shape, order=e.order)}.
 *
 * <p>JSON, format version {@value #FORMAT_VERSION}: {@code {"formatVersion":1,"dtype":"<f4","length":N,
 * "layers":[{"name":..,"shape":[..],"offset":..,"length":..,"order":"C"},...]}}.
 */
public final class NpyIndex {

    public static final int FORMAT_VERSION = 1;

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One layer parameter in the flat array. */
    public static final class Entry {
        private final String name;
        private final long[] shape;
        private final long offset;
        private final long length;
        private final boolean fortranOrder;

        /** {@code length} is the product of {@code shape}. */
        public Entry(String name, long offset, boolean fortranOrder, long... shape) {
            Objects.requireNonNull(name, "name must not be null");
            Objects.requireNonNull(shape, "shape must not be null");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("layer name must not be empty");
            }
            if (offset < 0) {
                throw new IllegalArgumentException("offset of layer '" + name + "' must be >= 0 but was " + offset);
            }
            long n = 1;
            for (long d : shape) {
                if (d < 0) {
                    throw new IllegalArgumentException("shape of layer '" + name + "' has a negative dimension: "
                            + Arrays.toString(shape));
                }
                n = Math.multiplyExact(n, d);
            }
            this.name = name;
            this.shape = shape.clone();
            this.offset = offset;
            this.length = n;
            this.fortranOrder = fortranOrder;
        }

        public String name() {
            return name;
        }

        public long[] shape() {
            return shape.clone();
        }

        /** First value of the layer in the flat array. */
        public long offset() {
            return offset;
        }

        /** Number of values (the product of the shape). */
        public long length() {
            return length;
        }

        public boolean fortranOrder() {
            return fortranOrder;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Entry)) {
                return false;
            }
            Entry e = (Entry) o;
            return name.equals(e.name) && Arrays.equals(shape, e.shape) && offset == e.offset
                    && fortranOrder == e.fortranOrder;
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, Arrays.hashCode(shape), offset, fortranOrder);
        }

        @Override
        public String toString() {
            return name + Arrays.toString(shape) + "@" + offset + (fortranOrder ? " F" : " C");
        }
    }

    private final String dtype;
    private final long length;
    private final List<Entry> entries;

    private NpyIndex(String dtype, long length, List<Entry> entries) {
        this.dtype = dtype;
        this.length = length;
        this.entries = Collections.unmodifiableList(new ArrayList<>(entries));
    }

    public static Builder builder() {
        return new Builder();
    }

    public String dtype() {
        return dtype;
    }

    /** Number of values in the flat array. */
    public long length() {
        return length;
    }

    /** The entries in the order they were added. */
    public List<Entry> entries() {
        return entries;
    }

    /** UTF-8 JSON. */
    public byte[] toJson() {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("formatVersion", FORMAT_VERSION);
        root.put("dtype", dtype);
        root.put("length", length);
        ArrayNode layers = root.putArray("layers");
        for (Entry e : entries) {
            ObjectNode n = layers.addObject();
            n.put("name", e.name);
            ArrayNode shape = n.putArray("shape");
            for (long d : e.shape) {
                shape.add(d);
            }
            n.put("offset", e.offset);
            n.put("length", e.length);
            n.put("order", e.fortranOrder ? "F" : "C");
        }
        try {
            return MAPPER.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the npy index", e);
        }
    }

    /** Parses JSON written by {@link #toJson()}; unknown fields are ignored, a newer format is rejected. */
    public static NpyIndex fromJson(byte[] json) throws IOException {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IOException("npy index is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException("npy index must be a JSON object");
        }
        JsonNode fv = root.get("formatVersion");
        if (fv == null || !fv.isIntegralNumber()) {
            throw new IOException("npy index has no integer 'formatVersion'");
        }
        if (fv.asLong() > FORMAT_VERSION) {
            throw new IOException("npy index format version " + fv.asLong() + " is newer than the newest this"
                    + " gsam-flink supports (" + FORMAT_VERSION + ")");
        }
        JsonNode layers = root.get("layers");
        if (layers == null || !layers.isArray() || !root.path("dtype").isTextual()
                || !root.path("length").isIntegralNumber()) {
            throw new IOException("npy index needs 'dtype', 'length' and 'layers'");
        }
        try {
            Builder b = builder().dtype(root.get("dtype").textValue()).length(root.get("length").asLong());
            for (JsonNode n : layers) {
                JsonNode shapeNode = n.path("shape");
                if (!n.path("name").isTextual() || !shapeNode.isArray() || !n.path("offset").isIntegralNumber()) {
                    throw new IOException("npy index layer needs 'name', 'shape' and 'offset': " + n);
                }
                long[] shape = new long[shapeNode.size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = shapeNode.get(i).asLong();
                }
                Entry e = new Entry(n.get("name").textValue(), n.get("offset").asLong(),
                        "F".equals(n.path("order").asText("C")), shape);
                if (n.has("length") && n.get("length").asLong() != e.length()) {
                    throw new IOException("npy index layer '" + e.name() + "' has length " + n.get("length")
                            + " but its shape holds " + e.length() + " values");
                }
                b.add(e);
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new IOException("invalid npy index: " + e.getMessage(), e);
        }
    }

    /** Builder of {@link NpyIndex}. Defaults: dtype {@code <f4}, length = the end of the last entry. */
    public static final class Builder {
        private String dtype = NpyWriter.FLOAT32;
        private Long length;
        private final List<Entry> entries = new ArrayList<>();
        private long next;

        private Builder() {
        }

        /** {@code <f4} or {@code <f8}. */
        public Builder dtype(String dtype) {
            if (!NpyWriter.FLOAT32.equals(dtype) && !NpyWriter.FLOAT64.equals(dtype)) {
                throw new IllegalArgumentException("dtype must be " + NpyWriter.FLOAT32 + " or " + NpyWriter.FLOAT64
                        + " but was " + dtype);
            }
            this.dtype = dtype;
            return this;
        }

        /** Total number of values in the flat array; {@code >= 0}. Defaults to the end of the last entry. */
        public Builder length(long length) {
            if (length < 0) {
                throw new IllegalArgumentException("length must be >= 0 but was " + length);
            }
            this.length = length;
            return this;
        }

        /** Adds a C-ordered entry right after the previous one. */
        public Builder add(String name, long... shape) {
            return add(name, false, shape);
        }

        /** Adds an entry right after the previous one. */
        public Builder add(String name, boolean fortranOrder, long... shape) {
            return add(new Entry(name, next, fortranOrder, shape));
        }

        /** Adds an entry at its own offset. */
        public Builder add(Entry entry) {
            Objects.requireNonNull(entry, "entry must not be null");
            entries.add(entry);
            next = Math.max(next, entry.offset() + entry.length());
            return this;
        }

        /**
         * @throws IllegalArgumentException on duplicate names, overlapping entries, or entries beyond the length
         */
        public NpyIndex build() {
            Set<String> names = new HashSet<>();
            for (Entry e : entries) {
                if (!names.add(e.name())) {
                    throw new IllegalArgumentException("duplicate layer name '" + e.name() + "'");
                }
            }
            List<Entry> sorted = new ArrayList<>(entries);
            sorted.sort(Comparator.comparingLong(Entry::offset));
            Entry reach = null; // the non-empty entry that ends last so far
            for (Entry e : sorted) {
                if (e.length() == 0) {
                    continue;
                }
                if (reach != null && reach.offset() + reach.length() > e.offset()) {
                    throw new IllegalArgumentException("layers '" + reach.name() + "' and '" + e.name()
                            + "' overlap");
                }
                if (reach == null || e.offset() + e.length() > reach.offset() + reach.length()) {
                    reach = e;
                }
            }
            long total = length != null ? length : next;
            if (next > total) {
                throw new IllegalArgumentException("layers end at " + next + " but the array has only " + total
                        + " values");
            }
            return new NpyIndex(dtype, total, entries);
        }
    }
}
