package org.sam3j.text;

import java.io.IOException;

/** A tokenizer vocabulary or merges file that is malformed or truncated; the message names the file. */
public class TokenizerFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong, naming the file
     */
    public TokenizerFormatException(String message) {
        super(message);
    }

    /**
     * Creates the exception with its underlying failure.
     *
     * @param message what is wrong, naming the file
     * @param cause   the underlying failure (a decompression or JSON error)
     */
    public TokenizerFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
