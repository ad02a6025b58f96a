package org.sam3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.io.SafetensorsWriter;
import org.sam3j.io.StoredTensor;
import org.sam3j.testing.SharedData;

/**
 * The bad-input table of {@code sam3 segment}: every case is one line on stderr that names the problem, exit
 * status 2, no stack trace, and no output directory. None of them runs the model: the options, the image and
 * the checkpoint are checked before any image is encoded.
 */
class SegmentBadInputTest {
    @TempDir
    static Path dir;
    private static LoopbackServer server;
    private static String truck;
    private static String tokenizer;

    @BeforeAll
    static void files() throws Exception {
        truck = SharedData.resolve("images/truck.jpg").toString();
        tokenizer = SharedData.resolve("tokenizer/bpe_simple_vocab_16e6.txt.gz").toString();
        byte[] jpeg = Files.readAllBytes(Path.of(truck));
        Files.write(dir.resolve("truncated.jpg"), Arrays.copyOf(jpeg, jpeg.length / 2));
        Files.write(dir.resolve("empty.jpg"), new byte[0]);
        Files.writeString(dir.resolve("text.png"), "this is not a picture\n");
        Files.write(dir.resolve("zero.png"), zeroWidthPng());
        Files.write(dir.resolve("photo.webp"), "RIFF\u0010\0\0\0WEBPVP8 \0\0\0\0\0\0\0\0".getBytes("ISO-8859-1"));
        Files.writeString(dir.resolve("drawing.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>");
        Files.write(dir.resolve("corrupt.safetensors"), new byte[] {1, 2, 3});
        byte[] random = new byte[100_000];
        new java.util.Random(3).nextBytes(random);
        random[8] = 'z';
        Files.write(dir.resolve("random.pt"), random);
        String pos = "detector.backbone.vision_backbone.trunk.pos_embed";
        // a SAM 3 key with the wrong shape (and nothing else)
        Path wrong = Files.createDirectories(dir.resolve("wrong"));
        SafetensorsWriter.write(wrong.resolve("model.safetensors"),
                List.of(StoredTensor.ofFloats(pos, new long[] {1, 5, 1024}, new float[5 * 1024])), Map.of());
        // a valid header whose data is cut short
        Path full = dir.resolve("full.safetensors");
        SafetensorsWriter.write(full, List.of(StoredTensor.ofFloats(pos, new long[] {1, 577, 1024}, new float[577 * 1024])), Map.of());
        byte[] b = Files.readAllBytes(full);
        Files.write(dir.resolve("truncated.safetensors"), Arrays.copyOf(b, b.length - 4096));
        Files.writeString(dir.resolve("bad-config.json"), "{\"vit_depth\": 2, \"vit_global_blocks\": [1], \"depth\": 3}");
        Files.writeString(dir.resolve("broken-config.json"), "{\"vit_depth\": ");
        Files.createDirectories(dir.resolve("no-images"));
        Files.writeString(dir.resolve("no-images/readme.txt"), "nothing to see");
        server = LoopbackServer.start();
        server.serve("/gone.jpg", 404, "no".getBytes());
        server.serve("/page.jpg", 200, "<html>not an image</html>".getBytes());
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    /** A PNG whose header says 0 × 10 pixels (valid signature and CRCs). */
    private static byte[] zeroWidthPng() {
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(0).putInt(10).put((byte) 8).put((byte) 2).put((byte) 0)
                .put((byte) 0).put((byte) 0);
        List<byte[]> parts = List.of(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'},
                chunk("IHDR", ihdr.array()), chunk("IEND", new byte[0]));
        ByteBuffer all = ByteBuffer.allocate(parts.stream().mapToInt(a -> a.length).sum());
        parts.forEach(all::put);
        return all.array();
    }

    private static byte[] chunk(String type, byte[] data) {
        CRC32 crc = new CRC32();
        crc.update(type.getBytes());
        crc.update(data);
        return ByteBuffer.allocate(12 + data.length).putInt(data.length).put(type.getBytes()).put(data)
                .putInt((int) crc.getValue()).array();
    }

    private static String p(String name) {
        return dir.resolve(name).toString();
    }

    /** {@code segment} with synthetic tiny weights, the shared tokenizer, an output under the temp dir, and more. */
    private static String[] synthetic(String... more) {
        List<String> a = new ArrayList<>(List.of("segment", "--weights", "synthetic", "--config", "tiny",
                "--tokenizer", tokenizer, "--out", p("out")));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    private static String[] withModel(String model, String... more) {
        List<String> a = new ArrayList<>(List.of("segment", "--model", model, "--config", "tiny", "--out", p("out")));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    private static void expect(String phrase, String... args) {
        CliRun r = CliRun.of(args);
        String what = String.join(" ", args) + "\n-> " + r.err();
        assertEquals(2, r.status(), what);
        assertTrue(r.err().startsWith("sam3: "), what);
        assertEquals(1, r.err().strip().lines().count(), "one line: " + what);
        assertTrue(r.err().contains(phrase), "'" + phrase + "' in: " + what);
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), "no stack trace: " + what);
        assertFalse(Files.exists(dir.resolve("out/result.json")), "no output: " + what);
    }

    @Test
    void badImages() {
        expect("image file not found", synthetic("--image", p("missing.jpg"), "--text", "truck"));
        expect("is a directory", synthetic("--image", dir.toString(), "--text", "truck"));
        expect("truncated", synthetic("--image", p("truncated.jpg"), "--text", "truck"));
        expect("empty (0 bytes)", synthetic("--image", p("empty.jpg"), "--text", "truck"));
        expect("zero-size image (0x10 pixels)", synthetic("--image", p("zero.png"), "--text", "truck"));
        expect("not an image in a supported format", synthetic("--image", p("text.png"), "--text", "truck"));
        expect("not an image in a supported format", synthetic("--image", p("drawing.svg"), "--text", "truck"));
        expect("photo.webp", synthetic("--image", p("photo.webp"), "--text", "truck"));
        expect("--image is empty", synthetic("--image", " ", "--text", "truck"));
    }

    @Test
    void badUrls() {
        expect("unsupported URL scheme 'ftp'", synthetic("--image", "ftp://example.com/a.jpg", "--text", "truck"));
        expect("HTTP 404", synthetic("--image", server.uri("/gone.jpg").toString(), "--text", "truck"));
        expect("not an image in a supported format", synthetic("--image", server.uri("/page.jpg").toString(), "--text", "truck"));
        expect("cannot download", synthetic("--image", "http://127.0.0.1:1/x.jpg", "--text", "truck"));
    }

    @Test
    void badPrompts() {
        expect("--text is empty", synthetic("--image", truck, "--text", ""));
        expect("--text is empty", synthetic("--image", truck, "--text", "   "));
        expect("'1,2,3' is not x0,y0,x1,y1[:neg]", synthetic("--image", truck, "--text", "truck", "--box", "1,2,3"));
        expect("'a' is not a number", synthetic("--image", truck, "--text", "truck", "--box", "a,2,3,4"));
        expect("x1 must be >= x0", synthetic("--image", truck, "--text", "truck", "--box", "30,2,3,4"));
        expect("after ':' must be 'neg' or 'pos'", synthetic("--image", truck, "--text", "truck", "--box", "1,2,3,4:no"));
        expect("is not x,y[:neg]", synthetic("--image", truck, "--point", "5"));
        expect("is not x,y[:neg]", synthetic("--image", truck, "--point", "5,y"));
        expect("--point cannot be combined with --text", synthetic("--image", truck, "--text", "truck", "--point", "5,5"));
        expect("at most one --box", synthetic("--image", truck, "--box", "1,1,5,5", "--box", "2,2,6,6"));
        expect("needs --text", synthetic("--image", truck, "--box", "1,1,5,5:neg"));
        expect("no prompt", synthetic("--image", truck));
        expect("--threshold must be in [0, 1]", synthetic("--image", truck, "--text", "truck", "--threshold", "1.5"));
        expect("--threshold applies to text prompts", synthetic("--image", truck, "--point", "5,5", "--threshold", "0.3"));
        // outside the 1800x1200 photo: checked against the image before the model is loaded
        expect("--box 1700,100,1900,300 lies outside the 1800x1200 image",
                synthetic("--image", truck, "--text", "truck", "--box", "1700,100,1900,300"));
        expect("--point 900,1201 lies outside the 1800x1200 image", synthetic("--image", truck, "--point", "900,1201"));
        expect("--box 10,10,10,50 is empty", synthetic("--image", truck, "--text", "truck", "--box", "10,10,10,50"));
        // a phrase longer than the text encoder's context was cut silently; refused before the model loads
        expect("--text: text prompt is too long: 2000 tokens, the text encoder reads at most 30",
                synthetic("--image", truck, "--text", "car ".repeat(2000)));
    }

    @Test
    void badOptions() {
        expect("give --image FILE|URL or --input-dir DIR", synthetic("--text", "truck"));
        expect("alternatives", synthetic("--image", truck, "--input-dir", dir.toString(), "--text", "truck"));
        expect("give --model M", "segment", "--image", truck, "--text", "truck");
        expect("--model and --weights synthetic are alternatives",
                "segment", "--model", p("x.pt"), "--weights", "synthetic", "--image", truck, "--text", "truck");
        expect("--weights accepts only 'synthetic'", "segment", "--weights", "random", "--image", truck, "--text", "truck");
        expect("--config huge: not 'tiny' or 'full'",
                "segment", "--weights", "synthetic", "--config", "huge", "--image", truck, "--text", "truck");
        expect("unknown configuration key 'depth'",
                "segment", "--weights", "synthetic", "--config", p("bad-config.json"), "--image", truck, "--point", "1,1");
        expect("not a JSON object of overrides",
                "segment", "--weights", "synthetic", "--config", p("broken-config.json"), "--image", truck, "--point", "1,1");
        expect("--threads must be at least 1", synthetic("--image", truck, "--text", "truck", "--threads", "0"));
        expect("Unknown options: '--colour'", synthetic("--image", truck, "--text", "truck", "--colour", "red"));
        expect("--tokenizer " + p("nope.gz") + ": no such file",
                "segment", "--weights", "synthetic", "--config", "tiny", "--tokenizer", p("nope.gz"), "--image", truck,
                "--text", "truck");
        expect("not a valid gzip", "segment", "--weights", "synthetic", "--config", "tiny", "--tokenizer", p("text.png"),
                "--image", truck, "--text", "truck");
        expect("exists and is not a directory", "segment", "--weights", "synthetic", "--config", "tiny", "--tokenizer",
                tokenizer, "--out", p("text.png"), "--image", truck, "--text", "truck");
        expect("no such directory", synthetic("--input-dir", p("nowhere"), "--text", "truck"));
        // an --out that cannot be written is found before the model runs, and not called missing
        for (String where : List.of("/proc/sam3j-out", "/proc/self/sam3j-out/deeper")) {
            CliRun r = CliRun.of("segment", "--weights", "synthetic", "--config", "tiny", "--tokenizer", tokenizer,
                    "--out", where, "--image", truck, "--text", "truck");
            assertEquals(2, r.status(), r.err());
            assertTrue(r.err().startsWith("sam3: --out " + where + ": not writable"), r.err());
            assertFalse(r.err().contains("no such file"), r.err());
            assertEquals("", r.out(), "nothing ran: " + r.out());
        }
        CliRun batch = CliRun.of("segment", "--weights", "synthetic", "--config", "tiny", "--tokenizer", tokenizer,
                "--out", "/proc/sam3j-out", "--input-dir", SharedData.resolve("images").toString(), "--text", "truck");
        assertEquals(2, batch.status(), batch.err());
        assertEquals(1, batch.err().strip().lines().count(), "one line for the whole batch: " + batch.err());
        expect("no images (jpg, jpeg, png, webp, bmp)", synthetic("--input-dir", p("no-images"), "--text", "truck"));
    }

    @Test
    void badCheckpoints() throws Exception {
        expect("model file not found", withModel(p("sam3.pt"), "--image", truck, "--text", "truck"));
        expect("malformed model spec", withModel("hf:not a repo", "--image", truck, "--text", "truck"));
        expect("not a safetensors file", withModel(p("corrupt.safetensors"), "--image", truck, "--text", "truck",
                "--tokenizer", tokenizer));
        expect("not a SAM 3 checkpoint: neither a PyTorch checkpoint", withModel(p("random.pt"), "--image", truck,
                "--text", "truck", "--tokenizer", tokenizer));
        expect("truncated", withModel(p("truncated.safetensors"), "--image", truck, "--text", "truck",
                "--tokenizer", tokenizer));
        expect("unexpected key 'test.", withModel(SharedData.resolve("fixtures/checkpoints/reader_test.pt").toString(),
                "--image", truck, "--text", "truck", "--tokenizer", tokenizer));
        expect("refusing pickle global", withModel(SharedData.resolve("fixtures/checkpoints/malicious_global.pt").toString(),
                "--image", truck, "--text", "truck", "--tokenizer", tokenizer));
        // wrong shapes are found when the image encoder is compiled, before anything is computed
        expect("shape mismatch for 'detector.backbone.vision_backbone.trunk.pos_embed': checkpoint has [1, 5, 1024]",
                withModel(p("wrong"), "--image", truck, "--text", "truck", "--tokenizer", tokenizer));
        // text needs a tokenizer; none is beside this checkpoint
        expect("--text needs the CLIP tokenizer: none beside the checkpoint", withModel(p("wrong"), "--image", truck,
                "--text", "truck"));
        expect("not in the cache", withModel("hf:facebook/sam3", "--offline", "--cache", p("cache"), "--image", truck,
                "--text", "truck"));
    }
}
