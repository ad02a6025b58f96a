package org.sam3j.text;

import java.util.Arrays;

/**
 * A text prompt as the text encoder takes it: {@code [start_of_text] + BPE ids + [end_of_text]},
 * padded with 0 to the context length (or cut to it, the last id then being end-of-text).
 *
 * <p>Immutable; {@link #ids()} and {@link #paddingMask()} return fresh arrays.
 */
public final class TokenizedText {
    private final int[] ids;
    private final int length;
    private final boolean truncated;

    TokenizedText(int[] ids, int length, boolean truncated) {
        this.ids = ids.clone();
        this.length = length;
        this.truncated = truncated;
    }

    /**
     * The token ids, one per position of the context (a copy).
     *
     * @return {@link #contextLength()} ids: start-of-text, the text's BPE ids, end-of-text, then 0s
     */
    public int[] ids() {
        return ids.clone();
    }

    /**
     * The token ids widened to {@code long}, the element type of the reference's token tensor.
     *
     * @return a new array of {@link #contextLength()} ids
     */
    public long[] idsAsLongs() {
        long[] out = new long[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = ids[i];
        return out;
    }

    /**
     * The id at one position.
     *
     * @param position 0 ≤ position &lt; {@link #contextLength()}
     * @return the token id there (0 in the padding)
     * @throws IndexOutOfBoundsException if the position is outside the context
     */
    public int id(int position) {
        return ids[position];
    }

    /**
     * The context length (number of positions, padding included).
     *
     * @return the length of {@link #ids()}
     */
    public int contextLength() {
        return ids.length;
    }

    /**
     * The number of valid tokens, start-of-text and end-of-text included; positions from here on
     * are padding.
     *
     * @return between 2 and {@link #contextLength()}
     */
    public int length() {
        return length;
    }

    /**
     * The reference's padding mask: {@code true} where the id is 0 ({@code token_id == 0}).
     *
     * <p>This follows the reference exactly. Id 0 is also a real (rare) token, the symbol {@code !}
     * inside a word, so a position below {@link #length()} can in principle be marked too; SAM 3
     * was trained with this mask.
     *
     * @return one flag per position, {@code true} = padding
     */
    public boolean[] paddingMask() {
        boolean[] mask = new boolean[ids.length];
        for (int i = 0; i < ids.length; i++) mask[i] = ids[i] == 0;
        return mask;
    }

    /**
     * Whether the text did not fit and was cut (the last position then holds end-of-text).
     *
     * @return {@code true} if tokens were dropped
     */
    public boolean truncated() {
        return truncated;
    }

    /**
     * Equal when the ids, length and truncation flag are.
     *
     * @param o another object
     * @return whether {@code o} is an equal {@code TokenizedText}
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof TokenizedText t && t.length == length && t.truncated == truncated
                && Arrays.equals(t.ids, ids);
    }

    /**
     * A hash of the ids, length and truncation flag.
     *
     * @return the hash code
     */
    @Override
    public int hashCode() {
        return (Arrays.hashCode(ids) * 31 + length) * 2 + (truncated ? 1 : 0);
    }

    /**
     * The valid ids and the sizes, for debugging.
     *
     * @return e.g. {@code TokenizedText[49406, 4629, 49407; length=3/32]}
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("TokenizedText[");
        for (int i = 0; i < length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(ids[i]);
        }
        sb.append("; length=").append(length).append('/').append(ids.length);
        if (truncated) sb.append(", truncated");
        return sb.append(']').toString();
    }
}
