package org.sam3j.image;

import java.io.IOException;

/**
 * An image that cannot be used: the bytes are not in a recognised format, the file is truncated or
 * corrupt, the encoding is one the decoder does not support (for example CMYK JPEG), or the image has
 * no pixels. The message names the source (file path, or a description of the in-memory source) and
 * the problem.
 */
public class ImageFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The file path or description of the source that could not be read. */
    private final String source;

    /**
     * @param source  the file path or a description of the in-memory source
     * @param problem what is wrong, in a few words
     */
    public ImageFormatException(String source, String problem) {
        super(message(source, problem));
        this.source = source;
    }

    /**
     * @param source  the file path or a description of the in-memory source
     * @param problem what is wrong, in a few words
     * @param cause   the decoder's exception
     */
    public ImageFormatException(String source, String problem, Throwable cause) {
        super(message(source, problem), cause);
        this.source = source;
    }

    /** The file path or description of the source that could not be read. */
    public String source() {
        return source;
    }

    private static String message(String source, String problem) {
        return "cannot read image " + source + ": " + problem;
    }
}
