package org.sam3j.hub;

/**
 * The Hub refused access (HTTP 401 or 403): the repository is gated or private, or the token is missing or
 * lacks permission. The message explains how to get access (accept the license on the repository page,
 * create a token, set {@code HF_TOKEN} or run {@code huggingface-cli login}).
 */
public class HubAccessException extends HubException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what was refused and how to get access
     * @param statusCode 401 or 403
     * @param errorCode the Hub's {@code X-Error-Code} header (e.g. {@code GatedRepo}), or null
     */
    public HubAccessException(String message, int statusCode, String errorCode) {
        super(message, statusCode, errorCode);
    }
}
