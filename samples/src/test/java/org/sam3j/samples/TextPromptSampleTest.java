package org.sam3j.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.MaskResult;
import org.sam3j.testing.SharedData;
import org.sam3j.verify.FixtureCase;
import org.sam3j.verify.FixtureSet;

/** The text-prompt sample on the tiny synthetic model: instances as the reference, an overlay of the image's size. */
@Tag("slow") // a model load and encode in the sample program; run by .ci/run after the default tests
class TextPromptSampleTest {
    @Test
    void segmentsTheTruckAndWritesAnOverlay(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("overlay.png");
        MaskResult r = TextPromptSample.run("synthetic:tiny", SharedData.resolve("images/truck.jpg"), "truck", 0.25f, out,
                SharedData.resolve("tokenizer/bpe_simple_vocab_16e6.txt.gz"));
        long kept = 0;
        long expected = 0;
        try (FixtureCase c = FixtureSet.open(SharedData.resolve("fixtures/sam3/tiny")).openCase("truck")) {
            for (float s : c.whole("text0.scores").orElseThrow().toFloats()) if (s > 0.25f) kept++;
            // instances are the kept queries with mask pixels
            for (float a : c.whole("text0.final_mask_area").orElseThrow().toFloats()) if (a > 0) expected++;
        }
        assertEquals(47, kept, "the reference keeps 47 queries at 0.25");
        assertEquals(46, expected, "one of them has an empty mask");
        assertEquals(expected, r.size(), "instances above 0.25 with pixels");
        BufferedImage png = ImageIO.read(out.toFile());
        assertEquals(1800, png.getWidth());
        assertEquals(1200, png.getHeight());
        // the best instance's mask is drawn: some pixel inside it differs from the photo
        org.sam3j.Mask m = r.best().orElseThrow().mask();
        BufferedImage photo = ImageIO.read(SharedData.resolve("images/truck.jpg").toFile());
        boolean changed = false;
        for (int y = 0; y < m.height() && !changed; y += 3)
            for (int x = 0; x < m.width() && !changed; x += 3)
                changed = m.get(x, y) && png.getRGB(x, y) != photo.getRGB(x, y);
        org.junit.jupiter.api.Assertions.assertTrue(changed, "overlay shows the mask");
    }
}
