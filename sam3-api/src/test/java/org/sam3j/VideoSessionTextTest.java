package org.sam3j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.sam3j.testing.SharedData;
import org.sam3j.text.ClipTokenizer;

/** The text prompt of the public video session: bad input gets one clear error before any frame is decoded. */
class VideoSessionTextTest {
    private static FrameSource blank(int n) {
        return new FrameSource() {
            @Override
            public int frameCount() {
                return n;
            }

            @Override
            public RgbImage read(int index) {
                throw new AssertionError("no frame should be decoded for bad input");
            }
        };
    }

    @Test
    void badTextPromptsAreRejectedBeforeAnyWork() throws IOException {
        try (Sam3Model model = Sam3Model.builder().syntheticWeights().config(Sam3Config.tiny())
                .tokenizer(SharedData.resolve("tokenizer/" + ClipTokenizer.BPE_FILE_NAME)).build();
             Sam3VideoPredictor p = model.newVideoPredictor();
             VideoSession s = p.open(blank(3))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.addText(0, "  "));
            assertTrue(e.getMessage().contains("blank"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> s.addText(3, "person"));
            assertEquals("frame 3 is outside the video's 3 frames", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> s.addText(-1, "person"));
            assertThrows(NullPointerException.class, () -> s.addText(0, null));
            // nothing was prompted: propagation refuses
            assertThrows(IllegalStateException.class, () -> s.propagate(r -> { }));
        }
    }
}
