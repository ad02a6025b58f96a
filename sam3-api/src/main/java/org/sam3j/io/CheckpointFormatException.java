package org.sam3j.io;

import java.io.IOException;

/** A weights or tensor file that is malformed, truncated, unsafe or of an unsupported kind. */
public class CheckpointFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /** @param message what is wrong, naming the file */
    public CheckpointFormatException(String message) {
        super(message);
    }

    /** @param message what is wrong, naming the file; @param cause the underlying failure */
    public CheckpointFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
