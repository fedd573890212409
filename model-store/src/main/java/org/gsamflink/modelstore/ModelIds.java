package org.gsamflink.modelstore;

/**
 * Validation of model ids. A model id names a directory directly under the store root, so it must be a single,
 * harmless path segment: 1 to {@value #MAX_LENGTH} characters from {@code [A-Za-z0-9._-]}, and neither {@code "."}
 * nor {@code ".."}. Separators ({@code /}, {@code \}), whitespace, control characters and every other character are
 * rejected, which keeps every path the store builds inside its root.
 */
public final class ModelIds {

    /** The longest model id accepted. */
    public static final int MAX_LENGTH = 128;

    /** Longest part of a rejected id quoted in an error message. */
    private static final int MAX_QUOTED = 64;

    private ModelIds() {
    }

    /**
     * Returns {@code id} unchanged when it is a valid model id.
     *
     * @throws IllegalArgumentException {@code "invalid model id '...': <reason>"} otherwise
     */
    public static String validate(String id) {
        String problem = problem(id);
        if (problem != null) {
            throw new IllegalArgumentException("invalid model id " + quote(id) + ": " + problem);
        }
        return id;
    }

    /** Whether {@code id} is a valid model id; never throws. */
    public static boolean isValid(String id) {
        return problem(id) == null;
    }

    /** What is wrong with {@code id} as a model id, or null when it is valid; never throws. */
    public static String problem(String id) {
        if (id == null) {
            return "a model id is required";
        }
        if (id.isEmpty()) {
            return "must be 1 to " + MAX_LENGTH + " characters long";
        }
        if (id.length() > MAX_LENGTH) {
            return "must be at most " + MAX_LENGTH + " characters long but has " + id.length();
        }
        if (id.equals(".") || id.equals("..")) {
            return "'.' and '..' are reserved path names";
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!isAllowed(c)) {
                String what = c == '/' || c == '\\' ? "path separator " : "character ";
                return what + describe(c) + " at index " + i + " is not allowed (allowed: A-Z a-z 0-9 . _ -)";
            }
        }
        return null;
    }

    private static boolean isAllowed(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '.' || c == '_' || c == '-';
    }

    private static String describe(char c) {
        if (c >= 0x20 && c < 0x7f) {
            return "'" + c + "'";
        }
        return String.format("U+%04X", (int) c);
    }

    /** The id as shown in messages: quoted, shortened, with non-printable characters escaped. */
    private static String quote(String id) {
        if (id == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder("'");
        int n = Math.min(id.length(), MAX_QUOTED);
        for (int i = 0; i < n; i++) {
            char c = id.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                sb.append(c);
            } else {
                sb.append(String.format("\\u%04x", (int) c));
            }
        }
        if (id.length() > MAX_QUOTED) {
            sb.append("...");
        }
        return sb.append('\'').toString();
    }
}
