package org.sam3j.hub;

import java.io.IOException;

/**
 * The Hub answered a request with an error status (for example 404 for a missing repository, revision or
 * file). The message says what was asked for and what went wrong.
 */
public class HubException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The HTTP status of the answer. */
    private final int statusCode;
    /** The Hub's {@code X-Error-Code}, or null. */
    private final String errorCode;

    /**
     * @param message what failed, for people
     * @param statusCode the HTTP status of the answer
     * @param errorCode the Hub's {@code X-Error-Code} header (e.g. {@code RepoNotFound}), or null
     */
    public HubException(String message, int statusCode, String errorCode) {
        super(message);
        this.statusCode = statusCode;
        this.errorCode = errorCode;
    }

    /** @return the HTTP status of the answer */
    public int statusCode() {
        return statusCode;
    }

    /** @return the Hub's {@code X-Error-Code} ({@code GatedRepo}, {@code RepoNotFound}, ...), or null */
    public String errorCode() {
        return errorCode;
    }
}
