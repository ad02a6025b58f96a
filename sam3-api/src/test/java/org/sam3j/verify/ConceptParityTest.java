package org.sam3j.verify;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Concept prompts (text, exemplar boxes, both) against the official implementation: token ids, text
 * encoder, geometry encoder, fusion encoder, decoder, scoring, segmentation head, raw outputs and the
 * post-processed instances; every {@code text*} key must pass, none may be skipped.
 * The full-size check is part of {@link FullParityTest}.
 */
class ConceptParityTest {
    private static final List<String> PREFIXES = List.of("text");

    @Test
    void tinyConceptPromptsMatchTheReference() throws Exception {
        ParityAssertions.check("fixtures/sam3/tiny", PREFIXES);
    }

}
