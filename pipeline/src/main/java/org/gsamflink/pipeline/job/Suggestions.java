package org.gsamflink.pipeline.job;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * "Did you mean …?" for mistyped names: configuration keys here, options and commands in the command line. One
 * edit distance (Levenshtein: insertions, deletions and substitutions each cost 1) serves every place.
 */
public final class Suggestions {

    private Suggestions() {}

    /**
     * The candidates within {@code maxDistance} edits of {@code typed}, closest first (ties in name order), without
     * repeats, at most {@code limit} of them.
     */
    public static List<String> closest(String typed, Collection<String> candidates, int maxDistance, int limit) {
        record Candidate(String name, int distance) {}
        return candidates.stream().distinct()
                .map(name -> new Candidate(name, editDistance(typed, name)))
                .filter(c -> c.distance() <= maxDistance)
                .sorted(Comparator.comparingInt(Candidate::distance).thenComparing(Candidate::name))
                .limit(limit).map(Candidate::name).toList();
    }

    /** The Levenshtein distance between {@code a} and {@code b}. */
    public static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
