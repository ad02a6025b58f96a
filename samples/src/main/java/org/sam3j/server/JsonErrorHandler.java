package org.sam3j.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's answer to what never reaches the server's routes — chiefly a request line its parser refuses, such as a
 * path that climbs above the root ({@code /app.js/../../pom.xml}) — in the API's shape: a JSON body
 * {@code {"error": "..."}} instead of Jetty's HTML page.
 *
 * <p>Such an answer always says {@code Connection: close}: Jetty closes the connection after a request it could not
 * parse but (for the HTTP/1.0 stand-in request it answers with) does not announce it, so a client that pools
 * connections would send its next request into a closed socket.
 */
final class JsonErrorHandler extends ErrorHandler {
    private final ObjectMapper json;

    JsonErrorHandler(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws JsonProcessingException {
        int status = response.getStatus();
        String reason = HttpStatus.getMessage(status);
        Object message = request.getAttribute(ERROR_MESSAGE);
        Object cause = request.getAttribute(ERROR_EXCEPTION);
        if (cause instanceof Throwable t && t.getCause() != null && t.getCause().getMessage() != null) {
            message = t.getCause().getMessage(); // the parser's own words ("Bad URI"), not the status's reason again
        }
        String text = message == null || message.toString().isBlank() || message.toString().equals(reason)
                ? status + " " + reason : status + " " + reason + ": " + message;
        byte[] body = json.writeValueAsBytes(Map.of("error", text));
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        Sam3Server.RESPONSE_HEADERS.forEach(response.getHeaders()::put);
        response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }
}
