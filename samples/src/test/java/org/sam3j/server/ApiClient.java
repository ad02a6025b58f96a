package org.sam3j.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** A small java.net.http client for the server's API, for tests. */
final class ApiClient {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final String BOUNDARY = "sam3jTestBoundary7MA4YWxkTrZu0gW";

    /** An answer: status, body text, and the body as a JSON object when it is one. */
    record Answer(int status, String contentType, String connection, String body) {
        @SuppressWarnings("unchecked")
        Map<String, Object> json() {
            try {
                return JSON.readValue(body, Map.class);
            } catch (IOException e) {
                throw new AssertionError("not JSON (HTTP " + status + "): " + body, e);
            }
        }

        String error() {
            return (String) json().get("error");
        }
    }

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    ApiClient(URI base) {
        this.base = base;
    }

    Answer get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET().build());
    }

    Answer postJson(String path, String json) throws IOException, InterruptedException {
        return send(jsonRequest(path, json));
    }

    CompletableFuture<Answer> postJsonAsync(String path, String json) {
        return http.sendAsync(jsonRequest(path, json), HttpResponse.BodyHandlers.ofString()).thenApply(ApiClient::answer);
    }

    Answer segment(String id, String json) throws IOException, InterruptedException {
        return postJson("v1/images/" + id + "/segment", json);
    }

    /** Uploads bytes in the multipart field {@code field} with a Content-Length. */
    Answer upload(String field, byte[] content) throws IOException, InterruptedException {
        return send(uploadRequest(field, content, false));
    }

    CompletableFuture<Answer> uploadAsync(byte[] content) {
        return http.sendAsync(uploadRequest("image", content, false), HttpResponse.BodyHandlers.ofString())
                .thenApply(ApiClient::answer);
    }

    /** Uploads bytes chunked (no Content-Length: the server learns the size only by reading). */
    Answer uploadChunked(byte[] content) throws IOException, InterruptedException {
        return send(uploadRequest("image", content, true));
    }

    Answer post(String path, String contentType, byte[] body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    /** Uploads an image and returns its id (fails the test otherwise). */
    String uploadImage(byte[] content) throws IOException, InterruptedException {
        Answer a = upload("image", content);
        if (a.status() != 201) throw new AssertionError("upload: HTTP " + a.status() + " " + a.body());
        return (String) a.json().get("id");
    }

    private HttpRequest jsonRequest(String path, String json) {
        return HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .timeout(Duration.ofMinutes(5)).POST(HttpRequest.BodyPublishers.ofString(json)).build();
    }

    private HttpRequest uploadRequest(String field, byte[] content, boolean chunked) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        String head = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + field
                + "\"; filename=\"../../etc/passwd\"\r\nContent-Type: application/octet-stream\r\n\r\n";
        b.writeBytes(head.getBytes(StandardCharsets.UTF_8));
        b.writeBytes(content);
        b.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        byte[] body = b.toByteArray();
        HttpRequest.BodyPublisher p = chunked
                ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))
                : HttpRequest.BodyPublishers.ofByteArray(body);
        return HttpRequest.newBuilder(base.resolve("v1/images")).timeout(Duration.ofMinutes(5))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY).POST(p).build();
    }

    private Answer send(HttpRequest r) throws IOException, InterruptedException {
        return answer(http.send(r, HttpResponse.BodyHandlers.ofString()));
    }

    private static Answer answer(HttpResponse<String> r) {
        return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""),
                r.headers().firstValue("Connection").orElse(""), r.body());
    }
}
