package org.sam3j.text;

import java.util.Arrays;

/**
 * The reversible byte ↔ character table of GPT-2 / CLIP byte-level BPE ({@code bytes_to_unicode}).
 *
 * <p>Printable Latin-1 bytes ({@code !..~}, {@code ¡..¬}, {@code ®..ÿ}) stand for themselves; the
 * other 68 bytes (controls, space, {@code 0x7F..0xA0}, {@code 0xAD}) are mapped in ascending order to
 * U+0100, U+0101, ... so that every byte becomes one visible, non-space character.
 */
final class ByteUnicode {
    /** Character standing for each byte value. */
    private static final char[] BYTE_TO_CHAR = new char[256];
    /** Byte value for each character, -1 where the character stands for no byte. */
    private static final int[] CHAR_TO_BYTE = new int[256 + 68];

    static {
        boolean[] printable = new boolean[256];
        for (int b = '!'; b <= '~'; b++) printable[b] = true;
        for (int b = 0xA1; b <= 0xAC; b++) printable[b] = true;
        for (int b = 0xAE; b <= 0xFF; b++) printable[b] = true;
        Arrays.fill(CHAR_TO_BYTE, -1);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            char c = printable[b] ? (char) b : (char) (256 + n++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteUnicode() {}

    /** The character standing for byte {@code b} (0..255). */
    static char encode(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte that character {@code c} stands for, or -1 if it stands for none. */
    static int decode(char c) {
        return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /**
     * All 256 symbols in the order of the CLIP vocabulary's first 256 entries: the order of the
     * reference's {@code bytes_to_unicode()} dictionary, which is ascending character code (the
     * printable bytes, then the remapped ones), not byte order.
     */
    static String[] symbols() {
        String[] s = new String[256];
        int i = 0;
        for (int c = 0; c < CHAR_TO_BYTE.length; c++) {
            if (CHAR_TO_BYTE[c] >= 0) s[i++] = String.valueOf((char) c);
        }
        return s;
    }
}
