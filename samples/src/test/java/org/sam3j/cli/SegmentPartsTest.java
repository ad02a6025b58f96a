package org.sam3j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.Box;
import org.sam3j.Prompt;
import org.sam3j.RgbImage;
import org.sam3j.testing.SharedData;
import picocli.CommandLine.TypeConversionException;

/** The pieces of {@code sam3 segment} that need no model: prompt options, images, progress, outputs, downloads. */
class SegmentPartsTest {

    @Test
    void boxAndPointOptionsParse() {
        PromptArgs.BoxArg b = new PromptArgs.BoxConverter().convert(" 10, 20.5,30,40:neg");
        assertEquals(new Box(10, 20.5f, 30, 40), b.box());
        assertFalse(b.positive());
        assertTrue(new PromptArgs.BoxConverter().convert("0,0,1,1:pos").positive());
        PromptArgs.PointArg p = new PromptArgs.PointConverter().convert("-0,7");
        assertEquals(0f, p.x());
        assertTrue(p.positive());
        for (String bad : List.of("1,2,3", "1,2,3,4,5", "a,b,c,d", "1,2,3,4:maybe", "3,0,1,1", "1,2,NaN,4", "")) {
            assertThrows(TypeConversionException.class, () -> new PromptArgs.BoxConverter().convert(bad), bad);
        }
        assertThrows(TypeConversionException.class, () -> new PromptArgs.PointConverter().convert("1"));
        assertThrows(TypeConversionException.class, () -> new PromptArgs.PointConverter().convert("1,Infinity"));
    }

    @Test
    void promptsAreBuiltAndScaledWithTheImage() {
        PromptArgs.BoxArg box = new PromptArgs.BoxConverter().convert("100,50,200,150");
        PromptArgs.BoxArg neg = new PromptArgs.BoxConverter().convert("0,0,10,10:neg");
        PromptArgs text = PromptArgs.of("truck", List.of(box, neg), List.of(), 0.3f);
        Prompt p = text.toPrompt(8000, 4000, 0.512, 0.512);
        assertEquals(Prompt.Kind.CONCEPT, p.kind());
        assertEquals(2, p.exemplars().size());
        Box scaled = p.exemplars().get(0).box();
        assertEquals(51.2f, scaled.x0(), 1e-3f);
        assertEquals(102.4f, scaled.x1(), 1e-3f);
        assertFalse(p.exemplars().get(1).positive());
        assertEquals(0.3, p.threshold().getAsDouble(), 1e-6);
        assertEquals("concept", text.toJson().get("kind"));

        PromptArgs inter = PromptArgs.of(null, List.of(box),
                List.of(new PromptArgs.PointConverter().convert("150,100"), new PromptArgs.PointConverter().convert("1,1:neg")), null);
        Prompt q = inter.toPrompt(400, 300, 1, 1);
        assertEquals(Prompt.Kind.INTERACTIVE, q.kind());
        assertEquals(2, q.points().size());
        assertFalse(q.points().get(1).positive());
        assertEquals(box.box(), q.boxOrNull());
        assertNull(inter.threshold());
        assertEquals(0.5f, PromptArgs.of("x", null, null, null).threshold());

        UserException e = assertThrows(UserException.class, () -> inter.toPrompt(120, 300, 1, 1));
        assertTrue(e.getMessage().contains("outside the 120x300 image"), e.getMessage());
        UserException empty = assertThrows(UserException.class,
                () -> PromptArgs.of("x", List.of(new PromptArgs.BoxConverter().convert("5,5,5,9")), null, null).toPrompt(10, 10, 1, 1));
        assertTrue(empty.getMessage().contains("empty"), empty.getMessage());
    }

    @Test
    void aDegenerateInteractiveBoxIsAcceptedAsByTheApi() {
        // Prompt.box(new Box(10, 10, 10, 10)) is a valid interactive prompt (two corner clicks on one pixel);
        // --box 10,10,10,10 used to be refused as empty
        PromptArgs.BoxArg point = new PromptArgs.BoxConverter().convert("10,10,10,10");
        Prompt p = PromptArgs.of(null, List.of(point), null, null).toPrompt(100, 100, 1, 1);
        assertEquals(Prompt.box(new Box(10, 10, 10, 10)).boxOrNull(), p.boxOrNull());
        assertEquals(Prompt.Kind.INTERACTIVE, p.kind());
    }

    @Test
    void promptCombinationsAreChecked() {
        PromptArgs.PointArg pt = new PromptArgs.PointConverter().convert("1,1");
        PromptArgs.BoxArg box = new PromptArgs.BoxConverter().convert("0,0,2,2");
        PromptArgs.BoxArg neg = new PromptArgs.BoxConverter().convert("0,0,2,2:neg");
        assertMessage("empty", () -> PromptArgs.of(" ", null, null, null));
        assertMessage("cannot be combined with --text", () -> PromptArgs.of("x", null, List.of(pt), null));
        assertMessage("no prompt", () -> PromptArgs.of(null, null, null, null));
        assertMessage("at most one --box", () -> PromptArgs.of(null, List.of(box, box), null, null));
        assertMessage("needs --text", () -> PromptArgs.of(null, List.of(neg), null, null));
        assertMessage("--threshold applies to text prompts", () -> PromptArgs.of(null, null, List.of(pt), 0.5f));
        assertMessage("[0, 1]", () -> PromptArgs.of("x", null, null, -0.1f));
    }

    private static void assertMessage(String phrase, Runnable r) {
        UserException e = assertThrows(UserException.class, r::run);
        assertTrue(e.getMessage().contains(phrase), e.getMessage());
    }

    @Test
    void progressLineShowsRateAndEta() {
        assertEquals("segment   0% |          | 0/4 images  -- img/s  ETA --:--",
                BatchProgress.format(0, 4, 0, 4, Duration.ofSeconds(3)));
        assertEquals("segment  50% |█████     | 2/4 images  0.10 img/s  ETA 0:20",
                BatchProgress.format(2, 4, 2, 2, Duration.ofSeconds(20)));
        // skipped images count as done but not towards the rate
        assertEquals("segment  75% |███████▌  | 3/4 images  0.05 img/s  ETA 0:20",
                BatchProgress.format(3, 4, 1, 1, Duration.ofSeconds(20)));
        assertEquals("segment 100% |██████████| 4/4 images  40 img/s  ETA 0:00",
                BatchProgress.format(4, 4, 4, 0, Duration.ofMillis(100)));
        assertEquals("1:01:01", BatchProgress.clock(3661));

        StringWriter sw = new StringWriter();
        AtomicLong now = new AtomicLong();
        BatchProgress tty = new BatchProgress(new PrintWriter(sw), true, 2, 2, now::get);
        tty.show();
        now.set(10_000_000_000L);
        tty.imageDone();
        StringWriter other = new StringWriter();
        tty.println(new PrintWriter(other), "ok a.jpg");
        tty.finish();
        String drawn = sw.toString();
        assertTrue(drawn.startsWith("\rsegment   0%"), drawn);
        assertTrue(drawn.contains("\rsegment  50% |█████     | 1/2 images  0.10 img/s  ETA 0:10"), drawn);
        assertTrue(drawn.endsWith(System.lineSeparator()), "the line is ended at the finish");
        assertEquals("ok a.jpg" + System.lineSeparator(), other.toString());
    }

    @Test
    void hugeImagesAreScaledDownKeepingTheAspect(@TempDir Path dir) throws Exception {
        Path wide = dir.resolve("wide.png");
        ImageIO.write(new BufferedImage(5000, 40, BufferedImage.TYPE_3BYTE_BGR), "png", wide.toFile());
        ImageInput.Loaded l = ImageInput.load(wide);
        assertTrue(l.scaled());
        assertEquals(4096, l.image().width());
        assertEquals(33, l.image().height());
        assertEquals(5000, l.originalWidth());
        RgbImage tall = RgbImage.of(3, 9000, new byte[3 * 9000 * 3]);
        RgbImage t = ImageInput.scaleDown(tall, 4096);
        assertEquals(4096, t.height());
        assertEquals(1, t.width());
        RgbImage same = RgbImage.of(4096, 2, new byte[4096 * 2 * 3]);
        assertTrue(ImageInput.scaleDown(same, 4096) == same, "4096 on a side is kept as is");
        assertFalse(ImageInput.load(SharedData.resolve("images/truck.jpg")).scaled());
    }

    @Test
    void imageSourcesAndBatchListing(@TempDir Path dir) throws Exception {
        assertEquals("truck", ImageInput.parse("photos/truck.jpg").stem());
        ImageInput.Source u = ImageInput.parse("https://example.com/a/my%20photo.JPG?x=1");
        assertTrue(u.isUrl());
        assertEquals("my_photo", u.stem());
        assertEquals("image", ImageInput.parse("http://example.com/").stem());
        assertMessage("unsupported URL scheme", () -> ImageInput.parse("ftp://example.com/a.jpg"));
        assertMessage("empty", () -> ImageInput.parse(" "));

        for (String n : List.of("b.PNG", "a.jpg", "a.png", "c.webp", "d.Bmp", "e.jpeg", "notes.txt", ".hidden.jpg", "f.gif")) {
            Files.write(dir.resolve(n), new byte[] {1});
        }
        Files.createDirectories(dir.resolve("sub.jpg"));
        List<Path> images = ImageInput.list(dir);
        assertEquals(List.of("a.jpg", "a.png", "b.PNG", "c.webp", "d.Bmp", "e.jpeg"),
                images.stream().map(p -> p.getFileName().toString()).toList());
        Map<Path, String> names = ImageInput.outputNames(images);
        assertEquals(List.of("a.jpg", "a.png", "b", "c", "d", "e"), List.copyOf(names.values()));
        assertMessage("no images", () -> {
            try {
                ImageInput.list(dir.resolve("sub.jpg"));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void tokenizerDefaultsToTheSharedFolder(@TempDir Path dir) throws Exception {
        Path tok = dir.resolve("shared/tokenizer/bpe_simple_vocab_16e6.txt.gz");
        Files.createDirectories(tok.getParent());
        Files.write(tok, new byte[] {1});
        Path project = Files.createDirectories(dir.resolve("project"));
        assertEquals(tok, ModelOptions.defaultTokenizer(k -> null, project));
        assertEquals(tok, ModelOptions.defaultTokenizer(k -> k.equals("SAM3_SHARED") ? dir.resolve("shared").toString() : null,
                dir.resolve("elsewhere")));
        assertNull(ModelOptions.defaultTokenizer(k -> null, dir.resolve("a/b")));
        assertNull(ModelOptions.defaultTokenizer(k -> dir.resolve("nothing").toString(), dir.resolve("a/b")));
    }

    @Test
    void outputsAreWrittenAtomicallyAndLeftoversOfAnInterruptedRunAreRemoved(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("result.json"), "{}");
        Files.writeString(dir.resolve(".mask_3.png.5f3a.tmp"), "half");
        Files.writeString(dir.resolve(".result.json.1.tmp"), "half");
        Files.writeString(dir.resolve(".raw.safetensors.123.tmp"), "half");
        Files.writeString(dir.resolve(".mine.tmp"), "a user's file");
        SegmentOutput.prepare(dir, "raw.safetensors");
        assertFalse(Files.exists(dir.resolve("result.json")), "incomplete until result.json is written again");
        assertEquals(List.of(".mine.tmp"), Files.list(dir).map(p -> p.getFileName().toString()).toList());
        SegmentOutput.writeResult(dir, Map.of("a", 1));
        assertEquals("{\n  \"a\" : 1\n}", Files.readString(dir.resolve("result.json")).replace("\r", ""));
        assertTrue(SegmentOutput.isComplete(dir));
        assertTrue(SegmentOutput.isOurTemp(".overlay.png.ab12.tmp", null));
        assertFalse(SegmentOutput.isOurTemp("mask_1.png", null));
        assertFalse(SegmentOutput.isOurTemp(".raw.safetensors.1.tmp", null));
    }

    @Test
    void urlsAreDownloadedWithRedirectsAndFailuresAreOneLine() throws Exception {
        byte[] jpeg = Files.readAllBytes(SharedData.resolve("images/truck.jpg"));
        try (LoopbackServer server = LoopbackServer.start()) {
            server.serve("/img/truck.jpg", 200, jpeg);
            server.redirect("/moved", "/img/truck.jpg");
            server.serve("/missing.jpg", 404, "not here".getBytes());
            server.stall("/slow.jpg", 5_000);
            Path f = ImageInput.download(server.uri("/moved"), Duration.ofSeconds(20));
            try {
                assertArrayEquals(jpeg, Files.readAllBytes(f));
            } finally {
                Files.deleteIfExists(f);
            }
            IOException nf = assertThrows(IOException.class,
                    () -> ImageInput.download(server.uri("/missing.jpg"), Duration.ofSeconds(20)));
            assertTrue(nf.getMessage().contains("HTTP 404"), nf.getMessage());
            IOException slow = assertThrows(IOException.class,
                    () -> ImageInput.download(server.uri("/slow.jpg"), Duration.ofMillis(500)));
            assertTrue(slow.getMessage().startsWith("cannot download ") && slow.getMessage().contains("time"), slow.getMessage());
        }
    }
}
