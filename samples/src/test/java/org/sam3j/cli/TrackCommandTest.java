package org.sam3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.Mask;
import org.sam3j.Rle;
import org.sam3j.testing.SharedData;

/** {@code sam3 track}: bad input is one line before the model loads; a run writes one JSON line per frame. */
class TrackCommandTest {
    @TempDir
    Path dir;

    private static void expectOneLine(String message, String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(2, r.status(), r.err());
        assertEquals("sam3: " + message, r.err().strip(), String.join(" ", args));
        assertFalse(r.err().contains("\tat "), r.err());
    }

    /** A video of the first {@code n} frames of the official clip (copied: a video is a folder of frames). */
    private Path clip(int n) throws Exception {
        Path frames = Files.createDirectories(dir.resolve("clip"));
        for (int i = 0; i < n; i++) {
            Files.copy(SharedData.resolve("fixtures/sam3/video-tiny/" + i + ".jpg"), frames.resolve(i + ".jpg"));
        }
        return frames;
    }

    @Test
    void badInputIsOneLineBeforeTheModel() throws Exception {
        Path frames = clip(2);
        String f = frames.toString();
        expectOneLine("give at least one --point or --box", "track", "--weights", "synthetic", "--frames", f);
        expectOneLine("object 1 has both clicks and a box: give one", "track", "--weights", "synthetic", "--frames", f,
                "--point", "1:10,10", "--box", "1:0,0,20,20");
        expectOneLine("object 2 has two --box", "track", "--weights", "synthetic", "--frames", f,
                "--box", "2:0,0,20,20", "--box", "2:5,5,30,30");
        expectOneLine("--frame 5: the video has 2 frames (0 to 1)", "track", "--weights", "synthetic", "--frames", f,
                "--point", "1:10,10", "--frame", "5");
        expectOneLine("--frames " + dir.resolve("none") + ": not a directory", "track", "--weights", "synthetic",
                "--frames", dir.resolve("none").toString(), "--point", "1:10,10");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        expectOneLine("no .jpg/.jpeg/.png frame in " + empty, "track", "--weights", "synthetic", "--frames",
                empty.toString(), "--point", "1:10,10");
        CliRun bad = CliRun.of("track", "--weights", "synthetic", "--frames", f, "--point", "x:10,10");
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("the object ID must be a number"), bad.err());
        CliRun flat = CliRun.of("track", "--weights", "synthetic", "--frames", f, "--box", "1:10,10,10,40");
        assertEquals(2, flat.status());
        assertTrue(flat.err().contains("x1 > x0 and y1 > y0"), flat.err());
        assertFalse(Files.exists(Path.of("sam3-track")), "nothing written");
    }

    @Test
    void aClipIsTrackedIntoOneJsonLinePerFrame() throws Exception {
        Path frames = clip(1);
        Path out = dir.resolve("out");
        CliRun r = CliRun.of("track", "--weights", "synthetic", "--config", "tiny", "--threads", "2", "--frames",
                frames.toString(), "--point", "1:770,500", "--box", "2:995,95,1275,668", "--out", out.toString(), "--mask-png");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("2 objects through 1 frames"), r.out());
        List<String> lines = Files.readAllLines(out.resolve("tracks.jsonl"));
        assertEquals(1, lines.size());
        JsonNode frame0 = new ObjectMapper().readTree(lines.get(0));
        assertEquals(0, frame0.get("frame").asInt());
        assertEquals(2, frame0.get("objects").size());
        for (JsonNode o : frame0.get("objects")) {
            int id = o.get("id").asInt();
            assertTrue(id == 1 || id == 2, o.toString());
            Mask png = Mask.readPng(out.resolve("masks").resolve("0_" + id + ".png"));
            assertEquals(1280, png.width());
            assertEquals(720, png.height());
            assertEquals(png.area(), o.get("area").asLong(), "the PNG and the line describe the same mask");
            Mask fromRle = Mask.fromRle(Rle.fromMap(new ObjectMapper().convertValue(o.get("rle"), java.util.Map.class)));
            assertEquals(png, fromRle);
        }
        try (var s = Files.list(out)) {
            assertEquals(List.of("masks", "tracks.jsonl"), s.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temporary file left");
        }
    }
}
