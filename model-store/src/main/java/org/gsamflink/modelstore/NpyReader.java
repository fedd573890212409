package org.gsamflink.modelstore;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0) of 32- or 64-bit floats in either byte order,
 * strictly: the magic, the header dict with its three keys, and exactly as many data bytes as the shape needs.
 * Arrays are read into memory, so the data is limited to 2 GiB.
 */
public final class NpyReader {

    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private NpyReader() {
    }

    public static NpyArray read(byte[] bytes) throws IOException {
        Objects.requireNonNull(bytes, "bytes must not be null");
        return read(new ByteArrayInputStream(bytes));
    }

    /** Reads one array; the stream is read to its end and not closed. */
    public static NpyArray read(InputStream in) throws IOException {
        Objects.requireNonNull(in, "in must not be null");
        byte[] magic = readFully(in, NpyWriter.MAGIC.length, "magic");
        if (!Arrays.equals(magic, NpyWriter.MAGIC)) {
            throw new IOException("not a .npy file: it does not start with \\x93NUMPY");
        }
        byte[] version = readFully(in, 2, "version");
        int major = version[0] & 0xFF;
        int minor = version[1] & 0xFF;
        int lengthBytes;
        if (major == 1) {
            lengthBytes = 2;
        } else if (major == 2 || major == 3) {
            lengthBytes = 4;
        } else {
            throw new IOException("unsupported .npy format version " + major + "." + minor);
        }
        byte[] len = readFully(in, lengthBytes, "header length");
        long headerLength = 0;
        for (int i = lengthBytes - 1; i >= 0; i--) {
            headerLength = (headerLength << 8) | (len[i] & 0xFF);
        }
        if (headerLength > Integer.MAX_VALUE - 16) {
            throw new IOException("header length " + headerLength + " is too large");
        }
        byte[] headerBytes = readFully(in, (int) headerLength, "header");
        String header = new String(headerBytes,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        if (!header.endsWith("\n")) {
            throw new IOException("the .npy header does not end with a newline");
        }
        String dict = header.trim();
        if (!dict.startsWith("{") || !dict.endsWith("}")) {
            throw new IOException("the .npy header is not a dict literal: " + dict);
        }
        String descr = group(DESCR, dict, "descr");
        if (!descr.matches("[<>]f[48]")) {
            throw new IOException("unsupported dtype '" + descr + "' (supported: <f4, <f8, >f4, >f8)");
        }
        boolean fortranOrder = group(FORTRAN, dict, "fortran_order").equals("True");
        long[] shape = parseShape(group(SHAPE, dict, "shape"));
        long count = 1;
        for (long d : shape) {
            count = Math.multiplyExact(count, d);
        }
        int itemSize = descr.endsWith("4") ? 4 : 8;
        long expected = Math.multiplyExact(count, itemSize);
        if (expected > Integer.MAX_VALUE - 16) {
            throw new IOException("the array has " + expected + " data bytes; at most 2 GiB can be read");
        }
        byte[] data = readFully(in, (int) expected, "data");
        if (in.read() != -1) {
            throw new IOException("the .npy file has more data than its shape " + NpyWriter.shapeTuple(shape)
                    + " needs");
        }
        int dataOffset = NpyWriter.MAGIC.length + 2 + lengthBytes + (int) headerLength;
        return new NpyArray(major, minor, header, descr, fortranOrder, shape, dataOffset, data);
    }

    private static String group(Pattern p, String dict, String key) throws IOException {
        Matcher m = p.matcher(dict);
        if (!m.find()) {
            throw new IOException("the .npy header has no valid '" + key + "': " + dict);
        }
        return m.group(1);
    }

    private static long[] parseShape(String tuple) throws IOException {
        String t = tuple.trim();
        if (t.isEmpty()) {
            return new long[0];
        }
        String[] parts = t.split(",", -1);
        int n = parts.length;
        if (parts[n - 1].isBlank()) {
            n--;
        }
        long[] shape = new long[n];
        for (int i = 0; i < n; i++) {
            try {
                shape[i] = Long.parseLong(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IOException("invalid shape (" + tuple + ")");
            }
            if (shape[i] < 0) {
                throw new IOException("invalid shape (" + tuple + "): negative dimension");
            }
        }
        if (n == 1 && !t.endsWith(",")) {
            throw new IOException("invalid shape (" + tuple + "): a one-element tuple needs a trailing comma");
        }
        return shape;
    }

    private static byte[] readFully(InputStream in, int n, String what) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new EOFException("the .npy file ends inside its " + what + " (" + b.length + " of " + n
                    + " bytes)");
        }
        return b;
    }
}
