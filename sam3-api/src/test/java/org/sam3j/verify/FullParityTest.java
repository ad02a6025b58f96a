package org.sam3j.verify;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The released architecture (848M parameters) against the official implementation, every key of the
 * {@code full} fixtures in one run (one image encoding shared by all prompts): preprocessing, encoder,
 * concept and interactive prompts. Minutes of CPU: tagged {@code slow}.
 */
class FullParityTest {
    @Test
    @Tag("slow")
    void fullModelMatchesTheReference() throws Exception {
        ParityAssertions.check("fixtures/sam3/full", List.of("input", "image", "backbone", "text", "inter"));
    }
}
