package org.sam3j.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.testing.SharedData;

/**
 * Loading from the official gzip file, from a Hugging Face {@code vocab.json} + {@code merges.txt}
 * pair (generated here from the gzip file in Hugging Face's CLIP layout), from a directory, and
 * errors for missing or corrupt files.
 */
class ClipTokenizerFilesTest {
    private static final String[] PROMPTS = {
        "truck", "a red wheel", "visual", "A person riding a bicycle, with a helmet!", "café 東京 🚒 Ωmega",
        "it's the dog's ball", "2024 model 3.5", "the quick brown fox jumps over the lazy dog " .repeat(3),
    };

    private static Path bpeGz;
    private static ClipTokenizer reference;
    private static List<String> lines;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() throws IOException {
        bpeGz = SharedData.resolve("tokenizer/" + ClipTokenizer.BPE_FILE_NAME);
        reference = ClipTokenizer.fromBpeFile(bpeGz);
        lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(bpeGz)), StandardCharsets.UTF_8))) {
            for (String s; (s = r.readLine()) != null; ) lines.add(s);
        }
    }

    @Test
    void loadsQuickly() throws IOException {
        long t0 = System.nanoTime();
        ClipTokenizer t = ClipTokenizer.fromBpeFile(bpeGz);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(49408, t.vocabSize());
        // Generous bound for slow CI machines; typically ~100 ms once warm.
        assertTrue(ms < 5_000, "loading took " + ms + " ms");
    }

    /**
     * The byte-symbol order of the reference's {@code bytes_to_unicode()}, written independently of
     * the main code: printable bytes stand for themselves, the rest map to U+0100.. in byte order;
     * the dictionary lists the printable ones first.
     */
    private static List<String> byteSymbols() {
        List<String> printable = new ArrayList<>();
        List<String> others = new ArrayList<>();
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean p = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            if (p) printable.add(String.valueOf((char) b));
            else others.add(String.valueOf((char) (256 + n++)));
        }
        printable.addAll(others);
        return printable;
    }

    /** Writes vocab.json and merges.txt as Hugging Face's openai/clip-vit-* repositories have them. */
    private Path writeHfFiles(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<String> merges = lines.subList(1, 1 + 48894);
        Map<String, Integer> vocab = new LinkedHashMap<>();
        List<String> symbols = byteSymbols();
        for (String s : symbols) vocab.put(s, vocab.size());
        for (String s : symbols) vocab.put(s + "</w>", vocab.size());
        for (String m : merges) vocab.put(m.replace(" ", ""), vocab.size());
        vocab.put("<|startoftext|>", vocab.size());
        vocab.put("<|endoftext|>", vocab.size());
        new ObjectMapper().writeValue(dir.resolve("vocab.json").toFile(), vocab);
        List<String> mergeLines = new ArrayList<>();
        mergeLines.add("#version: 0.2");
        mergeLines.addAll(merges);
        Files.write(dir.resolve("merges.txt"), mergeLines, StandardCharsets.UTF_8);
        return dir;
    }

    @Test
    void huggingFaceVocabAndMergesGiveIdenticalIds() throws IOException {
        Path dir = writeHfFiles(tmp.resolve("hf"));
        ClipTokenizer hf = ClipTokenizer.fromVocabAndMerges(dir.resolve("vocab.json"), dir.resolve("merges.txt"));
        assertEquals(49408, hf.vocabSize());
        assertEquals(48894, hf.mergeCount());
        assertEquals(49406, hf.startOfTextId());
        assertEquals(49407, hf.endOfTextId());
        for (String p : PROMPTS) {
            assertArrayEquals(reference.encode(p), hf.encode(p), p);
            assertEquals(reference.tokenize(p), hf.tokenize(p), p);
        }
        // The reference's special-token literals map to the special ids with either vocabulary.
        assertArrayEquals(new int[] {49406, 4629, 49407}, hf.encode("<start_of_text>truck<end_of_text>"));
        assertEquals("<|startoftext|>truck <|endoftext|>", hf.decode(new int[] {49406, 4629, 49407}));

        ClipTokenizer fromDir = ClipTokenizer.fromDirectory(dir);
        assertArrayEquals(reference.encode(PROMPTS[3]), fromDir.encode(PROMPTS[3]));
    }

    @Test
    void fromDirectoryFindsTheGzipFile() throws IOException {
        ClipTokenizer t = ClipTokenizer.fromDirectory(bpeGz.getParent());
        assertArrayEquals(reference.encode(PROMPTS[1]), t.encode(PROMPTS[1]));
        // With both forms present, vocab.json + merges.txt wins; the results are the same.
        Path dir = writeHfFiles(tmp.resolve("both"));
        Files.copy(bpeGz, dir.resolve(ClipTokenizer.BPE_FILE_NAME));
        assertEquals(reference.tokenize(PROMPTS[4]), ClipTokenizer.fromDirectory(dir).tokenize(PROMPTS[4]));
    }

    @Test
    void fromDirectoryWithoutTokenizerFilesNamesWhatItLookedFor() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> ClipTokenizer.fromDirectory(empty));
        assertTrue(e.getMessage().contains(empty.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("vocab.json") && e.getMessage().contains("bpe_simple_vocab_16e6.txt.gz"),
                e.getMessage());
        Files.writeString(empty.resolve("vocab.json"), "{}"); // half a Hugging Face pair is not enough
        assertThrows(NoSuchFileException.class, () -> ClipTokenizer.fromDirectory(empty));
        Path notDir = tmp.resolve("missing-dir");
        assertThrows(NoSuchFileException.class, () -> ClipTokenizer.fromDirectory(notDir));
    }

    @Test
    void missingFilesAreNamed() {
        Path missing = tmp.resolve("nope").resolve(ClipTokenizer.BPE_FILE_NAME);
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> ClipTokenizer.fromBpeFile(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        Path vocab = tmp.resolve("vocab.json");
        NoSuchFileException e2 = assertThrows(NoSuchFileException.class,
                () -> ClipTokenizer.fromVocabAndMerges(vocab, tmp.resolve("merges.txt")));
        assertTrue(e2.getMessage().contains(vocab.toString()), e2.getMessage());
    }

    @Test
    void corruptGzipFilesAreReported() throws IOException {
        Path notGzip = tmp.resolve("plain.txt.gz");
        Files.writeString(notGzip, "#version: 0.2\ni n\n");
        assertFormatError(notGzip, () -> ClipTokenizer.fromBpeFile(notGzip));

        Path cut = tmp.resolve("cut.txt.gz"); // a gzip stream cut in the middle
        byte[] full = Files.readAllBytes(bpeGz);
        Files.write(cut, Arrays.copyOf(full, full.length / 10));
        assertFormatError(cut, () -> ClipTokenizer.fromBpeFile(cut));

        Path short1 = tmp.resolve("short.txt.gz"); // valid gzip, too few merges
        writeGzip(short1, String.join("\n", lines.subList(0, 1000)) + "\n");
        TokenizerFormatException e = assertFormatError(short1, () -> ClipTokenizer.fromBpeFile(short1));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());

        Path empty = tmp.resolve("empty.txt.gz");
        writeGzip(empty, "");
        assertFormatError(empty, () -> ClipTokenizer.fromBpeFile(empty));

        Path badLine = tmp.resolve("badline.txt.gz");
        List<String> copy = new ArrayList<>(lines.subList(0, 48895));
        copy.set(10, "abc");
        writeGzip(badLine, String.join("\n", copy) + "\n");
        TokenizerFormatException e2 = assertFormatError(badLine, () -> ClipTokenizer.fromBpeFile(badLine));
        assertTrue(e2.getMessage().contains("line 11"), e2.getMessage());

        Path notUtf8 = tmp.resolve("latin1.txt.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(notUtf8))) {
            out.write(new byte[] {'#', '\n', (byte) 0xFF, (byte) 0xFE, ' ', 'a', '\n'});
        }
        assertFormatError(notUtf8, () -> ClipTokenizer.fromBpeFile(notUtf8));
    }

    @Test
    void corruptHuggingFaceFilesAreReported() throws IOException {
        Path dir = writeHfFiles(tmp.resolve("hf"));
        Path vocab = dir.resolve("vocab.json");
        Path merges = dir.resolve("merges.txt");
        String goodVocab = Files.readString(vocab);

        Files.writeString(vocab, "{\"a\": 0, ");
        assertFormatError(vocab, () -> ClipTokenizer.fromVocabAndMerges(vocab, merges));
        Files.writeString(vocab, "[1, 2, 3]");
        assertFormatError(vocab, () -> ClipTokenizer.fromVocabAndMerges(vocab, merges));
        Files.writeString(vocab, "{\"a\": \"zero\"}");
        assertFormatError(vocab, () -> ClipTokenizer.fromVocabAndMerges(vocab, merges));
        Files.writeString(vocab, "{\"a\": 0, \"b\": 0}");
        assertFormatError(vocab, () -> ClipTokenizer.fromVocabAndMerges(vocab, merges));
        // A vocabulary without the byte symbols cannot encode arbitrary text.
        Files.writeString(vocab, "{\"<|startoftext|>\": 0, \"<|endoftext|>\": 1}");
        assertFormatError(vocab, () -> ClipTokenizer.fromVocabAndMerges(vocab, merges));
        // Without its special tokens.
        Files.writeString(vocab, goodVocab.replace("<|startoftext|>", "<|sot|>"));
        assertFormatError(vocab, () -> ClipTokenizer.fromVocabAndMerges(vocab, merges));

        Files.writeString(vocab, goodVocab);
        Files.writeString(merges, "#version: 0.2\ni n\nthree parts here\n");
        TokenizerFormatException e = assertFormatError(merges, () -> ClipTokenizer.fromVocabAndMerges(vocab, merges));
        assertTrue(e.getMessage().contains("line 3"), e.getMessage());
        Files.writeString(merges, "#version: 0.2\nnot_a_symbol neither_is_this\n"); // unknown symbols
        assertFormatError(merges, () -> ClipTokenizer.fromVocabAndMerges(vocab, merges));
        Files.writeString(merges, "#version: 0.2\n");
        assertFormatError(merges, () -> ClipTokenizer.fromVocabAndMerges(vocab, merges));
    }

    private static void writeGzip(Path file, String text) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private interface Loader {
        ClipTokenizer load() throws IOException;
    }

    private static TokenizerFormatException assertFormatError(Path file, Loader loader) {
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, loader::load);
        assertTrue(e.getMessage().contains(file.toString()), "message should name " + file + ": " + e.getMessage());
        return e;
    }
}
