package org.gsamflink.pipeline.job;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SuggestionsTest {

    @Test
    void editDistanceCountsInsertionsDeletionsAndSubstitutions() {
        assertThat(Suggestions.editDistance("", "")).isZero();
        assertThat(Suggestions.editDistance("alpha", "alpha")).isZero();
        assertThat(Suggestions.editDistance("alhpa", "alpha")).isEqualTo(2);
        assertThat(Suggestions.editDistance("rho", "rhos")).isEqualTo(1);
        assertThat(Suggestions.editDistance("kitten", "sitting")).isEqualTo(3);
        assertThat(Suggestions.editDistance("", "abc")).isEqualTo(3);
    }

    @Test
    void closestSortsByDistanceThenNameAndRespectsTheBounds() {
        List<String> names = List.of("gsam.rho", "gsam.alpha", "gsam.seed", "gsam.rho", "model.seed");

        assertThat(Suggestions.closest("gsam.rhoo", names, 2, 3)).containsExactly("gsam.rho");
        assertThat(Suggestions.closest("gsam.sed", names, 3, 3)).containsExactly("gsam.seed", "gsam.rho");
        assertThat(Suggestions.closest("gsam.sed", names, 3, 1)).containsExactly("gsam.seed");
        assertThat(Suggestions.closest("zzz", names, 2, 3)).isEmpty();
    }
}
