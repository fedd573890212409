package org.gsamflink.cli.data;

import org.gsamflink.pipeline.InvalidInputException;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/** Opening data files, plain or gzip-compressed (recognised by their magic bytes, not their name). */
final class DataFiles {

    private static final int BUFFER = 1 << 16;

    private DataFiles() {}

    /** Fails with a one-line {@link InvalidInputException} unless {@code file} is an existing, readable file. */
    static void checkReadableFile(Path file) {
        if (!Files.exists(file)) {
            throw new InvalidInputException(file + ": no such file");
        }
        if (Files.isDirectory(file)) {
            throw new InvalidInputException(file + ": is a directory, expected a file");
        }
        if (!Files.isReadable(file)) {
            throw new InvalidInputException(file + ": permission denied");
        }
    }

    /** True if the file starts with the gzip magic bytes 1f 8b. */
    static boolean isGzip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    /** Opens {@code file} for reading, decompressing it on the fly if it is gzip data. */
    static InputStream open(Path file) throws IOException {
        checkReadableFile(file);
        InputStream raw = Files.newInputStream(file);
        try {
            return isGzip(file) ? new BufferedInputStream(new GZIPInputStream(raw, BUFFER), BUFFER)
                    : new BufferedInputStream(raw, BUFFER);
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    /** The first {@code n} (decompressed) bytes of {@code file}, fewer if it is shorter. */
    static byte[] head(Path file, int n) throws IOException {
        try (InputStream in = open(file)) {
            return in.readNBytes(n);
        }
    }

    /** Turns an I/O failure while reading {@code file} into a one-line {@link InvalidInputException}. */
    static InvalidInputException readFailure(Path file, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new InvalidInputException(file + ": no such file", e);
        }
        if (e instanceof AccessDeniedException) {
            return new InvalidInputException(file + ": permission denied", e);
        }
        if (e instanceof ZipException || e instanceof EOFException) {
            return new InvalidInputException(file + ": corrupt or truncated gzip data (" + e.getMessage() + ")", e);
        }
        return new InvalidInputException(file + ": cannot read (" + e.getMessage() + ")", e);
    }
}
