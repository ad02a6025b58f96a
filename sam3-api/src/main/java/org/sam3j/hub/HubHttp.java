package org.sam3j.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.sam3j.internal.Log;
import org.slf4j.Logger;

/**
 * GET requests to the Hub with redirects followed by hand, so that the token goes to the endpoint's origin
 * (scheme, host and port) only and never to a CDN or any other host a redirect points to.
 */
final class HubHttp {
    private static final Logger LOG = Log.get(HubHttp.class);
    static final int MAX_REDIRECTS = 5;
    /** Headers remembered from every hop (the Hub sets them on its redirect to the CDN). */
    private static final String[] META_HEADERS = {"x-repo-commit", "x-linked-etag", "x-linked-size", "etag"};
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client;
    private final URI endpoint;
    private final String token;
    private final Duration requestTimeout;
    private final String userAgent;

    HubHttp(HttpClient client, URI endpoint, String token, Duration requestTimeout, String userAgent) {
        this.client = client;
        this.endpoint = endpoint;
        this.token = token;
        this.requestTimeout = requestTimeout;
        this.userAgent = userAgent;
    }

    boolean hasToken() {
        return token != null;
    }

    /** Whether a request to {@code uri} carries the token. */
    boolean tokenSentTo(URI uri) {
        return token != null && sameOrigin(uri, endpoint);
    }

    /** The answer at the end of a redirect chain, with headers remembered from earlier hops. */
    static final class Answer implements AutoCloseable {
        final HttpResponse<InputStream> response;
        final URI uri;
        private final Map<String, String> meta;

        Answer(HttpResponse<InputStream> response, URI uri, Map<String, String> meta) {
            this.response = response;
            this.uri = uri;
            this.meta = meta;
        }

        int status() {
            return response.statusCode();
        }

        /** A header of the final answer. */
        String header(String name) {
            return response.headers().firstValue(name).orElse(null);
        }

        /** {@code x-repo-commit}, {@code x-linked-etag}, {@code x-linked-size} or {@code etag}, from the first hop that had it. */
        String meta(String name) {
            return meta.get(name);
        }

        /** Up to 8 KB of the body as text (for error answers). */
        String bodyText() {
            try (InputStream in = response.body()) {
                return new String(in.readNBytes(8192), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }

        /** Reads a short remaining body so the connection can be reused, then closes. */
        void drainAndClose() {
            try (InputStream in = response.body()) {
                in.readNBytes(64 * 1024);
            } catch (IOException e) {
                LOG.debug("draining response body of {}", uri, e);
            }
        }

        @Override
        public void close() {
            try {
                response.body().close();
            } catch (IOException e) {
                LOG.debug("closing response body of {}", uri, e);
            }
        }
    }

    /**
     * GETs {@code uri} following up to {@value #MAX_REDIRECTS} redirects (301, 302, 303, 307, 308; relative or
     * absolute {@code Location}). {@code headers} go with every hop; {@code Authorization} only to the
     * endpoint's origin. The caller closes the answer.
     */
    Answer get(URI uri, Map<String, String> headers) throws IOException {
        URI current = uri;
        Map<String, String> meta = new HashMap<>();
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder rb = HttpRequest.newBuilder(current).GET().timeout(requestTimeout)
                    .header("User-Agent", userAgent);
            headers.forEach(rb::header);
            boolean auth = tokenSentTo(current);
            if (auth) {
                rb.header("Authorization", "Bearer " + token);
            }
            LOG.debug("GET {}{}{}", current, auth ? " (with token)" : "", headers.isEmpty() ? "" : " " + headers);
            HttpResponse<InputStream> response;
            try {
                response = client.send(rb.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                InterruptedIOException ie = new InterruptedIOException("interrupted while requesting " + current);
                ie.initCause(e);
                throw ie;
            }
            for (String name : META_HEADERS) {
                response.headers().firstValue(name).ifPresent(v -> meta.putIfAbsent(name, v));
            }
            int status = response.statusCode();
            if (!isRedirect(status)) {
                return new Answer(response, current, meta);
            }
            Answer redirect = new Answer(response, current, meta);
            redirect.drainAndClose();
            String location = redirect.header("Location");
            if (location == null || location.isBlank()) {
                throw new IOException("HTTP " + status + " redirect without a Location header from " + current);
            }
            if (hop >= MAX_REDIRECTS) {
                throw new IOException("too many redirects (more than " + MAX_REDIRECTS + ") starting at " + uri);
            }
            URI next;
            try {
                next = current.resolve(new URI(location.strip()));
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw new IOException("invalid redirect Location '" + location + "' from " + current, e);
            }
            String scheme = next.getScheme() == null ? "" : next.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || next.getHost() == null) {
                throw new IOException("refusing redirect to '" + location + "' from " + current);
            }
            LOG.debug("HTTP {} -> {}", status, next);
            current = next;
        }
    }

    static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    /** Same scheme, host and (effective) port. */
    static boolean sameOrigin(URI a, URI b) {
        return a.getScheme() != null && a.getScheme().equalsIgnoreCase(b.getScheme())
                && a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI u) {
        if (u.getPort() >= 0) {
            return u.getPort();
        }
        return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    /** The Hub's explanation of an error answer: {@code X-Error-Message}, else the body's JSON {@code error}. */
    static String errorMessage(Answer answer) {
        String header = answer.header("X-Error-Message");
        if (header != null && !header.isBlank()) {
            return header.strip();
        }
        String body = answer.bodyText().strip();
        if (body.startsWith("{")) {
            try {
                JsonNode node = JSON.readTree(body);
                JsonNode error = node.get("error");
                if (error != null && error.isTextual()) {
                    return error.asText();
                }
            } catch (IOException e) {
                // not JSON: fall through
            }
        }
        return null;
    }

    static ObjectMapper json() {
        return JSON;
    }
}
