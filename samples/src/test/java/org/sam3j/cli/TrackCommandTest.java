package org.sam3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.FrameSource;
import org.sam3j.Mask;
import org.sam3j.RgbImage;
import org.sam3j.Rle;
import org.sam3j.ffmpeg.FFmpegVideoSource;
import org.sam3j.ffmpeg.FFmpegVideoWriter;
import org.sam3j.testing.SharedData;

/**
 * {@code sam3 track}: bad input is one line before the model loads; a run writes one JSON line per frame as it
 * completes, progress on stderr, masks and an overlay video; {@code --resume} continues a torn file.
 */
class TrackCommandTest {
    @TempDir
    Path dir;

    private static void expectOneLine(String message, String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(2, r.status(), r.err());
        assertEquals("sam3: " + message, r.err().strip(), String.join(" ", args));
        assertFalse(r.err().contains("\tat "), r.err());
    }

    /** A folder of the first {@code n} frames of the official clip. */
    private Path clip(int n) throws Exception {
        Path frames = Files.createDirectories(dir.resolve("clip"));
        for (int i = 0; i < n; i++) {
            Files.copy(SharedData.resolve("fixtures/sam3/video-tiny/" + i + ".jpg"), frames.resolve(i + ".jpg"));
        }
        return frames;
    }

    /** The first {@code n} frames of the official clip as a Motion-JPEG AVI at 10 frames/s. */
    private Path avi(int n) throws Exception {
        return video(n, "avi");
    }

    /** The first {@code n} frames of the official clip as a video file at 10 frames/s (.avi: Motion-JPEG, .mp4: H.264). */
    private Path video(int n, String extension) throws Exception {
        Path file = dir.resolve("clip" + n + "." + extension);
        FrameSource src = FrameSource.folder(SharedData.resolve("fixtures/sam3/video-tiny"));
        try (FFmpegVideoWriter w = FFmpegVideoWriter.create(file, 10, 1280, 720)) {
            for (int i = 0; i < n; i++) w.write(src.read(i));
        }
        return file;
    }

    /** A 1280x720 mask PNG: the rectangle [x0, x1) x [y0, y1). */
    private Path maskPng(String name, int x0, int y0, int x1, int y1) throws Exception {
        boolean[] m = new boolean[1280 * 720];
        for (int y = y0; y < y1; y++) for (int x = x0; x < x1; x++) m[y * 1280 + x] = true;
        Path file = dir.resolve(name);
        Mask.of(m, 1280, 720).writePng(file);
        return file;
    }

    @Test
    void badTextInputIsOneLineBeforeTheModel() throws Exception {
        String f = clip(2).toString();
        String combined = "--text finds its own objects: it cannot be combined with --point, --box, --mask or --object";
        expectOneLine(combined, "track", "--weights", "synthetic", "--video", f, "--text", "person", "--point", "0:10,10");
        expectOneLine(combined, "track", "--weights", "synthetic", "--video", f, "--box", "0:0,0,20,20", "--text", "person");
        expectOneLine(combined, "track", "--weights", "synthetic", "--video", f, "--text", "person", "--object", "2");
        expectOneLine("--text: the phrase is blank", "track", "--weights", "synthetic", "--video", f, "--text", " ");
        expectOneLine("--text-frame needs --text", "track", "--weights", "synthetic", "--video", f, "--point", "0:10,10",
                "--text-frame", "1");
        expectOneLine("--text-frame 2: frame 2 is outside the video's 2 frames (0 to 1)", "track", "--weights",
                "synthetic", "--video", f, "--text", "person", "--text-frame", "2");
        expectOneLine("--resume restarts from masks, which a --text run cannot take", "track", "--weights", "synthetic",
                "--video", f, "--text", "person", "--resume");
        assertFalse(Files.exists(Path.of("sam3-track")), "nothing written");
    }

    /**
     * A text-prompted run on two frames (the tiny synthetic model, so whatever it detects): one line per frame in
     * order, every object's RLE describing its area and box, the summary counting the objects written.
     */
    @Test
    @Tag("slow")
    void aTextIsTrackedIntoOneJsonLinePerFrame() throws Exception {
        Path out = dir.resolve("text-out");
        CliRun r = CliRun.of("track", "--weights", "synthetic", "--config", "tiny", "--threads", "2", "--tokenizer",
                SharedData.resolve("tokenizer/bpe_simple_vocab_16e6.txt.gz").toString(), "--video", clip(2).toString(),
                "--text", "person", "--out", out.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        System.out.print(r.out());
        List<String> lines = Files.readAllLines(out.resolve("tracks.jsonl"));
        assertEquals(2, lines.size());
        java.util.Set<Integer> ids = new java.util.TreeSet<>();
        for (int t = 0; t < 2; t++) {
            JsonNode line = new ObjectMapper().readTree(lines.get(t));
            assertEquals(t, line.get("frame").asInt());
            for (JsonNode o : line.get("objects")) {
                ids.add(o.get("id").asInt());
                Mask m = Mask.fromRle(Rle.fromMap(new ObjectMapper().convertValue(o.get("rle"), Map.class)));
                assertEquals(1280, m.width());
                assertEquals(m.area(), o.get("area").asLong(), o.toString());
            }
        }
        assertTrue(r.out().contains(ids.size() + " objects through 2 frames"), r.out());
    }

    @Test
    void badInputIsOneLineBeforeTheModel() throws Exception {
        Path frames = clip(2);
        String f = frames.toString();
        expectOneLine("give --text, or at least one --point, --box or --mask", "track", "--weights", "synthetic", "--video", f);
        expectOneLine("object 1 has both clicks and a box on frame 0: give one", "track", "--weights", "synthetic",
                "--video", f, "--point", "0:10,10", "--box", "0:0,0,20,20");
        expectOneLine("object 2 has two --box on frame 1", "track", "--weights", "synthetic", "--frames", f,
                "--object", "2", "--box", "1:0,0,20,20", "--box", "1:5,5,30,30");
        expectOneLine("--point 5:10,10: frame 5 is outside the video's 2 frames (0 to 1)", "track", "--weights",
                "synthetic", "--video", f, "--point", "5:10,10");
        expectOneLine("--point 0:5000,10: (5000.0, 10.0) is outside the frame [0, 1280] x [0, 720]", "track",
                "--weights", "synthetic", "--video", f, "--point", "0:5000,10");
        expectOneLine("--video " + dir.resolve("none") + ": no such file or directory", "track", "--weights", "synthetic",
                "--video", dir.resolve("none").toString(), "--point", "0:10,10");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        expectOneLine("no .jpg/.jpeg/.png frame in " + empty, "track", "--weights", "synthetic", "--video",
                empty.toString(), "--point", "0:10,10");
        expectOneLine("--object x: the object ID must be a number >= 0", "track", "--weights", "synthetic", "--video", f,
                "--object", "x", "--point", "0:10,10");
        expectOneLine("--point 1:10: expected f:x,y[:neg]", "track", "--weights", "synthetic", "--video", f,
                "--point", "1:10");
        expectOneLine("--box 0:10,10,10,40: a box needs x1 > x0 and y1 > y0", "track", "--weights", "synthetic",
                "--video", f, "--box", "0:10,10,10,40");
        expectOneLine("--fps needs a video file (a folder of frames has no frame rate)", "track", "--weights",
                "synthetic", "--video", f, "--fps", "5", "--point", "0:10,10");
        expectOneLine("--overlay o.gif: name it .mp4, .mov or .mkv (H.264) or .avi (Motion-JPEG)", "track",
                "--weights", "synthetic", "--video", f, "--overlay", "o.gif", "--point", "0:10,10");
        Path junk = Files.write(dir.resolve("junk.mp4"), new byte[] {0, 0, 0, 24, 'f', 't', 'y', 'p'});
        CliRun bad = CliRun.of("track", "--weights", "synthetic", "--video", junk.toString(), "--point", "0:10,10");
        assertEquals(2, bad.status(), bad.err());
        assertTrue(bad.err().strip().startsWith("sam3: cannot decode video " + junk), bad.err());
        assertEquals(1, bad.err().strip().lines().count(), bad.err());
        Path avi = avi(2);
        expectOneLine("--point 2:10,10: frame 2 is outside the video's 2 frames (0 to 1)", "track", "--weights",
                "synthetic", "--video", avi.toString(), "--point", "2:10,10");
        assertFalse(Files.exists(Path.of("sam3-track")), "nothing written");
    }

    @Test
    void badDirectionAndMaskPromptsAreOneLineBeforeTheModel() throws Exception {
        String f = clip(2).toString();
        String mask = maskPng("m.png", 10, 10, 50, 50).toString();
        expectOneLine("--direction sideways: expected forward or backward", "track", "--weights", "synthetic", "--video", f,
                "--point", "0:10,10", "--direction", "sideways");
        expectOneLine("--direction backward: a --text run tracks forward from --text-frame only", "track", "--weights",
                "synthetic", "--video", f, "--text", "person", "--direction", "backward");
        expectOneLine("--resume continues forward runs only, not --direction backward", "track", "--weights", "synthetic",
                "--video", f, "--point", "1:10,10", "--direction", "backward", "--resume");
        expectOneLine("--mask 0: expected f:FILE.png", "track", "--weights", "synthetic", "--video", f, "--mask", "0");
        expectOneLine("--mask x:" + mask + ": the frame must be a number >= 0 (f:FILE.png)", "track", "--weights",
                "synthetic", "--video", f, "--mask", "x:" + mask);
        Path none = dir.resolve("none.png");
        expectOneLine("--mask 0:" + none + ": no such file " + none, "track", "--weights", "synthetic", "--video", f,
                "--mask", "0:" + none);
        expectOneLine("object 1 has a --mask and clicks on frame 0: give one", "track", "--weights", "synthetic", "--video",
                f, "--point", "0:10,10", "--mask", "0:" + mask);
        expectOneLine("object 2 has a --mask and a box on frame 1: give one", "track", "--weights", "synthetic", "--video",
                f, "--object", "2", "--mask", "1:" + mask, "--box", "1:0,0,20,20");
        expectOneLine("object 1 has two --mask on frame 0: give one", "track", "--weights", "synthetic", "--video", f,
                "--mask", "0:" + mask, "--mask", "0:" + mask);
        expectOneLine("--mask 2:" + mask + ": frame 2 is outside the video's 2 frames (0 to 1)", "track", "--weights",
                "synthetic", "--video", f, "--mask", "2:" + mask);
        Path small = dir.resolve("small.png");
        Mask.of(new boolean[100], 10, 10).writePng(small);
        expectOneLine("--mask 0:" + small + ": the mask is 10x10, the video 1280x720", "track", "--weights", "synthetic",
                "--video", f, "--mask", "0:" + small);
        Path junk = Files.writeString(dir.resolve("junk.png"), "not an image");
        expectOneLine("--mask 0:" + junk + ": not an image file", "track", "--weights", "synthetic", "--video", f,
                "--mask", "0:" + junk);
        assertFalse(Files.exists(Path.of("sam3-track")), "nothing written");
    }

    @Test
    @Tag("slow") // tracks a video end to end (about 20 s); the video tests of sam3-api cover tracking by default
    void aVideoFileIsTrackedIntoOneJsonLinePerFrameWithProgressAndOverlay() throws Exception {
        Path video = avi(1);
        Path out = dir.resolve("out");
        Path overlay = dir.resolve("overlay.avi");
        CliRun r = CliRun.of("track", "--weights", "synthetic", "--config", "tiny", "--threads", "2", "--video",
                video.toString(), "--point", "0:770,500", "--object", "2", "--box", "0:995,95,1275,668",
                "--object", "3", "--mask", "0:" + maskPng("m3.png", 100, 200, 300, 400),
                "--out", out.toString(), "--mask-png", "--overlay", overlay.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("3 objects through 1 frames"), r.out());
        assertTrue(r.err().contains("1/1 frames") && r.err().contains("frames/s") && r.err().contains("ETA"), r.err());
        List<String> lines = Files.readAllLines(out.resolve("tracks.jsonl"));
        assertEquals(1, lines.size());
        JsonNode frame0 = new ObjectMapper().readTree(lines.get(0));
        assertEquals(0, frame0.get("frame").asInt());
        assertEquals(0.0, frame0.get("time").asDouble());
        assertEquals(3, frame0.get("objects").size());
        for (JsonNode o : frame0.get("objects")) {
            int id = o.get("id").asInt();
            assertTrue(id >= 1 && id <= 3, o.toString());
            Mask png = Mask.readPng(out.resolve("masks").resolve("0_" + id + ".png"));
            assertEquals(1280, png.width());
            assertEquals(720, png.height());
            assertEquals(png.area(), o.get("area").asLong(), "the PNG and the line describe the same mask");
            Mask fromRle = Mask.fromRle(Rle.fromMap(new ObjectMapper().convertValue(o.get("rle"), Map.class)));
            assertEquals(png, fromRle);
            if (id == 3) {   // a mask prompt is the output on its frame (through the tracker's low-resolution mask)
                double iou = Mask.readPng(dir.resolve("m3.png")).iou(png);
                assertTrue(iou > 0.98, "object 3's mask prompt came out with IoU " + iou);
            }
        }
        try (FFmpegVideoSource ov = FFmpegVideoSource.open(overlay)) {
            assertEquals(1, ov.frameCount(), "the overlay video decodes");
            assertEquals(1280, ov.width());
        }
        CliRun again = CliRun.of("track", "--weights", "synthetic", "--video", video.toString(), "--point", "0:770,500",
                "--out", out.toString());
        assertEquals(2, again.status());
        assertTrue(again.err().contains("tracks.jsonl exists: pass --resume"), again.err());
    }

    /**
     * An H.264 MP4 tracked backward from a mask prompt on its last frame: one line per frame from frame 1 down to 0,
     * and an MP4 overlay with both frames, the object tinted and the rest of the picture kept.
     */
    @Test
    @Tag("slow") // two image encodes
    void anMp4IsTrackedBackwardIntoAnMp4Overlay() throws Exception {
        Path video = video(2, "mp4");
        Path out = dir.resolve("backward");
        Path overlay = dir.resolve("overlay.mp4");
        CliRun r = CliRun.of("track", "--weights", "synthetic", "--config", "tiny", "--threads", "2", "--video",
                video.toString(), "--mask", "1:" + maskPng("m1.png", 200, 100, 600, 400), "--direction", "backward",
                "--out", out.toString(),
                "--overlay", overlay.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("1 objects through 2 frames"), r.out());
        List<String> lines = Files.readAllLines(out.resolve("tracks.jsonl"));
        assertEquals(2, lines.size());
        JsonNode[] frames = {new ObjectMapper().readTree(lines.get(0)), new ObjectMapper().readTree(lines.get(1))};
        assertEquals(1, frames[0].get("frame").asInt());
        assertEquals(0.1, frames[0].get("time").asDouble(), 1e-9);
        assertEquals(0, frames[1].get("frame").asInt());
        try (FFmpegVideoSource ov = FFmpegVideoSource.open(overlay); FFmpegVideoSource in = FFmpegVideoSource.open(video)) {
            assertEquals(2, ov.frameCount());
            assertEquals(10.0, ov.fps(), 1e-9);
            for (int k = 0; k < 2; k++) {   // the overlay runs in processing order: frame 1, then frame 0
                RgbImage drawn = ov.read(k);
                RgbImage plain = in.read(1 - k);
                JsonNode o = frames[k].get("objects").get(0);
                Mask m = Mask.fromRle(Rle.fromMap(new ObjectMapper().convertValue(o.get("rle"), Map.class)));
                boolean[] inside = m.toBooleanArray();
                double[] diff = new double[2];
                long[] count = new long[2];
                byte[] a = drawn.rgb();
                byte[] b = plain.rgb();
                for (int i = 0; i < inside.length; i++) {
                    int c = inside[i] ? 1 : 0;
                    for (int ch = 0; ch < 3; ch++) diff[c] += Math.abs((a[3 * i + ch] & 0xFF) - (b[3 * i + ch] & 0xFF));
                    count[c] += 3;
                }
                // frame 1 has the prompted rectangle; frame 0 whatever the synthetic weights track (maybe nothing)
                if (k == 0) assertTrue(m.iou(Mask.readPng(dir.resolve("m1.png"))) > 0.98, "the mask prompt is frame 1's mask");
                double outsideDiff = count[0] == 0 ? 0 : diff[0] / count[0];
                assertTrue(outsideDiff < 6, "outside the mask the overlay is the frame: " + outsideDiff);
                if (count[1] > 0) {
                    double insideDiff = diff[1] / count[1];
                    assertTrue(insideDiff > 2 * outsideDiff + 10, "inside it is tinted: " + insideDiff + " vs " + outsideDiff);
                }
            }
        }
    }

    /**
     * {@code --resume} keeps the complete lines, cuts a torn one and continues after the last written frame from
     * its masks (a hand-written line here: object 3's mask on frame 0).
     */
    @Test
    @Tag("slow")
    void resumeContinuesAfterTheLastCompleteLine() throws Exception {
        Path video = avi(2);
        Path out = Files.createDirectories(dir.resolve("resumed"));
        boolean[] m = new boolean[1280 * 720];
        for (int y = 100; y < 400; y++) for (int x = 200; x < 600; x++) m[y * 1280 + x] = true;
        Mask mask = Mask.of(m, 1280, 720);
        String line0 = new ObjectMapper().writeValueAsString(Map.of("frame", 0, "objects",
                List.of(Map.of("id", 3, "rle", mask.toRle().toMap()))));
        Files.writeString(out.resolve("tracks.jsonl"), line0 + "\n{\"frame\": 1, \"obj", StandardCharsets.UTF_8);
        CliRun r = CliRun.of("track", "--weights", "synthetic", "--config", "tiny", "--threads", "2", "--video",
                video.toString(), "--object", "3", "--point", "0:770,500", "--out", out.toString(), "--resume");
        assertEquals(0, r.status(), r.err());
        List<String> lines = Files.readAllLines(out.resolve("tracks.jsonl"));
        assertEquals(2, lines.size(), lines.toString());
        assertEquals(line0, lines.get(0));
        JsonNode frame1 = new ObjectMapper().readTree(lines.get(1));
        assertEquals(1, frame1.get("frame").asInt());
        assertEquals(3, frame1.get("objects").get(0).get("id").asInt());
        CliRun done = CliRun.of("track", "--weights", "synthetic", "--video", video.toString(), "--object", "3",
                "--point", "0:770,500", "--out", out.toString(), "--resume");
        assertEquals(0, done.status(), done.err());
        assertTrue(done.out().contains("already complete"), done.out());
    }
}
