package org.sam3j.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A minimal Hugging Face Hub on 127.0.0.1: the revision API, {@code resolve} URLs (LFS files via a relative
 * redirect on the hub and then an absolute redirect to a second server playing the CDN), range requests, and
 * failure modes (401, truncated bodies, stalls, ignored ranges, corrupt data). Records every request.
 */
final class FakeHub implements AutoCloseable {
    static final String REPO = "acme/sam3";
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

    /** One recorded request. */
    record Request(String server, String path, String authorization, String range) {}

    final Map<String, byte[]> files = new LinkedHashMap<>();
    final Set<String> lfs;
    final List<Request> requests = new ArrayList<>();

    // failure modes, changed by tests between resolutions
    volatile int truncateAfter = -1;
    volatile int stallAfter = -1;
    volatile boolean ignoreRange;
    volatile boolean corrupt;
    /** Non-zero: every hub request is answered with this status (401 marked GatedRepo). */
    volatile int forceStatus;
    /** Answer 401 GatedRepo to file downloads only (the revision listing stays public, as on the real Hub). */
    volatile boolean gateFiles;
    /** Answer file downloads with a redirect to the same URL. */
    volatile boolean redirectLoop;
    /** Positive: CDN bodies are sent in 100-byte pieces with this many milliseconds between them. */
    volatile int dripMillis;
    /** Added to the X-Linked-Size the hub announces for LFS files (non-zero: a lying server). */
    volatile int linkedSizeDelta;

    private final HttpServer hub;
    private final HttpServer cdn;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-hub");
        t.setDaemon(true);
        return t;
    });
    private final CountDownLatch stop = new CountDownLatch(1);

    /** A repo with a random 6000-byte LFS model.safetensors, a config.json and a vocab.json. */
    static FakeHub standard() throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("config.json", "{\"model_type\": \"sam3\"}".getBytes(StandardCharsets.UTF_8));
        files.put("vocab.json", "{\"a\": 0, \"b\": 1}".getBytes(StandardCharsets.UTF_8));
        files.put("model.safetensors", randomBytes(6000, 42));
        return new FakeHub(files, Set.of("model.safetensors", "sam3.pt"));
    }

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    FakeHub(Map<String, byte[]> content, Set<String> lfs) throws IOException {
        this.files.putAll(content);
        this.lfs = lfs;
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        hub = HttpServer.create(loopback, 0);
        cdn = HttpServer.create(loopback, 0);
        hub.createContext("/", this::handleHub);
        cdn.createContext("/", this::handleCdn);
        hub.setExecutor(executor);
        cdn.setExecutor(executor);
        hub.start();
        cdn.start();
    }

    String url() {
        return "http://127.0.0.1:" + hub.getAddress().getPort();
    }

    String cdnUrl() {
        return "http://127.0.0.1:" + cdn.getAddress().getPort();
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    synchronized long count(String server, String pathPrefix) {
        return requests.stream().filter(r -> r.server.equals(server) && r.path.startsWith(pathPrefix)).count();
    }

    synchronized void clearRequests() {
        requests.clear();
    }

    private synchronized void record(String server, HttpExchange ex) {
        requests.add(new Request(server, ex.getRequestURI().getRawPath(),
                ex.getRequestHeaders().getFirst("Authorization"), ex.getRequestHeaders().getFirst("Range")));
    }

    private static final Pattern API = Pattern.compile("/api/models/([^/]+/[^/]+)/revision/([^/]+)");
    private static final Pattern RESOLVE = Pattern.compile("/([^/]+/[^/]+)/resolve/([^/]+)/(.+)");
    private static final Pattern LFS = Pattern.compile("/lfs/([0-9a-f]{64})");
    private static final Pattern BLOB = Pattern.compile("/blobs/([0-9a-f]{64})");

    private void handleHub(HttpExchange ex) throws IOException {
        record("hub", ex);
        String path = ex.getRequestURI().getRawPath();
        if (forceStatus != 0) {
            ex.getResponseHeaders().set("X-Error-Code", forceStatus == 401 ? "GatedRepo" : "Unknown");
            ex.getResponseHeaders().set("X-Error-Message", "Access to model " + REPO + " is restricted.");
            send(ex, forceStatus, "{\"error\":\"restricted\"}".getBytes(StandardCharsets.UTF_8));
            return;
        }
        Matcher m = API.matcher(path);
        if (m.matches()) {
            String repo = decode(m.group(1));
            String rev = decode(m.group(2));
            if (!repo.equals(REPO)) {
                error(ex, 404, "RepoNotFound", "Repository not found");
            } else if (!rev.equals("main") && !rev.equals(COMMIT)) {
                error(ex, 404, "RevisionNotFound", "Invalid rev id: " + rev);
            } else {
                StringBuilder json = new StringBuilder("{\"id\":\"" + REPO + "\",\"sha\":\"" + COMMIT + "\",\"siblings\":[");
                int i = 0;
                for (String f : files.keySet()) {
                    json.append(i++ > 0 ? "," : "").append("{\"rfilename\":\"").append(f).append("\"}");
                }
                json.append("]}");
                ex.getResponseHeaders().set("Content-Type", "application/json");
                send(ex, 200, json.toString().getBytes(StandardCharsets.UTF_8));
            }
            return;
        }
        m = RESOLVE.matcher(path);
        if (m.matches() && gateFiles) {
            error(ex, 401, "GatedRepo", "Access to model " + REPO + " is restricted and you are not in the authorized list.");
            return;
        }
        if (m.matches() && redirectLoop) {
            ex.getResponseHeaders().set("Location", url() + path);
            send(ex, 302, new byte[0]);
            return;
        }
        if (m.matches()) {
            String repo = decode(m.group(1));
            String rev = decode(m.group(2));
            String file = decode(m.group(3));
            byte[] data = files.get(file);
            if (!repo.equals(REPO)) {
                error(ex, 404, "RepoNotFound", "Repository not found");
            } else if (!rev.equals(COMMIT) && !rev.equals("main")) {
                error(ex, 404, "RevisionNotFound", "Invalid rev id");
            } else if (data == null) {
                error(ex, 404, "EntryNotFound", "Entry not found");
            } else if (lfs.contains(file)) {
                String sha = sha256(data);
                ex.getResponseHeaders().set("X-Repo-Commit", COMMIT);
                ex.getResponseHeaders().set("X-Linked-Etag", "\"" + sha + "\"");
                ex.getResponseHeaders().set("X-Linked-Size", Integer.toString(data.length + linkedSizeDelta));
                ex.getResponseHeaders().set("ETag", "\"" + sha + "\"");
                ex.getResponseHeaders().set("Location", "/lfs/" + sha); // relative, same origin
                send(ex, 302, new byte[0]);
            } else {
                ex.getResponseHeaders().set("X-Repo-Commit", COMMIT);
                ex.getResponseHeaders().set("ETag", "\"" + "ab".repeat(20) + "\""); // a git blob id, not a sha256
                serve(ex, data, false);
            }
            return;
        }
        m = LFS.matcher(path);
        if (m.matches()) {
            ex.getResponseHeaders().set("Location", cdnUrl() + "/blobs/" + m.group(1) + "?Signature=xyz");
            send(ex, 307, new byte[0]);
            return;
        }
        error(ex, 404, null, "no route");
    }

    private void handleCdn(HttpExchange ex) throws IOException {
        record("cdn", ex);
        Matcher m = BLOB.matcher(ex.getRequestURI().getRawPath());
        byte[] data = null;
        if (m.matches()) {
            for (byte[] d : files.values()) {
                if (sha256(d).equals(m.group(1))) {
                    data = d;
                }
            }
        }
        if (data == null) {
            error(ex, 404, null, "NoSuchKey");
            return;
        }
        serve(ex, data, true);
    }

    /** Serves {@code data} honouring {@code Range: bytes=N-} (unless ignoring ranges) and the failure modes. */
    private void serve(HttpExchange ex, byte[] data, boolean failureModes) throws IOException {
        byte[] body = data;
        if (failureModes && corrupt) {
            body = data.clone();
            body[body.length / 2] ^= 1;
        }
        String range = ex.getRequestHeaders().getFirst("Range");
        int start = 0;
        int status = 200;
        if (range != null && !ignoreRange) {
            Matcher r = Pattern.compile("bytes=(\\d+)-").matcher(range);
            if (!r.matches()) {
                error(ex, 400, null, "bad range");
                return;
            }
            start = Integer.parseInt(r.group(1));
            if (start >= body.length) {
                ex.getResponseHeaders().set("Content-Range", "bytes */" + body.length);
                send(ex, 416, new byte[0]);
                return;
            }
            status = 206;
            ex.getResponseHeaders().set("Content-Range", "bytes " + start + "-" + (body.length - 1) + "/" + body.length);
        }
        int length = body.length - start;
        ex.getResponseHeaders().set("Accept-Ranges", "bytes");
        ex.sendResponseHeaders(status, length);
        OutputStream out = ex.getResponseBody();
        int cut = failureModes && truncateAfter >= 0 ? truncateAfter : failureModes && stallAfter >= 0 ? stallAfter : -1;
        if (cut >= 0 && cut < length) {
            out.write(body, start, cut);
            out.flush();
            if (stallAfter >= 0) {
                try {
                    stop.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            // Closing a fixed-length body early throws, and a handler that throws makes the server drop the
            // connection: the client sees the body end early.
            out.close();
            throw new IOException("unreachable: closing a short body should have failed");
        }
        if (failureModes && dripMillis > 0) {
            for (int off = start; off < body.length; off += 100) {
                out.write(body, off, Math.min(100, body.length - off));
                out.flush();
                try {
                    Thread.sleep(dripMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
        } else {
            out.write(body, start, length);
        }
        out.close();
    }

    private static void error(HttpExchange ex, int status, String code, String message) throws IOException {
        if (code != null) {
            ex.getResponseHeaders().set("X-Error-Code", code);
        }
        ex.getResponseHeaders().set("X-Error-Message", message);
        send(ex, status, ("{\"error\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        stop.countDown();
        hub.stop(0);
        cdn.stop(0);
        executor.shutdownNow();
    }
}
