package org.sam3j.text;

import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The reference tokenizer's "lower" text cleaning: {@code ftfy.fix_text}, {@code html.unescape}
 * twice, strip, collapse whitespace, lowercase.
 *
 * <p>{@code ftfy.fix_text} (6.1.1, the version SAM 3 pins) is reproduced except for its heuristic
 * mojibake repair ({@code fix_encoding}): line by line and until nothing changes, ftfy's own HTML
 * pass (off from the first line holding a {@code <}), C1 controls read as Windows-1252, Latin
 * ligatures and digraphs split ({@code ﬁ} → {@code fi}), full/half-width forms to standard width
 * (and U+3000 to a space), curly quotes straightened ({@code ‘ ’ ‚ ‛ ʼ} → {@code '},
 * {@code “ ” „ ‟} → {@code "}), line breaks unified, lone surrogates to U+FFFD, ANSI terminal
 * escapes and invisible control characters removed, then Unicode NFC. HTML names are limited to
 * those {@link HtmlUnescaper} knows. Text that is not mojibake (UTF-8 read as Latin-1 or
 * Windows-1252, e.g. {@code cafÃ©}) is cleaned as the reference cleans it.
 */
final class TextCleaner {
    /** ANSI escape sequences ({@code ftfy.fixes.ANSI_RE}). */
    private static final Pattern ANSI = Pattern.compile("\u001b\\[((?:\\d|;)*)([a-zA-Z])");

    private TextCleaner() {}

    /** The cleaned, lowercased text that the pre-tokenizer splits. */
    static String clean(String text) {
        String t = fixText(text);
        t = HtmlUnescaper.unescape(HtmlUnescaper.unescape(t));
        t = collapseWhitespace(strip(t));
        return lower(t);
    }

    /**
     * Python's {@code str.lower()}: full Unicode lowercasing, where Java's root-locale mapping agrees
     * except for capital sigma. Python makes Σ final (ς) when a cased letter precedes it and none
     * follows, looking past case-ignorable characters; Java looks within a word only.
     */
    static String lower(String s) {
        if (s.indexOf('\u03A3') < 0) return s.toLowerCase(Locale.ROOT);
        StringBuilder out = new StringBuilder(s.length());
        int last = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) != '\u03A3') continue;
            out.append(s.substring(last, i).toLowerCase(Locale.ROOT)).append(isFinalSigma(s, i) ? '\u03C2' : '\u03C3');
            last = i + 1;
        }
        return out.append(s.substring(last).toLowerCase(Locale.ROOT)).toString();
    }

    /** CPython's {@code handle_capital_sigma}: a cased letter before, none after (past case-ignorables). */
    private static boolean isFinalSigma(String s, int i) {
        int before = -1;
        for (int j = i; j > 0; ) {
            int c = s.codePointBefore(j);
            j -= Character.charCount(c);
            if (!isCaseIgnorable(c)) {
                before = c;
                break;
            }
        }
        if (before < 0 || !isCased(before)) return false;
        for (int k = i + 1; k < s.length(); ) {
            int c = s.codePointAt(k);
            if (!isCaseIgnorable(c)) return !isCased(c);
            k += Character.charCount(c);
        }
        return true;
    }

    /** Unicode Cased: Lowercase, Uppercase or titlecase letter. */
    private static boolean isCased(int c) {
        return Character.isLowerCase(c) || Character.isUpperCase(c) || Character.isTitleCase(c);
    }

    /** Unicode Case_Ignorable: Mn, Me, Cf, Lm, Sk, and Word_Break MidLetter / MidNumLet / Single_Quote. */
    static boolean isCaseIgnorable(int c) {
        switch (Character.getType(c)) {
            case Character.NON_SPACING_MARK:
            case Character.ENCLOSING_MARK:
            case Character.FORMAT:
            case Character.MODIFIER_LETTER:
            case Character.MODIFIER_SYMBOL:
                return true;
            default:
                break;
        }
        switch (c) {
            case 0x27: case 0x2E: case 0x3A: case 0xB7: case 0x387: case 0x55F: case 0x5F4: case 0x2018:
            case 0x2019: case 0x2024: case 0x2027: case 0xFE13: case 0xFE52: case 0xFE55: case 0xFF07:
            case 0xFF0E: case 0xFF1A:
                return true;
            default:
                return false;
        }
    }

    /**
     * The ftfy subset described in the class comment. Like {@code ftfy.fix_text}, the text is fixed
     * line by line (each segment ending after a {@code \n}); from the first line that holds a
     * {@code <} on, the HTML pass is off (the text is taken for HTML).
     */
    static String fixText(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean unescapeHtml = true;
        int pos = 0;
        while (pos < text.length()) {
            int end = text.indexOf('\n', pos) + 1;
            if (end == 0) end = text.length();
            String segment = text.substring(pos, end);
            if (unescapeHtml && segment.indexOf('<') >= 0) unescapeHtml = false;
            out.append(fixSegment(segment, unescapeHtml));
            pos = end;
        }
        return out.toString();
    }

    /** {@code ftfy.fix_and_explain} without {@code fix_encoding}: repeat the fixers until stable. */
    private static String fixSegment(String segment, boolean unescapeHtml) {
        String t = segment;
        for (int round = 0; round < 100; round++) {
            String before = t;
            if (unescapeHtml) t = HtmlUnescaper.unescapeFtfy(t);
            t = ANSI.matcher(fixCharacters(t)).replaceAll("");
            t = removeControlChars(t);
            t = Normalizer.normalize(t, Normalizer.Form.NFC);
            if (t.equals(before)) break;
        }
        return t;
    }

    /**
     * ftfy's per-character fixers, in its order: C1 controls, ligatures, width, quotes, line
     * breaks, surrogates.
     */
    private static String fixCharacters(String s) {
        s = mapChars(s, TextCleaner::c1Control);
        s = mapChars(s, TextCleaner::ligature);
        s = mapChars(s, TextCleaner::width);
        s = mapChars(s, TextCleaner::quote);
        s = s.replace("\r\n", "\n").replace('\r', '\n').replace('\u2028', '\n').replace('\u2029', '\n')
                .replace('\u0085', '\n');
        return fixSurrogates(s);
    }

    /** Replaces each char for which {@code fixer} gives a replacement (null = keep). */
    private static String mapChars(String s, CharFixer fixer) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String r = fixer.fix(c);
            if (r != null && out == null) out = new StringBuilder(s.length() + 8).append(s, 0, i);
            if (out != null) {
                if (r != null) out.append(r);
                else out.append(c);
            }
        }
        return out == null ? s : out.toString();
    }

    /** A per-character fix: the replacement, or null to keep the character. */
    @FunctionalInterface
    private interface CharFixer {
        String fix(char c);
    }

    /** {@code ftfy.fixes.fix_c1_controls}: U+0080..U+009F read as (sloppy) Windows-1252. */
    private static String c1Control(char c) {
        return c >= 0x80 && c <= 0x9F ? String.valueOf(HtmlUnescaper.CP1252_C1[c - 0x80]) : null;
    }

    /** {@code ftfy.chardata.LIGATURES}. */
    private static String ligature(char c) {
        switch (c) {
            case '\u0132': return "IJ";
            case '\u0133': return "ij";
            case '\u0149': return "\u02BCn";
            case '\u01F1': return "DZ";
            case '\u01F2': return "Dz";
            case '\u01F3': return "dz";
            case '\u01C4': return "D\u017D";
            case '\u01C5': return "D\u017E";
            case '\u01C6': return "d\u017E";
            case '\u01C7': return "LJ";
            case '\u01C8': return "Lj";
            case '\u01C9': return "lj";
            case '\u01CA': return "NJ";
            case '\u01CB': return "Nj";
            case '\u01CC': return "nj";
            case '\uFB00': return "ff";
            case '\uFB01': return "fi";
            case '\uFB02': return "fl";
            case '\uFB03': return "ffi";
            case '\uFB04': return "ffl";
            case '\uFB05': return "\u017Ft";
            case '\uFB06': return "st";
            default: return null;
        }
    }

    /** {@code ftfy.chardata.WIDTH_MAP}: U+3000 → space; U+FF01..U+FFEF → NFKC where it differs. */
    private static String width(char c) {
        if (c == '\u3000') return " ";
        if (c < '\uFF01' || c > '\uFFEF') return null;
        String s = String.valueOf(c);
        String n = Normalizer.normalize(s, Normalizer.Form.NFKC);
        return n.equals(s) ? null : n;
    }

    /** {@code ftfy.fixes.uncurl_quotes}. */
    private static String quote(char c) {
        if (c == '\u02BC' || (c >= '\u2018' && c <= '\u201B')) return "'";
        if (c >= '\u201C' && c <= '\u201F') return "\"";
        return null;
    }

    /** Valid surrogate pairs stay (they are one character in Python); lone surrogates → U+FFFD. */
    private static String fixSurrogates(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1));
            boolean lone = !pair && Character.isSurrogate(c);
            if (lone && out == null) out = new StringBuilder(s.length()).append(s, 0, i);
            if (out != null) {
                if (lone) {
                    out.append('\uFFFD');
                } else if (pair) {
                    out.append(c).append(s.charAt(i + 1));
                } else {
                    out.append(c);
                }
            }
            if (pair) i++;
        }
        return out == null ? s : out.toString();
    }

    /** {@code ftfy.chardata.CONTROL_CHARS}. */
    private static boolean isRemovedControl(int c) {
        return c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F
                || (c >= 0x206A && c <= 0x206F) || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC);
    }

    private static String removeControlChars(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean drop = isRemovedControl(c);
            if (drop && out == null) out = new StringBuilder(s.length()).append(s, 0, i);
            if (out != null && !drop) out.append(c);
        }
        return out == null ? s : out.toString();
    }

    /** Unicode White_Space: what the reference's {@code \s} matches (the {@code regex} module, str). */
    static boolean isWhitespace(int c) {
        return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F
                || c == 0x205F || c == 0x3000;
    }

    /** Python's {@code str.isspace}: White_Space plus U+001C..U+001F. */
    private static boolean isPythonSpace(int c) {
        return isWhitespace(c) || (c >= 0x1C && c <= 0x1F);
    }

    /** {@code str.strip()}. */
    private static String strip(String s) {
        int b = 0;
        int e = s.length();
        while (b < e && isPythonSpace(s.charAt(b))) b++;
        while (e > b && isPythonSpace(s.charAt(e - 1))) e--;
        return s.substring(b, e);
    }

    /**
     * {@code re.sub(r"\s+", " ", s).strip()} on text already stripped (its ends are then neither
     * {@code \s} nor {@code isspace}, so the second strip has nothing to do).
     */
    private static String collapseWhitespace(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean inSpace = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (isWhitespace(c)) {
                if (!inSpace) out.append(' ');
                inSpace = true;
            } else {
                out.append(c);
                inSpace = false;
            }
        }
        return out.toString();
    }
}
