package org.sam3j.text;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.sam3j.internal.Log;
import org.slf4j.Logger;

/**
 * The OpenAI CLIP byte-level BPE tokenizer, as SAM 3's text encoder uses it
 * ({@code sam3/model/tokenizer_ve.py}, {@code SimpleTokenizer} with the "lower" cleaning).
 *
 * <p>Encoding a prompt:
 * <ol>
 *   <li>cleaning: ftfy-style text fixes ending in Unicode NFC (see below), HTML character
 *       references decoded twice, leading and trailing whitespace removed, every whitespace run
 *       turned into one space, lowercase ({@link java.util.Locale#ROOT});</li>
 *   <li>pre-tokenization with the reference pattern
 *       {@code <start_of_text>|<end_of_text>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+}
 *       (case-insensitive): letter runs, single digits, runs of other symbols;</li>
 *   <li>each piece's UTF-8 bytes mapped to the 256 byte symbols, {@code </w>} appended to the last
 *       one, then byte-pair merges applied lowest rank first; the literal pieces
 *       {@code <start_of_text>} and {@code <end_of_text>} become the special ids.</li>
 * </ol>
 * {@link #tokenize(String)} then frames the ids as {@code [49406] + ids + [49407]} in a context of
 * 32 positions, padded with 0.
 *
 * <p><b>Differences from the reference.</b> The reference first applies {@code ftfy.fix_text}
 * (ftfy 6.1.1), which is not available on the JVM. This class reproduces its deterministic fixes
 * (its HTML pass, C1 controls, Latin ligatures, full-width forms, curly quotes, line breaks, lone
 * surrogates, terminal escapes, invisible control characters) and its final Unicode NFC
 * normalisation, the closest safe equivalent; it does not reproduce ftfy's heuristic repair of
 * mojibake (UTF-8 text mis-decoded as Latin-1 / Windows-1252, e.g. {@code cafÃ©}). HTML named
 * references are those of HTML 4 (plus numeric references, decoded exactly as Python does), not all
 * of HTML5's. Unicode character properties are those of the running JDK (Unicode 13 on Java 17;
 * the reference's Python 3.11 has 14). Outside these corners (ordinary text in any script, emoji,
 * punctuation, entities, odd whitespace and casing) the ids are the reference's: this was checked
 * against the reference tokenizer on 23 000 generated prompts.
 *
 * <p>Instances are immutable and thread-safe. Results for each pre-tokenized word are kept in a
 * bounded concurrent cache.
 */
public final class ClipTokenizer {
    private static final Logger LOG = Log.get(ClipTokenizer.class);

    /** SAM 3's context length ({@code text_encoder_ve.py}): start, up to 30 tokens, end. */
    public static final int DEFAULT_CONTEXT_LENGTH = 32;
    /** File name of the official merges file (in the reference as {@code sam3/assets/bpe_simple_vocab_16e6.txt.gz}). */
    public static final String BPE_FILE_NAME = "bpe_simple_vocab_16e6.txt.gz";
    /** File name of the Hugging Face vocabulary (token → id). */
    public static final String VOCAB_FILE_NAME = "vocab.json";
    /** File name of the Hugging Face merges list. */
    public static final String MERGES_FILE_NAME = "merges.txt";

    /** Merges the reference reads from the official file: lines 1..48894 (49152 - 256 - 2). */
    static final int BPE_MERGES = 49152 - 256 - 2;
    /** The reference's special tokens; their literal text in a prompt maps to the special ids. */
    static final String START_OF_TEXT = "<start_of_text>";
    static final String END_OF_TEXT = "<end_of_text>";
    /** Hugging Face's names of the same special tokens. */
    private static final String HF_START_OF_TEXT = "<|startoftext|>";
    private static final String HF_END_OF_TEXT = "<|endoftext|>";
    private static final String END_OF_WORD = "</w>";

    /**
     * The reference pre-tokenizer. Case-insensitivity is kept to the literal alternatives, the only
     * place it can act on lowercased text (e.g. {@code 'ſ} matches {@code 's}); U+0345, which the
     * reference's case-insensitive classes match nowhere, is excluded from the symbol class.
     */
    private static final Pattern PRE_TOKENIZER = Pattern.compile(
            "(?iu:<start_of_text>|<end_of_text>|'s|'t|'re|'ve|'m|'ll|'d)|\\p{L}+|\\p{N}|[^\\s\\p{L}\\p{N}\\u0345]+",
            Pattern.UNICODE_CHARACTER_CLASS);

    /** Words kept in the cache before it is emptied and refilled. */
    private static final int CACHE_LIMIT = 16_384;

    private final String[] idToToken;
    /** Id of each byte symbol, by symbol character (-1 where none). */
    private final int[] symbolId = new int[256 + 68];
    /** Id of each byte symbol followed by {@code </w>}, by symbol character. */
    private final int[] symbolEndId = new int[256 + 68];
    private final PairRanks ranks;
    /** Id of the token that merge {@code r} produces. */
    private final int[] mergedId;
    private final int startId;
    private final int endId;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    private ClipTokenizer(String source, String[] idToToken, Map<String, Integer> tokenToId,
                          List<String[]> merges, int startId, int endId) throws TokenizerFormatException {
        this.idToToken = idToToken;
        this.startId = startId;
        this.endId = endId;
        Arrays.fill(symbolId, -1);
        Arrays.fill(symbolEndId, -1);
        for (String s : ByteUnicode.symbols()) {
            Integer id = tokenToId.get(s);
            Integer endIdOf = tokenToId.get(s + END_OF_WORD);
            if (id == null || endIdOf == null) {
                throw new TokenizerFormatException(source + ": the vocabulary lacks the byte symbol '" + s
                        + "' or '" + s + END_OF_WORD + "'");
            }
            symbolId[s.charAt(0)] = id;
            symbolEndId[s.charAt(0)] = endIdOf;
        }
        this.ranks = new PairRanks(merges.size());
        this.mergedId = new int[merges.size()];
        for (int r = 0; r < merges.size(); r++) {
            String[] m = merges.get(r);
            Integer a = tokenToId.get(m[0]);
            Integer b = tokenToId.get(m[1]);
            Integer ab = tokenToId.get(m[0] + m[1]);
            if (a == null || b == null || ab == null) {
                throw new TokenizerFormatException(source + ": merge " + (r + 1) + " '" + m[0] + " " + m[1]
                        + "' involves a token missing from the vocabulary");
            }
            ranks.put(a, b, r); // a repeated pair keeps its last rank, as the reference's dict does
            mergedId[r] = ab;
        }
    }

    // ---------------------------------------------------------------------------------- loading

    /**
     * Loads the official CLIP merges file, {@code bpe_simple_vocab_16e6.txt.gz}, as the reference
     * does: a header line, then the first 48 894 merges; the vocabulary is the 256 byte symbols, the
     * same with {@code </w>}, the merged pairs in order, {@code <start_of_text>} (49406) and
     * {@code <end_of_text>} (49407): 49 408 tokens.
     *
     * @param bpeGz the gzip file
     * @return the tokenizer
     * @throws NoSuchFileException       if the file does not exist (the message names it)
     * @throws TokenizerFormatException  if it is not gzip, not UTF-8, truncated or malformed
     * @throws IOException               if it cannot be read
     */
    public static ClipTokenizer fromBpeFile(Path bpeGz) throws IOException {
        Objects.requireNonNull(bpeGz, "bpeGz");
        long t0 = System.nanoTime();
        List<String[]> merges = new ArrayList<>(BPE_MERGES);
        try (InputStream raw = openFile(bpeGz, "CLIP BPE merges file");
             BufferedReader r = utf8Reader(new GZIPInputStream(raw, 1 << 16))) {
            String header = r.readLine();
            if (header == null) {
                throw new TokenizerFormatException(bpeGz + ": empty BPE merges file");
            }
            for (int line = 1; line <= BPE_MERGES; line++) {
                String s = r.readLine();
                if (s == null) {
                    throw new TokenizerFormatException(bpeGz + ": truncated BPE merges file: " + (line - 1)
                            + " merges, expected " + BPE_MERGES);
                }
                merges.add(parseMerge(bpeGz, line + 1, s));
            }
        } catch (ZipException | EOFException | CharacterCodingException e) {
            throw new TokenizerFormatException(bpeGz + ": not a valid gzip-compressed UTF-8 BPE merges file ("
                    + e.getMessage() + ")", e);
        }
        String[] symbols = ByteUnicode.symbols();
        String[] vocab = new String[2 * symbols.length + merges.size() + 2];
        int n = 0;
        for (String s : symbols) vocab[n++] = s;
        for (String s : symbols) vocab[n++] = s + END_OF_WORD;
        for (String[] m : merges) vocab[n++] = m[0] + m[1];
        vocab[n++] = START_OF_TEXT;
        vocab[n++] = END_OF_TEXT;
        Map<String, Integer> tokenToId = new HashMap<>(vocab.length * 2);
        for (int i = 0; i < vocab.length; i++) tokenToId.put(vocab[i], i); // a repeated token: last id wins
        ClipTokenizer tok = new ClipTokenizer(bpeGz.toString(), vocab, tokenToId, merges,
                tokenToId.get(START_OF_TEXT), tokenToId.get(END_OF_TEXT));
        LOG.debug("loaded CLIP BPE from {}: {} tokens, {} merges in {} ms", bpeGz, vocab.length, merges.size(),
                (System.nanoTime() - t0) / 1_000_000);
        return tok;
    }

    /**
     * Loads a Hugging Face CLIP tokenizer: {@code vocab.json} (token → id, ids 0..n-1 each once) and
     * {@code merges.txt} (an optional {@code #version} header line, then one merge per line, all
     * used). The special tokens are {@code <|startoftext|>} / {@code <|endoftext|>} (or the
     * reference's {@code <start_of_text>} / {@code <end_of_text>}). For the released CLIP
     * vocabulary this gives the same ids as {@link #fromBpeFile(Path)}; in a prompt, the literal
     * text {@code <start_of_text>} / {@code <end_of_text>} maps to the special ids either way.
     *
     * @param vocabJson  the vocabulary
     * @param mergesTxt  the merges
     * @return the tokenizer
     * @throws NoSuchFileException      if a file does not exist (the message names it)
     * @throws TokenizerFormatException if a file is malformed (the message names it)
     * @throws IOException              if a file cannot be read
     */
    public static ClipTokenizer fromVocabAndMerges(Path vocabJson, Path mergesTxt) throws IOException {
        Objects.requireNonNull(vocabJson, "vocabJson");
        Objects.requireNonNull(mergesTxt, "mergesTxt");
        long t0 = System.nanoTime();
        Map<String, Integer> tokenToId = readVocab(vocabJson);
        String[] idToToken = new String[tokenToId.size()];
        for (Map.Entry<String, Integer> e : tokenToId.entrySet()) {
            int id = e.getValue();
            if (id >= idToToken.length) {
                throw new TokenizerFormatException(vocabJson + ": token '" + e.getKey() + "' has id " + id
                        + ", expected ids 0.." + (idToToken.length - 1) + " (one per token)");
            }
            if (idToToken[id] != null) {
                throw new TokenizerFormatException(vocabJson + ": id " + id + " is given to both '" + idToToken[id]
                        + "' and '" + e.getKey() + "'");
            }
            idToToken[id] = e.getKey();
        }
        List<String[]> merges = new ArrayList<>(BPE_MERGES);
        try (BufferedReader r = utf8Reader(openFile(mergesTxt, "CLIP merges list"))) {
            String s;
            int line = 0;
            while ((s = r.readLine()) != null) {
                line++;
                if ((line == 1 && s.startsWith("#")) || s.isEmpty()) continue;
                merges.add(parseMerge(mergesTxt, line, s));
            }
        } catch (CharacterCodingException e) {
            throw new TokenizerFormatException(mergesTxt + ": not valid UTF-8", e);
        }
        if (merges.isEmpty()) {
            throw new TokenizerFormatException(mergesTxt + ": no merges");
        }
        int start = specialId(tokenToId, vocabJson, HF_START_OF_TEXT, START_OF_TEXT);
        int end = specialId(tokenToId, vocabJson, HF_END_OF_TEXT, END_OF_TEXT);
        String source = vocabJson + " + " + mergesTxt;
        ClipTokenizer tok = new ClipTokenizer(source, idToToken, tokenToId, merges, start, end);
        LOG.debug("loaded CLIP BPE from {}: {} tokens, {} merges in {} ms", source, idToToken.length,
                merges.size(), (System.nanoTime() - t0) / 1_000_000);
        return tok;
    }

    /**
     * Loads the tokenizer found in a directory: {@code vocab.json} + {@code merges.txt} (a Hugging
     * Face model directory) if both are there, else {@code bpe_simple_vocab_16e6.txt.gz}.
     *
     * @param dir the directory
     * @return the tokenizer
     * @throws NoSuchFileException      if {@code dir} is not a directory or holds neither form (the
     *                                  message names what was looked for)
     * @throws TokenizerFormatException if the files found are malformed
     * @throws IOException              if they cannot be read
     */
    public static ClipTokenizer fromDirectory(Path dir) throws IOException {
        Objects.requireNonNull(dir, "dir");
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "not a directory (looking for a CLIP tokenizer)");
        }
        Path vocab = dir.resolve(VOCAB_FILE_NAME);
        Path merges = dir.resolve(MERGES_FILE_NAME);
        if (Files.isRegularFile(vocab) && Files.isRegularFile(merges)) {
            return fromVocabAndMerges(vocab, merges);
        }
        Path bpe = dir.resolve(BPE_FILE_NAME);
        if (Files.isRegularFile(bpe)) {
            return fromBpeFile(bpe);
        }
        throw new NoSuchFileException(dir.toString(), null, "no CLIP tokenizer here: expected " + VOCAB_FILE_NAME
                + " and " + MERGES_FILE_NAME + ", or " + BPE_FILE_NAME);
    }

    /**
     * Reads a JSON object of token → non-negative int id with Jackson's streaming parser (field-name
     * canonicalisation off: with 49 408 distinct keys it costs more than it saves).
     */
    private static Map<String, Integer> readVocab(Path vocabJson) throws IOException {
        JsonFactory factory = JsonFactory.builder().disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES).build();
        Map<String, Integer> tokenToId = new HashMap<>(1 << 17);
        try (InputStream in = openFile(vocabJson, "CLIP vocabulary"); JsonParser p = factory.createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new TokenizerFormatException(vocabJson + ": expected a JSON object of token -> id");
            }
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                String token = p.currentName();
                JsonToken v = p.nextToken();
                if (v != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT
                        || p.getIntValue() < 0) {
                    throw new TokenizerFormatException(vocabJson + ": token '" + token + "' has id " + p.getText()
                            + ", expected a non-negative integer");
                }
                if (tokenToId.put(token, p.getIntValue()) != null) {
                    throw new TokenizerFormatException(vocabJson + ": token '" + token + "' appears twice");
                }
            }
            if (p.nextToken() != null) {
                throw new TokenizerFormatException(vocabJson + ": unexpected content after the JSON object");
            }
        } catch (JsonProcessingException e) {
            throw new TokenizerFormatException(vocabJson + ": not valid JSON (" + e.getOriginalMessage() + ")", e);
        }
        if (tokenToId.isEmpty()) {
            throw new TokenizerFormatException(vocabJson + ": empty vocabulary");
        }
        return tokenToId;
    }

    private static InputStream openFile(Path file, String what) throws IOException {
        try {
            return Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            NoSuchFileException clear = new NoSuchFileException(file.toString(), null, what + " not found");
            clear.initCause(e);
            throw clear;
        }
    }

    private static BufferedReader utf8Reader(InputStream in) {
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)), 1 << 16);
    }

    private static String[] parseMerge(Path file, int lineNumber, String line) throws TokenizerFormatException {
        int sp = line.indexOf(' ');
        if (sp <= 0 || sp == line.length() - 1 || line.indexOf(' ', sp + 1) >= 0) {
            throw new TokenizerFormatException(file + ": line " + lineNumber + " is not a merge of two symbols: '"
                    + (line.length() > 80 ? line.substring(0, 80) + "..." : line) + "'");
        }
        return new String[] {line.substring(0, sp), line.substring(sp + 1)};
    }

    private static int specialId(Map<String, Integer> tokenToId, Path file, String hfName, String refName)
            throws TokenizerFormatException {
        Integer id = tokenToId.get(hfName);
        if (id == null) id = tokenToId.get(refName);
        if (id == null) {
            throw new TokenizerFormatException(file + ": no special token " + hfName + " (or " + refName + ")");
        }
        return id;
    }

    // --------------------------------------------------------------------------------- encoding

    /**
     * The BPE ids of a text, without start-of-text / end-of-text.
     *
     * @param text the prompt
     * @return its token ids (possibly more than fit in a context)
     * @throws NullPointerException     if {@code text} is null
     * @throws IllegalArgumentException if the text is empty once cleaned (e.g. only whitespace)
     */
    public int[] encode(String text) {
        String cleaned = cleanNonEmpty(text);
        int[] out = new int[Math.max(16, cleaned.length())];
        int n = 0;
        Matcher m = PRE_TOKENIZER.matcher(cleaned);
        while (m.find()) {
            int[] word = word(m.group());
            if (n + word.length > out.length) out = Arrays.copyOf(out, Math.max(2 * out.length, n + word.length));
            System.arraycopy(word, 0, out, n, word.length);
            n += word.length;
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * Tokenizes a prompt that must fit SAM 3's context whole: unlike {@link #tokenize(String)}, which cuts a
     * long prompt as the reference does, this refuses one, since a silently cut phrase asks the model about
     * something else than the user wrote.
     *
     * @throws IllegalArgumentException if the text is empty once cleaned, or longer than
     *                                  {@value #DEFAULT_CONTEXT_LENGTH} − 2 tokens
     */
    public TokenizedText tokenizeWhole(String text) {
        TokenizedText t = tokenize(text, DEFAULT_CONTEXT_LENGTH);
        if (t.truncated()) {
            int n = encode(text).length;
            throw new IllegalArgumentException("text prompt is too long: " + n + " tokens, the text encoder reads at most "
                    + (DEFAULT_CONTEXT_LENGTH - 2) + "; use a short noun phrase such as \"red car\"");
        }
        return t;
    }

    /**
     * Tokenizes a prompt for SAM 3's text encoder, in a context of {@value #DEFAULT_CONTEXT_LENGTH}.
     *
     * @param text the prompt
     * @return start-of-text, the ids, end-of-text, padded with 0 (or cut, see
     *         {@link #tokenize(String, int)})
     * @throws NullPointerException     if {@code text} is null
     * @throws IllegalArgumentException if the text is empty once cleaned (e.g. only whitespace)
     */
    public TokenizedText tokenize(String text) {
        return tokenize(text, DEFAULT_CONTEXT_LENGTH);
    }

    /**
     * Tokenizes a prompt into {@code contextLength} positions: {@code [start] + ids + [end]} padded
     * with 0; if that is longer than the context it is cut to {@code contextLength} and the last id
     * replaced by end-of-text ({@link TokenizedText#truncated()} is then true).
     *
     * @param text          the prompt
     * @param contextLength the number of positions, at least 2
     * @return the tokenized prompt
     * @throws NullPointerException     if {@code text} is null
     * @throws IllegalArgumentException if the text is empty once cleaned, or {@code contextLength < 2}
     */
    public TokenizedText tokenize(String text, int contextLength) {
        if (contextLength < 2) {
            throw new IllegalArgumentException("context length must be at least 2, got " + contextLength);
        }
        int[] body = encode(text);
        int[] ids = new int[contextLength];
        ids[0] = startId;
        boolean truncated = body.length + 2 > contextLength;
        int kept = truncated ? contextLength - 2 : body.length;
        System.arraycopy(body, 0, ids, 1, kept);
        ids[kept + 1] = endId;
        return new TokenizedText(ids, kept + 2, truncated);
    }

    private static String cleanNonEmpty(String text) {
        Objects.requireNonNull(text, "text prompt is null");
        String cleaned = TextCleaner.clean(text);
        if (cleaned.isEmpty()) {
            throw new IllegalArgumentException(text.isEmpty() ? "text prompt is empty"
                    : "text prompt is empty (it holds only whitespace or invisible characters)");
        }
        return cleaned;
    }

    /** The ids of one pre-tokenized piece (cached; the array must not be modified). */
    private int[] word(String piece) {
        if (piece.equals(START_OF_TEXT)) return new int[] {startId};
        if (piece.equals(END_OF_TEXT)) return new int[] {endId};
        int[] ids = cache.get(piece);
        if (ids == null) {
            ids = bpe(piece.getBytes(StandardCharsets.UTF_8));
            if (cache.size() >= CACHE_LIMIT) cache.clear();
            cache.put(piece, ids);
        }
        return ids;
    }

    /** Byte-pair encoding of one word's UTF-8 bytes, exactly as the reference's {@code bpe()}. */
    private int[] bpe(byte[] bytes) {
        int len = bytes.length;
        int[] w = new int[len];
        for (int i = 0; i < len; i++) {
            char c = ByteUnicode.encode(bytes[i]);
            w[i] = i == len - 1 ? symbolEndId[c] : symbolId[c];
        }
        while (len > 1) {
            int best = Integer.MAX_VALUE;
            int at = -1;
            for (int i = 0; i + 1 < len; i++) {
                int r = ranks.get(w[i], w[i + 1]);
                if (r >= 0 && r < best) {
                    best = r;
                    at = i;
                }
            }
            if (at < 0) break;
            // Every occurrence of the lowest-ranked pair is merged, left to right.
            int first = w[at];
            int second = w[at + 1];
            int merged = mergedId[best];
            int j = 0;
            for (int i = 0; i < len; ) {
                if (i + 1 < len && w[i] == first && w[i + 1] == second) {
                    w[j++] = merged;
                    i += 2;
                } else {
                    w[j++] = w[i++];
                }
            }
            len = j;
        }
        return Arrays.copyOf(w, len);
    }

    // --------------------------------------------------------------------------------- decoding

    /**
     * Turns ids back into text, for debugging, as the reference's {@code decode}: the tokens'
     * bytes decoded as UTF-8 (invalid sequences become U+FFFD) and every {@code </w>} turned into
     * a space. Special tokens come out as their names and padding (id 0) as {@code !}; the text is
     * the cleaned, lowercased one.
     *
     * @param ids token ids
     * @return the text they spell
     * @throws NullPointerException     if {@code ids} is null
     * @throws IllegalArgumentException if an id is outside the vocabulary
     */
    public String decode(int[] ids) {
        Objects.requireNonNull(ids, "ids");
        StringBuilder symbols = new StringBuilder(ids.length * 4);
        for (int id : ids) {
            if (id < 0 || id >= idToToken.length || idToToken[id] == null) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (0.."
                        + (idToToken.length - 1) + ")");
            }
            symbols.append(idToToken[id]);
        }
        byte[] bytes = new byte[symbols.length() * 3];
        int n = 0;
        for (int i = 0; i < symbols.length(); i++) {
            char c = symbols.charAt(i);
            int b = ByteUnicode.decode(c);
            if (b >= 0) {
                bytes[n++] = (byte) b;
            } else { // not a byte symbol (only in a foreign vocabulary): keep the character itself
                byte[] raw = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                System.arraycopy(raw, 0, bytes, n, raw.length);
                n += raw.length;
            }
        }
        return new String(bytes, 0, n, StandardCharsets.UTF_8).replace(END_OF_WORD, " ");
    }

    // ------------------------------------------------------------------------------- properties

    /**
     * The vocabulary size.
     *
     * @return 49408 for the released CLIP vocabulary
     */
    public int vocabSize() {
        return idToToken.length;
    }

    /**
     * The start-of-text id.
     *
     * @return 49406 for the released CLIP vocabulary
     */
    public int startOfTextId() {
        return startId;
    }

    /**
     * The end-of-text id.
     *
     * @return 49407 for the released CLIP vocabulary
     */
    public int endOfTextId() {
        return endId;
    }

    /**
     * The number of merge rules.
     *
     * @return 48894 for the released CLIP vocabulary
     */
    public int mergeCount() {
        return mergedId.length;
    }

    /**
     * The cleaned text that the pre-tokenizer sees (ftfy-style fixes, HTML decoding, whitespace
     * collapsing, lowercase), for debugging.
     *
     * @param text the prompt
     * @return the cleaned text (possibly empty)
     * @throws NullPointerException if {@code text} is null
     */
    public static String clean(String text) {
        return TextCleaner.clean(Objects.requireNonNull(text, "text prompt is null"));
    }

    /**
     * A short description.
     *
     * @return the sizes and special ids
     */
    @Override
    public String toString() {
        return "ClipTokenizer[vocab=" + idToToken.length + ", merges=" + mergedId.length + ", sot=" + startId
                + ", eot=" + endId + "]";
    }

    /** Open-addressing map from a pair of token ids to its merge rank. */
    private static final class PairRanks {
        private final long[] keys;
        private final int[] values;
        private final int mask;

        PairRanks(int expected) {
            int cap = Integer.highestOneBit(Math.max(4, expected * 2 + 1)) << 1;
            keys = new long[cap];
            values = new int[cap];
            Arrays.fill(keys, -1L);
            mask = cap - 1;
        }

        private static long key(int a, int b) {
            return ((long) a << 32) | (b & 0xFFFFFFFFL);
        }

        private int slot(long k) {
            long h = k * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 29)) & mask;
        }

        void put(int a, int b, int rank) {
            long k = key(a, b);
            int i = slot(k);
            while (keys[i] != -1L && keys[i] != k) i = (i + 1) & mask;
            keys[i] = k;
            values[i] = rank;
        }

        /** The rank of pair (a, b), or -1 if it is not a merge. */
        int get(int a, int b) {
            long k = key(a, b);
            int i = slot(k);
            while (true) {
                long s = keys[i];
                if (s == k) return values[i];
                if (s == -1L) return -1;
                i = (i + 1) & mask;
            }
        }
    }
}
