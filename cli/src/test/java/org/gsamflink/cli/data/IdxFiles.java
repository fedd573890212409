package org.gsamflink.cli.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes small IDX files for tests. */
final class IdxFiles {

    private IdxFiles() {}

    /** The bytes of an IDX file of unsigned bytes with the given dimensions and data. */
    static byte[] idx(int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.put((byte) 0).put((byte) 0).put((byte) 0x08).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(data);
        return b.array();
    }

    /** n images of h×w whose pixel (i, p) is (i·7 + p) mod 256. */
    static byte[] images(int n, int h, int w) {
        byte[] data = new byte[n * h * w];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < h * w; p++) {
                data[i * h * w + p] = (byte) ((i * 7 + p) % 256);
            }
        }
        return idx(new int[] {n, h, w}, data);
    }

    /** n labels i mod classes. */
    static byte[] labels(int n, int classes) {
        byte[] data = new byte[n];
        for (int i = 0; i < n; i++) {
            data[i] = (byte) (i % classes);
        }
        return idx(new int[] {n}, data);
    }

    static Path write(Path file, byte[] bytes, boolean gzip) throws IOException {
        if (gzip) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            try (OutputStream out = new GZIPOutputStream(buf)) {
                out.write(bytes);
            }
            bytes = buf.toByteArray();
        }
        return Files.write(file, bytes);
    }
}
