package org.gsamflink.pipeline.format;

/**
 * Makes text from a record safe to show: in a rejection's detail, a dead-letter header or a log line. Record
 * content is untrusted and unbounded (a 900 kB CSV cell, a JSON string with newlines, an invisible byte-order
 * mark), so every detail is one line of at most {@link #MAX_DETAIL_CHARS} characters, with control and invisible
 * characters written as escapes.
 */
public final class Details {

    /** Longest detail a rejection, a dead-letter header or a log line carries. */
    public static final int MAX_DETAIL_CHARS = 256;
    /** Longest piece of a record (a cell, a token) quoted inside a detail. */
    static final int MAX_QUOTED_CHARS = 32;
    private static final String ELLIPSIS = "…";

    private Details() {}

    /**
     * {@code text} as one line of at most {@link #MAX_DETAIL_CHARS} characters: {@code \n}, {@code \r} and
     * {@code \t} become those two-character escapes, other control, format (e.g. the byte-order mark U+FEFF),
     * line/paragraph separator and unassigned characters become backslash-u escapes of their hex code, and a longer
     * result is cut, ending in "…".
     */
    public static String oneLine(String text) {
        return escapeAndCut(text == null ? "" : text, MAX_DETAIL_CHARS);
    }

    /** A piece of a record to quote in a detail: escaped as {@link #oneLine}, at most 32 characters. */
    static String quote(String piece) {
        return escapeAndCut(piece, MAX_QUOTED_CHARS);
    }

    private static String escapeAndCut(String text, int maxChars) {
        StringBuilder sb = new StringBuilder(Math.min(text.length(), maxChars) + 8);
        int fitsWithEllipsis = 0;   // length at the last piece boundary that leaves room for the ellipsis
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            sb.append(escape(cp));
            i += Character.charCount(cp);
            if (sb.length() > maxChars) {
                sb.setLength(fitsWithEllipsis);
                return sb.append(ELLIPSIS).toString();
            }
            if (sb.length() <= maxChars - ELLIPSIS.length()) {
                fitsWithEllipsis = sb.length();
            }
        }
        return sb.toString();
    }

    private static String escape(int cp) {
        switch (cp) {
            case '\n':
                return "\\n";
            case '\r':
                return "\\r";
            case '\t':
                return "\\t";
            default:
                break;
        }
        int type = Character.getType(cp);
        boolean invisible = type == Character.CONTROL || type == Character.FORMAT
                || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
                || type == Character.SURROGATE || type == Character.UNASSIGNED;
        if (invisible) {
            return cp <= 0xFFFF ? String.format("\\u%04X", cp) : String.format("\\u{%X}", cp);
        }
        return new String(Character.toChars(cp));
    }
}
