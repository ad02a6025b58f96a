package org.sam3j.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.MaskResult;
import org.sam3j.testing.SharedData;
import org.sam3j.verify.FixtureCase;
import org.sam3j.verify.FixtureSet;

/** The text-prompt sample on the tiny synthetic model: instances as the reference, an overlay of the image's size. */
class TextPromptSampleTest {
    @Test
    void segmentsTheTruckAndWritesAnOverlay(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("overlay.png");
        MaskResult r = TextPromptSample.run("synthetic:tiny", SharedData.resolve("images/truck.jpg"), "truck", out,
                SharedData.resolve("tokenizer/bpe_simple_vocab_16e6.txt.gz"));
        long expected = 0;
        try (FixtureCase c = FixtureSet.open(SharedData.resolve("fixtures/sam3/tiny")).openCase("truck")) {
            for (float s : c.whole("text0.scores").orElseThrow().toFloats()) if (s > 0.5f) expected++;
        }
        assertEquals(expected, r.size(), "instances above the default threshold 0.5");
        BufferedImage png = ImageIO.read(out.toFile());
        assertEquals(1800, png.getWidth());
        assertEquals(1200, png.getHeight());
    }
}
