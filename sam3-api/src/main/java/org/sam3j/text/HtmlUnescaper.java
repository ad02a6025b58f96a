package org.sam3j.text;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTML character-reference decoding with the semantics of Python's {@code html.unescape}, over a
 * reduced entity table.
 *
 * <p>Numeric references ({@code &#233;}, {@code &#xE9;}, with or without the closing semicolon) are
 * decoded exactly as Python does, including its HTML5 replacements: Windows-1252 characters for
 * {@code &#128;..&#159;}, U+FFFD for NUL, surrogates and values beyond U+10FFFF, and nothing for the
 * other control characters and noncharacters. Named references are resolved against the 252
 * entities of HTML 4 (values as in HTML5, e.g. {@code &lang;} is U+27E8), {@code &apos;} and the
 * all-caps aliases {@code &AMP; &COPY; &GT; &LT; &QUOT; &REG;}; the 106 legacy names that HTML5
 * allows without a semicolon ({@code &amp}, {@code &eacute}, ...) are also decoded without one and
 * as the longest prefix of a longer name, as Python does ({@code &ampfoo} → {@code &foo}). Other
 * HTML5 names (e.g. {@code &checkmark;}) are left as they are.
 */
final class HtmlUnescaper {
    /** The reference pattern ({@code html._charref}). */
    private static final Pattern CHARREF = Pattern.compile(
            "&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\\t\\n\\f <&#;]{1,32};?)");

    /** Names of U+00A0..U+00FF in code point order; all are legacy (semicolon optional). */
    private static final String LATIN1 = "nbsp iexcl cent pound curren yen brvbar sect uml copy ordf "
            + "laquo not shy reg macr deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo "
            + "frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave "
            + "Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml "
            + "times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml "
            + "aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ograve "
            + "oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml";

    /** Other legacy names (semicolon optional): name=hex code point. */
    private static final String LEGACY_OTHER = "quot=22 amp=26 lt=3C gt=3E QUOT=22 AMP=26 LT=3C GT=3E "
            + "COPY=A9 REG=AE";

    /** Names that need their semicolon: name=hex code point. */
    private static final String SEMICOLON_ONLY = "apos=27 OElig=152 oelig=153 Scaron=160 scaron=161 "
            + "Yuml=178 fnof=192 circ=2C6 tilde=2DC Alpha=391 Beta=392 Gamma=393 Delta=394 Epsilon=395 "
            + "Zeta=396 Eta=397 Theta=398 Iota=399 Kappa=39A Lambda=39B Mu=39C Nu=39D Xi=39E Omicron=39F "
            + "Pi=3A0 Rho=3A1 Sigma=3A3 Tau=3A4 Upsilon=3A5 Phi=3A6 Chi=3A7 Psi=3A8 Omega=3A9 alpha=3B1 "
            + "beta=3B2 gamma=3B3 delta=3B4 epsilon=3B5 zeta=3B6 eta=3B7 theta=3B8 iota=3B9 kappa=3BA "
            + "lambda=3BB mu=3BC nu=3BD xi=3BE omicron=3BF pi=3C0 rho=3C1 sigmaf=3C2 sigma=3C3 tau=3C4 "
            + "upsilon=3C5 phi=3C6 chi=3C7 psi=3C8 omega=3C9 thetasym=3D1 upsih=3D2 piv=3D6 ensp=2002 "
            + "emsp=2003 thinsp=2009 zwnj=200C zwj=200D lrm=200E rlm=200F ndash=2013 mdash=2014 "
            + "lsquo=2018 rsquo=2019 sbquo=201A ldquo=201C rdquo=201D bdquo=201E dagger=2020 "
            + "Dagger=2021 bull=2022 hellip=2026 permil=2030 prime=2032 Prime=2033 lsaquo=2039 "
            + "rsaquo=203A oline=203E frasl=2044 euro=20AC image=2111 weierp=2118 real=211C trade=2122 "
            + "alefsym=2135 larr=2190 uarr=2191 rarr=2192 darr=2193 harr=2194 crarr=21B5 lArr=21D0 "
            + "uArr=21D1 rArr=21D2 dArr=21D3 hArr=21D4 forall=2200 part=2202 exist=2203 empty=2205 "
            + "nabla=2207 isin=2208 notin=2209 ni=220B prod=220F sum=2211 minus=2212 lowast=2217 "
            + "radic=221A prop=221D infin=221E ang=2220 and=2227 or=2228 cap=2229 cup=222A int=222B "
            + "there4=2234 sim=223C cong=2245 asymp=2248 ne=2260 equiv=2261 le=2264 ge=2265 sub=2282 "
            + "sup=2283 nsub=2284 sube=2286 supe=2287 oplus=2295 otimes=2297 perp=22A5 sdot=22C5 "
            + "lceil=2308 rceil=2309 lfloor=230A rfloor=230B loz=25CA spades=2660 clubs=2663 "
            + "hearts=2665 diams=2666 lang=27E8 rang=27E9";

    /**
     * Windows-1252 decoding of bytes 0x80..0x9F, the five undefined ones standing for themselves
     * (Python's {@code html._invalid_charrefs}, and ftfy's "sloppy" Windows-1252).
     */
    static final char[] CP1252_C1 = {
        0x20AC, 0x81, 0x201A, 0x192, 0x201E, 0x2026, 0x2020, 0x2021, 0x2C6, 0x2030, 0x160, 0x2039,
        0x152, 0x8D, 0x17D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x2DC, 0x2122, 0x161, 0x203A, 0x153, 0x9D, 0x17E, 0x178,
    };

    /** Every known name with its trailing semicolon, and legacy names also without it. */
    private static final Map<String, String> ENTITIES = new HashMap<>();

    static {
        String[] latin1 = LATIN1.split(" ");
        for (int i = 0; i < latin1.length; i++) {
            putLegacy(latin1[i], String.valueOf((char) (0xA0 + i)));
        }
        for (String e : LEGACY_OTHER.split(" ")) {
            putLegacy(e.substring(0, e.indexOf('=')), codePoint(e));
        }
        for (String e : SEMICOLON_ONLY.split(" ")) {
            ENTITIES.put(e.substring(0, e.indexOf('=')) + ";", codePoint(e));
        }
    }

    /**
     * ftfy's stricter pattern: only references that end in a semicolon
     * ({@code ftfy.chardata.HTML_ENTITY_RE}).
     */
    private static final Pattern FTFY_ENTITY = Pattern.compile("&#?[0-9A-Za-z]{1,24};");

    /**
     * ftfy's all-caps aliases: for each all-lowercase name whose uppercase spelling means nothing to
     * {@code html.unescape}, that spelling (with a semicolon) decodes to the value in uppercase
     * ({@code &EACUTE;} → {@code É}, {@code &SZLIG;} → {@code SS}).
     */
    private static final Map<String, String> FTFY_UPPERCASE = new HashMap<>();

    static {
        for (Map.Entry<String, String> e : ENTITIES.entrySet()) {
            String name = e.getKey();
            if (!name.endsWith(";") || !name.equals(name.toLowerCase(Locale.ROOT))) continue;
            String upper = name.toUpperCase(Locale.ROOT);
            if (unescape("&" + upper).equals("&" + upper)) {
                FTFY_UPPERCASE.put(upper, e.getValue().toUpperCase(Locale.ROOT));
            }
        }
    }

    private HtmlUnescaper() {}

    private static void putLegacy(String name, String value) {
        ENTITIES.put(name, value);
        ENTITIES.put(name + ";", value);
    }

    private static String codePoint(String entry) {
        return new String(Character.toChars(Integer.parseInt(entry.substring(entry.indexOf('=') + 1), 16)));
    }

    /** Decodes every character reference in {@code s}, once. */
    static String unescape(String s) {
        if (s.indexOf('&') < 0) return s;
        Matcher m = CHARREF.matcher(s);
        StringBuilder out = new StringBuilder(s.length());
        int last = 0;
        while (m.find()) {
            out.append(s, last, m.start()).append(replace(m.group(1)));
            last = m.end();
        }
        return out.append(s, last, s.length()).toString();
    }

    /**
     * ftfy's own HTML pass ({@code ftfy.fixes.unescape_html}), once: named references with their
     * semicolon (and the all-caps aliases), and numeric ones that {@code html.unescape} decodes
     * completely.
     */
    static String unescapeFtfy(String s) {
        if (s.indexOf('&') < 0) return s;
        Matcher m = FTFY_ENTITY.matcher(s);
        StringBuilder out = new StringBuilder(s.length());
        int last = 0;
        while (m.find()) {
            String ref = m.group();
            String name = ref.substring(1);
            String v;
            if (name.startsWith("#")) {
                v = unescape(ref);
                if (v.indexOf(';') >= 0) v = ref;
            } else {
                v = ENTITIES.get(name);
                if (v == null) v = FTFY_UPPERCASE.getOrDefault(name, ref);
            }
            out.append(s, last, m.start()).append(v);
            last = m.end();
        }
        return out.append(s, last, s.length()).toString();
    }

    private static String replace(String ref) {
        if (ref.charAt(0) == '#') {
            boolean hex = ref.charAt(1) == 'x' || ref.charAt(1) == 'X';
            String digits = ref.substring(hex ? 2 : 1, ref.endsWith(";") ? ref.length() - 1 : ref.length());
            return numeric(parseCapped(digits, hex ? 16 : 10));
        }
        String v = ENTITIES.get(ref);
        if (v != null) return v;
        // Longest legacy name that is a proper prefix (no prefix can hold the ';', only the end can).
        for (int x = ref.length() - 1; x > 1; x--) {
            v = ENTITIES.get(ref.substring(0, x));
            if (v != null) return v + ref.substring(x);
        }
        return "&" + ref;
    }

    /** Parses digits, saturating at a value beyond U+10FFFF (the digits can be arbitrarily long). */
    private static long parseCapped(String digits, int radix) {
        long v = 0;
        for (int i = 0; i < digits.length(); i++) {
            v = v * radix + Character.digit(digits.charAt(i), radix);
            if (v > 0x10FFFF) return 0x110000;
        }
        return v;
    }

    private static String numeric(long num) {
        if (num == 0) return "\uFFFD";
        if (num == 0x0D) return "\r";
        if (num >= 0x80 && num <= 0x9F) return String.valueOf(CP1252_C1[(int) num - 0x80]);
        if ((num >= 0xD800 && num <= 0xDFFF) || num > 0x10FFFF) return "\uFFFD";
        if ((num >= 0x01 && num <= 0x08) || num == 0x0B || (num >= 0x0E && num <= 0x1F) || num == 0x7F
                || (num >= 0xFDD0 && num <= 0xFDEF) || (num & 0xFFFE) == 0xFFFE) {
            return "";
        }
        return new String(Character.toChars((int) num));
    }
}
