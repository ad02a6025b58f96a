package org.sam3j.verify;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Interactive prompts (points, boxes; prompt encoder, two-way transformer, mask decoder, selection and
 * upsampling) against the official implementation's recorded outputs: every {@code inter*} key must
 * pass, none may be skipped, including the whole-only {@code inter<i>.iou} and {@code inter<i>.low_res_logits}.
 * The full-size check is part of {@link FullParityTest}.
 */
class InteractiveParityTest {
    @Test
    void tinyInteractiveMatchesTheReference() throws Exception {
        ParityAssertions.check("fixtures/sam3/tiny", List.of("inter"));
    }
}
