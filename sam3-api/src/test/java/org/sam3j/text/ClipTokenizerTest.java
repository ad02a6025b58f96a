package org.sam3j.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.sam3j.testing.SharedData;

/**
 * Encoding, framing, decoding and argument errors.
 *
 * <p>The expected ids, cleaned texts and decodings below were produced by the reference tokenizer
 * itself: SAM 3's {@code tokenizer_ve.SimpleTokenizer} (clean "lower") with ftfy 6.1.1 and the
 * {@code regex} module, over the same {@code bpe_simple_vocab_16e6.txt.gz}.
 */
class ClipTokenizerTest {
    private static final int SOT = 49406;
    private static final int EOT = 49407;

    private static ClipTokenizer tokenizer;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = ClipTokenizer.fromBpeFile(SharedData.resolve("tokenizer/" + ClipTokenizer.BPE_FILE_NAME));
    }

    /** text, reference ids, reference cleaned text, reference decode(ids). */
    static Stream<Arguments> referenceCases() {
        return Stream.of(
                ref("truck", ids(4629), "truck", "truck "),
                ref("a red wheel", ids(320, 736, 6744), "a red wheel", "a red wheel "),
                ref("visual", ids(7195), "visual", "visual "),
                // case folding and whitespace
                ref("TRUCK", ids(4629), "truck", "truck "),
                ref("A Red WHEEL", ids(320, 736, 6744), "a red wheel", "a red wheel "),
                ref("  a \t red\n\n wheel \u3000", ids(320, 736, 6744), "a red wheel", "a red wheel "),
                // accents, scripts, emoji: byte-level BPE
                ref("café crème brûlée", ids(15304, 1075, 12138, 614, 711, 127, 119, 75, 13489),
                        "café crème brûlée", "café crème brûlée "),
                ref("naïve façade", ids(1097, 35689, 563, 778, 10067, 1928), "naïve façade", "naïve façade "),
                ref("cafe\u0301", ids(15304), "café", "café "), // NFC
                ref("Ελληνικά ΟΔΟΣ", ids(138, 113, 138, 119, 138, 119, 138, 115, 138, 121, 138, 117, 138, 118, 138,
                        361, 138, 123, 138, 112, 138, 123, 139, 480), "ελληνικά οδος", "ελληνικά οδος "),
                ref("İstanbul", ids(328, 16384, 11231), "i\u0307stanbul", "i \u0307 stanbul "),
                ref("Привет, мир", ids(26302, 16370, 29503, 110, 22176, 141, 480, 267, 38018, 16701, 141, 478),
                        "привет, мир", "привет , мир "),
                ref("日本語のテキスト", ids(39121, 44353, 34002, 252, 21575, 2429, 228, 47121, 32421, 486),
                        "日本語のテキスト", "日本語のテキスト "),
                ref("한국어 문장", ids(15197, 250, 31871, 255, 31625, 368, 167, 105, 116, 20849, 354), "한국어 문장",
                        "한국어 문장 "),
                ref("مرحبا بالعالم", ids(12986, 10948, 25722, 16378, 22625, 16378, 12973, 18843, 12973, 29945),
                        "مرحبا بالعالم", "مرحبا بالعالم "),
                ref("😀👍🏽", ids(12832, 43722), "😀👍🏽", "😀👍🏽 "),
                ref("👨\u200d👩\u200d👧 family", ids(25023, 26304, 964, 356, 1315), "👨\u200d👩\u200d👧 family",
                        "👨\u200d👩\u200d👧 family "),
                // HTML entities (decoded twice) and ftfy fixes
                ref("fish &amp; chips", ids(2759, 261, 8855), "fish & chips", "fish & chips "),
                ref("&lt;b&gt;bold&lt;/b&gt;", ids(283, 321, 285, 8911, 34308, 321, 285), "<b>bold</b>",
                        "< b > bold </ b > "),
                ref("caf&eacute; &amp;amp; tea", ids(15304, 261, 3274), "café & tea", "café & tea "),
                ref("it&#39;s &#x1F600;", ids(585, 568, 7334), "it's 😀", "it 's 😀 "),
                ref("&copy; 2024&nbsp;&mdash; &hellip;", ids(5811, 273, 271, 273, 275, 2005, 959), "© 2024 — …",
                        "© 2 0 2 4 — … "),
                ref("the dog\u2019s \u201cball\u201d", ids(518, 1929, 568, 257, 1069, 257), "the dog's \"ball\"",
                        "the dog 's \" ball \" "),
                ref("\ufb01sh", ids(2759), "fish", "fish "),
                ref("\uff34\uff32\uff35\uff23\uff2b", ids(4629), "truck", "truck "),
                // pre-tokenizer: contractions, single digits, symbol runs, special-token literals
                ref("it's a dog's life, they're here and we'll see I'd",
                        ids(585, 568, 320, 1929, 568, 970, 267, 889, 982, 763, 537, 649, 1342, 862, 328, 1896),
                        "it's a dog's life, they're here and we'll see i'd",
                        "it 's a dog 's life , they 're here and we 'll see i 'd "),
                ref("2024 model 3.5", ids(273, 271, 273, 275, 2863, 274, 269, 276), "2024 model 3.5",
                        "2 0 2 4 model 3 . 5 "),
                ref("<start_of_text>truck<end_of_text>", ids(SOT, 4629, EOT), "<start_of_text>truck<end_of_text>",
                        "<start_of_text>truck <end_of_text>"),
                ref("person with a hat!!!", ids(2533, 593, 320, 3801, 995), "person with a hat!!!",
                        "person with a hat !!! "),
                ref("a man... wearing sunglasses?", ids(320, 786, 678, 3309, 12906, 286),
                        "a man... wearing sunglasses?", "a man ... wearing sunglasses ? "));
    }

    private static Arguments ref(String text, int[] ids, String cleaned, String decoded) {
        return Arguments.of(text, ids, cleaned, decoded);
    }

    private static int[] ids(int... ids) {
        return ids;
    }

    @ParameterizedTest
    @MethodSource("referenceCases")
    void encodesAsTheReference(String text, int[] expected, String cleaned, String decoded) {
        assertEquals(cleaned, ClipTokenizer.clean(text), "cleaned text");
        assertArrayEquals(expected, tokenizer.encode(text), "ids of '" + text + "'");
        assertEquals(decoded, tokenizer.decode(expected), "decode");

        TokenizedText tt = tokenizer.tokenize(text);
        int[] framed = tt.ids();
        assertEquals(32, framed.length);
        assertEquals(SOT, framed[0]);
        assertArrayEquals(expected, Arrays.copyOfRange(framed, 1, 1 + expected.length));
        assertEquals(EOT, framed[1 + expected.length]);
        for (int i = expected.length + 2; i < 32; i++) assertEquals(0, framed[i], "padding at " + i);
        assertEquals(expected.length + 2, tt.length());
        assertFalse(tt.truncated());
    }

    @Test
    void unicodeRoundTripsThroughByteLevelDecode() {
        String text = "crème brûlée 東京 タワー 🚒🚗 ñandú Ωmega";
        String cleaned = ClipTokenizer.clean(text);
        String decoded = tokenizer.decode(tokenizer.encode(text));
        // Words come back separated by the end-of-word spaces; removing spaces gives the cleaned text.
        assertEquals(cleaned.replace(" ", ""), decoded.replace(" ", ""));
        assertTrue(decoded.contains("東京") && decoded.contains("🚒🚗") && decoded.contains("ñandú"), decoded);
    }

    @Test
    void decodeOfSpecialAndPaddingIds() {
        TokenizedText tt = tokenizer.tokenize("truck");
        assertEquals("<start_of_text>truck <end_of_text>", tokenizer.decode(Arrays.copyOf(tt.ids(), tt.length())));
        assertEquals("!!", tokenizer.decode(new int[] {0, 0}));
        assertThrows(IllegalArgumentException.class, () -> tokenizer.decode(new int[] {49408}));
        assertThrows(IllegalArgumentException.class, () -> tokenizer.decode(new int[] {-1}));
        assertThrows(NullPointerException.class, () -> tokenizer.decode(null));
    }

    @Test
    void vocabularyShape() {
        assertEquals(49408, tokenizer.vocabSize());
        assertEquals(48894, tokenizer.mergeCount());
        assertEquals(SOT, tokenizer.startOfTextId());
        assertEquals(EOT, tokenizer.endOfTextId());
    }

    @Test
    void htmlEntitiesAreDecodedTwiceOnly() {
        // html.unescape twice after ftfy's pass: &amp;amp;lt; -> (ftfy, repeated) -> <
        assertEquals("<", ClipTokenizer.clean("&amp;amp;lt;"));
        // With a '<' in the text ftfy leaves entities alone and only the two html.unescape rounds run.
        assertEquals("< &amp;", ClipTokenizer.clean("< &amp;amp;amp;"));
        assertEquals("&foo", ClipTokenizer.clean("&ampfoo"));
        assertEquals("é", ClipTokenizer.clean("&EACUTE;"));
        assertEquals("€ \ufffd", ClipTokenizer.clean("&#128; &#0;"));
        assertEquals("&unknownentity;", ClipTokenizer.clean("&unknownentity;"));
        assertArrayEquals(tokenizer.encode("fish & chips"), tokenizer.encode("fish &amp;amp; chips"));
    }

    @Test
    void htmlUnescapeFollowsPython() {
        // Expected values from Python's html.unescape.
        String[][] cases = {
            {"&#xD800;", "\ufffd"}, {"&#1114112;", "\ufffd"}, {"&#99999999999999999999;", "\ufffd"},
            {"&#65535;", ""}, {"&#x7f;", ""}, {"&#13;", "\r"}, {"&#x41", "A"}, {"&#65;&#X42;", "AB"},
            {"&amp", "&"}, {"&lang;", "\u27e8"}, {"&notit;", "\u00acit;"}, {"&not", "\u00ac"},
        };
        for (String[] c : cases) assertEquals(c[1], HtmlUnescaper.unescape(c[0]), c[0]);
    }

    @Test
    void idZeroInsideTextIsMaskedLikeTheReference() {
        // "!@#" is BPE'd to ["!", "@#</w>"]: "!" has id 0, which the reference's mask (id == 0) flags.
        TokenizedText tt = tokenizer.tokenize("!@#");
        assertArrayEquals(new int[] {SOT, 0, 39397, EOT}, Arrays.copyOf(tt.ids(), 4));
        assertEquals(4, tt.length());
        assertTrue(tt.paddingMask()[1]);
        assertFalse(tt.paddingMask()[2]);
    }

    @Test
    void whitespaceIsCollapsedAndCaseFolded() {
        int[] ref = tokenizer.encode("a red wheel");
        assertArrayEquals(ref, tokenizer.encode("\n\t  A   RED\u00a0\u2003wheel \r\n"));
        assertArrayEquals(ref, tokenizer.encode("A Red Wheel"));
        // ftfy drops invisible controls (NUL, BOM); a zero-width space is not whitespace and stays.
        assertEquals("a red wheel", ClipTokenizer.clean(" a\u0000 red\u2028wheel\ufeff "));
        assertArrayEquals(new int[] {320, 736, 9844, 6744}, tokenizer.encode("a red\u200b wheel"));
        assertEquals("ας σα", ClipTokenizer.clean("ΑΣ ΣΑ")); // final sigma as Python lower()
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "   \t\n\r ", "\u3000\u00a0", "\u0000\ufeff"})
    void emptyOrWhitespaceTextIsRejected(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tokenizer.tokenize(text));
        assertTrue(e.getMessage().contains("text prompt is empty"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tokenizer.encode(text));
    }

    @Test
    void nullTextIsRejected() {
        NullPointerException e = assertThrows(NullPointerException.class, () -> tokenizer.tokenize(null));
        assertTrue(e.getMessage() != null && e.getMessage().contains("null"), String.valueOf(e.getMessage()));
        assertThrows(NullPointerException.class, () -> tokenizer.encode(null));
    }

    @Test
    void overLongTextIsTruncatedWithEndOfText() {
        String text = "truck ".repeat(40);
        assertEquals(40, tokenizer.encode(text).length);
        TokenizedText tt = tokenizer.tokenize(text);
        assertTrue(tt.truncated());
        assertEquals(32, tt.length());
        int[] ids = tt.ids();
        assertEquals(SOT, ids[0]);
        for (int i = 1; i < 31; i++) assertEquals(4629, ids[i]);
        assertEquals(EOT, ids[31]);
        assertFalse(contains(tt.paddingMask(), true));
    }

    @Test
    void truncationBoundary() {
        TokenizedText fits = tokenizer.tokenize("truck ".repeat(30)); // 1 + 30 + 1 = 32
        assertFalse(fits.truncated());
        assertEquals(32, fits.length());
        assertEquals(EOT, fits.id(31));
        TokenizedText cut = tokenizer.tokenize("truck ".repeat(31));
        assertTrue(cut.truncated());
        assertArrayEquals(fits.ids(), cut.ids());
        assertNotEquals(fits, cut); // same ids, but one was cut
    }

    @Test
    void tokenizeWholeRefusesWhatWouldBeCut() {
        // what the model reads for a prompt: refused rather than cut silently (a 10,000-character phrase ran before)
        assertEquals(tokenizer.tokenize("truck ".repeat(30)), tokenizer.tokenizeWhole("truck ".repeat(30)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tokenizer.tokenizeWhole("truck ".repeat(31)));
        assertEquals("text prompt is too long: 31 tokens, the text encoder reads at most 30; use a short noun phrase"
                + " such as \"red car\"", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tokenizer.tokenizeWhole("x".repeat(10_000)));
    }

    @Test
    void configurableContextLength() {
        TokenizedText tt = tokenizer.tokenize("a red wheel", 77);
        assertEquals(77, tt.contextLength());
        assertEquals(5, tt.length());
        assertArrayEquals(new int[] {SOT, 320, 736, 6744, EOT}, Arrays.copyOf(tt.ids(), 5));
        TokenizedText tiny = tokenizer.tokenize("a red wheel", 3);
        assertArrayEquals(new int[] {SOT, 320, EOT}, tiny.ids());
        assertTrue(tiny.truncated());
        TokenizedText two = tokenizer.tokenize("a red wheel", 2);
        assertArrayEquals(new int[] {SOT, EOT}, two.ids());
        assertThrows(IllegalArgumentException.class, () -> tokenizer.tokenize("truck", 1));
    }

    @Test
    void tokenizedTextIsImmutable() {
        TokenizedText tt = tokenizer.tokenize("truck");
        tt.ids()[1] = 7;
        tt.paddingMask()[0] = true;
        assertEquals(4629, tt.id(1));
        assertFalse(tt.paddingMask()[0]);
        boolean[] mask = tt.paddingMask();
        assertFalse(mask[0] || mask[1] || mask[2]);
        for (int i = 3; i < 32; i++) assertTrue(mask[i]);
        assertEquals(tt, tokenizer.tokenize("TRUCK"));
        assertEquals(tt.hashCode(), tokenizer.tokenize("TRUCK").hashCode());
        assertEquals("TokenizedText[49406, 4629, 49407; length=3/32]", tt.toString());
    }

    @Test
    void concurrentEncodingGivesTheSameIds() throws Exception {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 400; i++) texts.add("a red wheel number " + i + " on truck " + (i * 7919) + " café 東京");
        List<int[]> expected = new ArrayList<>();
        for (String t : texts) expected.add(tokenizer.encode(t));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int r = 0; r < 8; r++) {
                results.add(pool.submit(() -> {
                    ClipTokenizer fresh = tokenizer;
                    for (int i = texts.size() - 1; i >= 0; i--) {
                        if (!Arrays.equals(expected.get(i), fresh.encode(texts.get(i)))) return false;
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : results) assertTrue(f.get());
        } finally {
            pool.shutdownNow();
        }
    }

    private static boolean contains(boolean[] a, boolean v) {
        for (boolean b : a) if (b == v) return true;
        return false;
    }
}
