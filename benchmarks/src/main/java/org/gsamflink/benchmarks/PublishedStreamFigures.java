package org.gsamflink.benchmarks;

import java.util.List;

/**
 * Published prequential accuracies of tree learners on SEA and rotating-hyperplane streams, each with its source
 * and the generator settings it used, for {@link StreamsMain}'s table. Only figures read in their source are here.
 */
final class PublishedStreamFigures {

    /** One published figure: learner, stream, accuracy in percent, the source's settings and the citation. */
    record Figure(String learner, String stream, String accuracy, String settings, String source) {}

    static final List<Figure> FIGURES = List.of();

    private PublishedStreamFigures() {}

    /** The markdown section with the figures and how the settings differ from {@code examples}-long streams here. */
    static String table(int examples) {
        StringBuilder b = new StringBuilder("### Published figures for the same generators\n\n");
        b.append("| learner | stream | accuracy | their settings | source |\n|---|---|---:|---|---|\n");
        for (Figure f : FIGURES) {
            b.append("| ").append(f.learner()).append(" | ").append(f.stream()).append(" | ").append(f.accuracy())
                    .append(" | ").append(f.settings()).append(" | ").append(f.source()).append(" |\n");
        }
        return b.toString();
    }
}
