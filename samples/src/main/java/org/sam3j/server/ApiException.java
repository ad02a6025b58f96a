package org.sam3j.server;

/** A request the server refuses: answered with {@code status} and the JSON body {@code {"error": message}}. */
final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;

    ApiException(int status, String message) {
        super(message, null, false, false); // an answer, not a failure: no stack trace to fill
        this.status = status;
    }

    int status() {
        return status;
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    static ApiException notFound(String message) {
        return new ApiException(404, message);
    }

    static ApiException tooLarge(String message) {
        return new ApiException(413, message);
    }
}
