package org.sam3j.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.UploadedFile;
import io.javalin.util.JavalinBindException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.sam3j.MaskResult;
import org.sam3j.Prompt;
import org.sam3j.RgbImage;
import org.sam3j.Sam3Model;
import org.sam3j.Sam3Predictor;
import org.sam3j.postprocess.ConceptPostprocessor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP server over one {@link Sam3Model}: a single-page web app at {@code /} and a REST API under
 * {@code /v1} (described by {@code /v1/openapi.json}):
 * <ul>
 *   <li>{@code POST /v1/images} (multipart field {@code image}) decodes the image in memory, encodes it, keeps
 *       the embedding in a bounded cache of recent images and answers {@code {"id": ...}};</li>
 *   <li>{@code POST /v1/images/{id}/segment} with a JSON prompt (see {@code PromptJson}) answers the instances
 *       in the shape of {@code sam3 segment}'s {@code result.json};</li>
 *   <li>{@code GET /v1/health} reports the model, the cache and the work in flight.</li>
 * </ul>
 *
 * <p>Each cached image holds its own {@link Sam3Predictor}, so prompts on different images run in parallel
 * and prompts on one image take turns; all share the model's weights. {@link ServerLimits} bound uploads,
 * pixels, work in flight and waiting time; every refusal is an HTTP error with a JSON body
 * {@code {"error": "..."}}. Uploads never touch the disk (the multipart reader keeps them in memory; its
 * spill directory is a private temporary directory removed on {@link #close()}), and nothing a client sends
 * is used as a file name.
 *
 * <p>The server does not own the model: {@link #close()} stops the server and closes the predictors, the
 * caller closes the model.
 */
public final class Sam3Server implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Sam3Server.class);
    /** Largest JSON prompt body. */
    static final int MAX_PROMPT_BYTES = 64 * 1024;
    /** Room for the multipart framing (boundaries, part headers, other small fields) around the image. */
    static final long MULTIPART_OVERHEAD = 64 * 1024;
    /**
     * Largest refused body that is still read (and discarded) before the refusal is sent. A client that is still
     * sending when the server answers and closes may otherwise see its connection reset and lose the 413; a larger
     * body is refused without reading it, and then that can happen.
     */
    static final long MAX_DRAINED_BYTES = 16L << 20;
    /** Headers of every answer, the routes' and Jetty's own refusals ({@link JsonErrorHandler}) alike. */
    static final Map<String, String> RESPONSE_HEADERS = Map.of("X-Content-Type-Options", "nosniff",
            "Cache-Control", "no-store");
    private static final String WEB = "/org/sam3j/server/web/";
    /** The static resources served, by URL path: fixed names only, never a path taken from a request. */
    private static final Map<String, String[]> PAGES = Map.of(
            "/", new String[] {"index.html", "text/html; charset=utf-8"},
            "/app.js", new String[] {"app.js", "text/javascript; charset=utf-8"},
            "/app.css", new String[] {"app.css", "text/css; charset=utf-8"},
            "/v1/openapi.json", new String[] {"openapi.json", "application/json"});

    private final Sam3Model model;
    private final ServerLimits limits;
    private final Map<String, Object> modelInfo;
    private final ImageStore images;
    private final Semaphore permits;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ExecutorService workers;
    private final Path tempDir;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, byte[]> pages = new LinkedHashMap<>();
    private final Javalin app;
    private volatile boolean closed;

    private Sam3Server(Sam3Model model, ServerLimits limits, Map<String, Object> modelInfo) throws IOException {
        this.model = model;
        this.limits = limits;
        this.modelInfo = Collections.unmodifiableMap(new LinkedHashMap<>(modelInfo)); // in the given order
        this.images = new ImageStore(limits.cachedImages());
        this.permits = new Semaphore(limits.maxConcurrent());
        this.workers = Executors.newFixedThreadPool(limits.maxConcurrent(), workerThreads());
        for (Map.Entry<String, String[]> e : PAGES.entrySet()) pages.put(e.getKey(), resource(e.getValue()[0]));
        this.tempDir = Files.createTempDirectory("sam3-serve-");
        this.app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler(json)));
            int inMemory = (int) Math.min(Integer.MAX_VALUE, limits.maxUploadBytes() + MULTIPART_OVERHEAD);
            cfg.jetty.multipartConfig.cacheDirectory(tempDir.toString());
            cfg.jetty.multipartConfig.maxInMemoryFileSize(inMemory, SizeUnit.BYTES);
            cfg.jetty.multipartConfig.maxFileSize(limits.maxUploadBytes() + MULTIPART_OVERHEAD, SizeUnit.BYTES);
            cfg.jetty.multipartConfig.maxTotalRequestSize(limits.maxUploadBytes() + MULTIPART_OVERHEAD, SizeUnit.BYTES);
            cfg.routes.before(ctx -> RESPONSE_HEADERS.forEach(ctx::header));
            for (String path : PAGES.keySet()) {
                cfg.routes.get(path, ctx -> ctx.contentType(PAGES.get(path)[1]).result(pages.get(path)));
            }
            cfg.routes.get("/v1/health", this::health);
            cfg.routes.post("/v1/images", this::upload);
            cfg.routes.post("/v1/images/{id}/segment", this::segment);
            cfg.routes.exception(ApiException.class, (e, ctx) -> error(ctx, e.status(), e.getMessage()));
            cfg.routes.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(),
                    e.getMessage() == null || e.getMessage().isBlank() ? "HTTP " + e.getStatus() : e.getMessage()));
            cfg.routes.exception(Exception.class, this::unexpected);
        });
    }

    /**
     * Starts a server.
     *
     * @param model     the model (not closed by the server)
     * @param host      the address to listen on, e.g. {@code 127.0.0.1} (this machine only) or {@code 0.0.0.0}
     * @param port      the port; 0 picks a free one (see {@link #port()})
     * @param limits    the bounds on requests
     * @param modelInfo a description of the model for {@code /v1/health} (JSON-ready values)
     * @throws BindException if the port cannot be listened on (in use, or privileged)
     */
    public static Sam3Server start(Sam3Model model, String host, int port, ServerLimits limits,
                                   Map<String, Object> modelInfo) throws IOException {
        Sam3Server s = new Sam3Server(model, limits, modelInfo);
        try {
            s.app.start(host, port);
        } catch (JavalinBindException e) {
            s.close();
            BindException b = new BindException("cannot listen on " + host + ":" + port + ": "
                    + (port < 1024 && port != 0 ? "ports below 1024 need privileges" : "the port is in use"));
            b.initCause(e);
            throw b;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        LOG.info("listening on {}", s.uri());
        return s;
    }

    /** The port listened on. */
    public int port() {
        return app.port();
    }

    /** The server's base address as seen from this machine, e.g. {@code http://127.0.0.1:8080/}. */
    public URI uri() {
        String host = app.unsafe.jetty.host;
        if (host == null || host.equals("0.0.0.0") || host.equals("::")) host = "127.0.0.1";
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port() + "/");
    }

    /** The HTTP routes served, as {@code "METHOD path"} (e.g. {@code "POST /v1/images/{id}/segment"}), sorted. */
    List<String> routes() {
        return app.unsafe.internalRouter.allHttpHandlers().stream()
                .filter(e -> e.endpoint.method.isHttpMethod())
                .map(e -> e.endpoint.method.name() + " " + e.endpoint.path)
                .sorted().toList();
    }

    /** The private directory the multipart reader may spill to (it does not: uploads are kept in memory). */
    Path tempDir() {
        return tempDir;
    }

    /** Stops listening, stops the workers and closes the cached images' predictors (not the model). */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            app.stop();
        } catch (RuntimeException e) {
            LOG.warn("stopping the HTTP server: {}", e.toString());
        }
        workers.shutdownNow(); // model work is not interruptible: running prompts finish, queued ones never start
        try {
            if (!workers.awaitTermination(30, TimeUnit.SECONDS)) LOG.warn("model work still running after 30 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        images.close();
        deleteTree(tempDir);
        LOG.info("stopped");
    }

    // ---------------------------------------------------------------------------------------------- routes

    private void health(Context ctx) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", "ok");
        m.put("model", modelInfo);
        m.put("text_prompts", model.hasTokenizer());
        m.put("images_cached", images.size());
        m.put("in_flight", inFlight.get());
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("max_upload_bytes", limits.maxUploadBytes());
        l.put("max_pixels", limits.maxPixels());
        l.put("max_concurrent", limits.maxConcurrent());
        l.put("request_timeout_s", limits.requestTimeout().toMillis() / 1000.0);
        l.put("cached_images", limits.cachedImages());
        m.put("limits", l);
        sendJson(ctx, 200, m);
    }

    private void upload(Context ctx) throws IOException {
        long declared = ctx.req().getContentLengthLong();
        if (declared > limits.maxUploadBytes() + MULTIPART_OVERHEAD) throw drained(ctx, declared, uploadTooLarge(declared));
        if (!ctx.isMultipartFormData()) {
            // read the refused body first: answering while the client still sends can reset the connection before
            // the client reads the answer
            throw drained(ctx, declared, ApiException.badRequest("send the image as multipart/form-data in the field 'image'"));
        }
        try (Permit permit = acquire()) {
            UploadedFile file;
            try {
                file = ctx.uploadedFile("image");
            } catch (Exception e) { // Jetty's reader also throws undeclared ServletExceptions
                throw multipartProblem(e);
            }
            if (file == null) throw ApiException.badRequest("no file in the multipart field 'image'");
            if (file.size() > limits.maxUploadBytes()) throw uploadTooLarge(file.size());
            byte[] bytes;
            try (InputStream in = file.content()) {
                bytes = in.readAllBytes();
            }
            String id = images.newId();
            CompletableFuture<ImageStore.Entry> work = permit.run(() -> {
                RgbImage img = UploadedImage.decode(bytes, limits.maxPixels());
                Sam3Predictor p = model.newPredictor();
                try {
                    long t0 = System.nanoTime();
                    p.setImage(img);
                    LOG.info("image {} ({}x{}) encoded in {} ms", id, img.width(), img.height(),
                            (System.nanoTime() - t0) / 1_000_000);
                } catch (RuntimeException e) {
                    p.close();
                    throw e;
                }
                return new ImageStore.Entry(id, p, img.width(), img.height());
            });
            ImageStore.Entry e;
            try {
                e = await(work);
            } catch (ApiException timedOut) {
                work.thenAccept(late -> late.predictor().close()); // nobody will ask for it
                throw timedOut;
            }
            images.put(e);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", e.id());
            m.put("width", e.width());
            m.put("height", e.height());
            sendJson(ctx, 201, m);
        }
    }

    private void segment(Context ctx) throws IOException {
        ImageStore.Entry image = images.get(ctx.pathParam("id"));
        Prompt prompt = PromptJson.parse(readBody(ctx));
        if (prompt.text() != null && !model.hasTokenizer()) {
            throw ApiException.badRequest("text prompts need the CLIP tokenizer, and this server was started without"
                    + " one (--tokenizer PATH)");
        }
        MaskResult r;
        try (Permit permit = acquire()) {
            r = await(permit.run(() -> image.predict(prompt)));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> img = new LinkedHashMap<>();
        img.put("id", image.id());
        img.put("width", image.width());
        img.put("height", image.height());
        m.put("image", img);
        m.put("prompt", PromptJson.toJson(prompt));
        m.put("threshold", prompt.kind() == Prompt.Kind.CONCEPT
                ? (Float) (prompt.threshold().isPresent() ? (float) prompt.threshold().getAsDouble()
                        : ConceptPostprocessor.DEFAULT_THRESHOLD) : null);
        m.put("presence_score", r.presenceScore().isPresent() ? r.presenceScore().getAsDouble() : null);
        m.put("instances", ResultJson.instances(r, true));
        Map<String, Object> t = new LinkedHashMap<>();
        r.timings().forEach((k, v) -> t.put(k.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_"),
                Math.round(v.toNanos() / 1e5) / 10.0));
        m.put("timings_ms", t);
        m.put("transfer_bytes", ResultJson.transferBytes(r));
        sendJson(ctx, 200, m);
    }

    // ------------------------------------------------------------------------------------------- helpers

    /** A slot of {@link ServerLimits#maxConcurrent()}, held until the work it started ends. */
    private final class Permit implements AutoCloseable {
        private boolean handedOver;

        /** Runs work on a worker; the slot is released when the work ends, however long that takes. */
        <T> CompletableFuture<T> run(Supplier<T> work) {
            handedOver = true;
            try {
                return CompletableFuture.supplyAsync(work, workers).whenComplete((v, e) -> release());
            } catch (RuntimeException e) { // rejected: the server is stopping
                release();
                throw new ApiException(503, "the server is shutting down");
            }
        }

        @Override
        public void close() {
            if (!handedOver) release();
        }
    }

    private Permit acquire() {
        if (closed) throw new ApiException(503, "the server is shutting down");
        if (!permits.tryAcquire()) {
            throw new ApiException(429, "too many requests at once (this server works on " + limits.maxConcurrent()
                    + " at a time): retry later");
        }
        inFlight.incrementAndGet();
        return new Permit();
    }

    private void release() {
        inFlight.decrementAndGet();
        permits.release();
    }

    /** Waits for work up to the request timeout; the work's own errors come out as they were thrown. */
    private <T> T await(CompletableFuture<T> work) {
        Duration timeout = limits.requestTimeout();
        try {
            return work.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new ApiException(503, "the request took longer than this server's limit of "
                    + seconds(timeout) + " s: retry later");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "interrupted: the server is shutting down");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof ApiException a) throw a;
            if (c instanceof IllegalArgumentException) throw ApiException.badRequest(PromptJson.firstLine(c.getMessage()));
            if (c instanceof RuntimeException r) throw r;
            if (c instanceof Error err) throw err;
            throw new IllegalStateException(c);
        }
    }

    private static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? Long.toString(ms / 1000) : Double.toString(ms / 1000.0);
    }

    private ApiException uploadTooLarge(long bytes) {
        return ApiException.tooLarge("the upload is " + bytes + " bytes, above this server's limit of "
                + limits.maxUploadBytes() + " bytes for an image");
    }

    /** Jetty's multipart reader reports limits and malformed bodies as exceptions of various kinds. */
    private ApiException multipartProblem(Exception e) {
        String all = describeChain(e);
        String lower = all.toLowerCase(Locale.ROOT);
        if (lower.contains("max") && (lower.contains("size") || lower.contains("exceed") || lower.contains("length"))
                || lower.contains("too large")) {
            return ApiException.tooLarge("the upload is above this server's limit of " + limits.maxUploadBytes()
                    + " bytes for an image");
        }
        return ApiException.badRequest("malformed multipart body: " + all);
    }

    private static String describeChain(Throwable e) {
        StringBuilder s = new StringBuilder();
        for (Throwable t = e; t != null && s.length() < 300; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                if (s.length() > 0) s.append(": ");
                s.append(PromptJson.firstLine(t.getMessage()));
            }
        }
        return s.length() == 0 ? e.getClass().getSimpleName() : s.toString();
    }

    /**
     * Returns {@code refusal} for a request whose declared body of {@code declared} bytes is refused unread, after
     * reading and discarding that body when it is at most {@link #MAX_DRAINED_BYTES}, so that the refusal reaches a
     * client that is still sending it.
     */
    private static ApiException drained(Context ctx, long declared, ApiException refusal) {
        if (declared <= MAX_DRAINED_BYTES) {
            try (InputStream in = ctx.req().getInputStream()) {
                in.transferTo(OutputStream.nullOutputStream());
            } catch (IOException e) {
                LOG.debug("discarding a refused body: {}", e.toString()); // the client went away: nothing to answer
            }
        }
        return refusal;
    }

    private static byte[] readBody(Context ctx) throws IOException {
        long declared = ctx.req().getContentLengthLong();
        if (declared > MAX_PROMPT_BYTES) {
            throw drained(ctx, declared, ApiException.tooLarge("the prompt is " + declared
                    + " bytes, above the limit of " + MAX_PROMPT_BYTES));
        }
        byte[] body;
        try (InputStream in = ctx.req().getInputStream()) {
            body = in.readNBytes(MAX_PROMPT_BYTES + 1);
        }
        if (body.length > MAX_PROMPT_BYTES) {
            throw ApiException.tooLarge("the prompt is above the limit of " + MAX_PROMPT_BYTES + " bytes");
        }
        return body;
    }

    private void unexpected(Exception e, Context ctx) {
        LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
        error(ctx, 500, "internal error: " + describeChain(e));
    }

    private void error(Context ctx, int status, String message) {
        if (status >= 500 && status != 503) LOG.warn("{} {}: {} {}", ctx.method(), ctx.path(), status, message);
        else LOG.debug("{} {}: {} {}", ctx.method(), ctx.path(), status, message);
        if (status == 429 || status == 503) ctx.header("Retry-After", "1");
        sendJson(ctx, status, Map.of("error", message));
    }

    private void sendJson(Context ctx, int status, Object body) {
        try {
            ctx.status(status).contentType("application/json").result(json.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = Sam3Server.class.getResourceAsStream(WEB + name)) {
            if (in == null) throw new IOException("missing resource " + WEB + name);
            return in.readAllBytes();
        }
    }

    private static ThreadFactory workerThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "sam3-serve-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.warn("cannot remove {}: {}", dir, e.toString());
        }
    }
}
