package org.sam3j.verify;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The image encoder (preprocessing, PE ViT, both necks, position encodings) against the official
 * implementation's recorded outputs: every {@code input.*}, {@code hook.image.*} and {@code backbone.*}
 * probe must pass, none may be skipped.
 * The full-size check is part of {@link FullParityTest}.
 */
class EncoderParityTest {
    private static final List<String> PREFIXES = List.of("input", "image", "backbone");

    @Test
    void tinyEncoderMatchesTheReference() throws Exception {
        ParityAssertions.check("fixtures/sam3/tiny", PREFIXES);
    }

}
