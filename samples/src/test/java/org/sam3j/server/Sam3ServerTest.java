package org.sam3j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sam3j.Box;
import org.sam3j.Instance;
import org.sam3j.MaskResult;
import org.sam3j.Prompt;
import org.sam3j.Sam3Config;
import org.sam3j.Sam3Model;
import org.sam3j.Sam3Predictor;
import org.sam3j.testing.SharedData;

/**
 * The REST API on a real server (127.0.0.1, ephemeral port) over the tiny configuration with synthetic
 * weights, checked against the library called directly on the same image. Encodes: one for the library
 * reference, two uploads (two predictors, for parallel prompts), one upload that times out.
 */
class Sam3ServerTest {
    private static final String TEXT = "{\"text\": \"truck\", \"threshold\": 0.25}";
    private static final String CLICK = "{\"points\": [[500, 375, 1]]}";
    private static final String CLICK_BOX = "{\"points\": [[500, 375, 1], [1125, 625, 0]], \"box\": [75, 275, 1725, 850]}";
    private static final String EXEMPLAR = "{\"boxes\": [[75, 275, 1725, 850]], \"threshold\": 0.25}";

    private static Sam3Model model;
    private static Sam3Server server;
    private static ApiClient api;
    private static byte[] truck;
    private static String idA;
    private static String idB;
    private static MaskResult textRef;
    private static MaskResult clickRef;
    private static MaskResult clickBoxRef;
    private static MaskResult exemplarRef;

    @BeforeAll
    static void start() throws Exception {
        Path truckFile = SharedData.resolve("images/truck.jpg");
        truck = Files.readAllBytes(truckFile);
        model = Sam3Model.builder().syntheticWeights().config(Sam3Config.tiny())
                .tokenizer(SharedData.resolve("tokenizer/bpe_simple_vocab_16e6.txt.gz")).build();
        try (Sam3Predictor p = model.newPredictor()) {
            p.setImage(truckFile);
            textRef = p.predict(Prompt.builder().text("truck").threshold(0.25f).build());
            clickRef = p.predict(Prompt.builder().point(500, 375, true).build());
            clickBoxRef = p.predict(Prompt.builder().point(500, 375, true).point(1125, 625, false)
                    .box(new Box(75, 275, 1725, 850)).build());
            exemplarRef = p.predict(Prompt.builder().exemplar(new Box(75, 275, 1725, 850), true).threshold(0.25f).build());
        }
        // truck.jpg is 271 KB and 1800x1200 = 2.16 Mpx
        ServerLimits limits = new ServerLimits(1 << 20, 2_500_000, 4, Duration.ofMinutes(5), 4);
        server = Sam3Server.start(model, "127.0.0.1", 0, limits, Map.of("source", "synthetic"));
        api = new ApiClient(server.uri());
        idA = api.uploadImage(truck);
        idB = api.uploadImage(truck);
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (model != null) model.close();
        server = null;
        model = null;
        textRef = clickRef = clickBoxRef = exemplarRef = null;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> instances(Map<String, Object> result) {
        return (List<Map<String, Object>>) result.get("instances");
    }

    /** The answer's instances are the library's, field by field (the RLE compared as COCO JSON). */
    private static void assertSameInstances(MaskResult expected, Map<String, Object> actual) {
        List<Map<String, Object>> got = instances(actual);
        assertEquals(expected.size(), got.size(), "instance count");
        for (int k = 0; k < got.size(); k++) {
            Instance e = expected.instances().get(k);
            Map<String, Object> g = got.get(k);
            String origin = expected.presenceScore().isPresent() ? "query" : "candidate";
            assertEquals(List.of("rank", origin, "score", "box", "area", "rle"), List.copyOf(g.keySet()));
            assertEquals(k, ((Number) g.get("rank")).intValue());
            assertEquals(e.index(), ((Number) g.get(origin)).intValue());
            assertEquals(e.score(), ((Number) g.get("score")).floatValue(), "score of " + k);
            List<?> box = (List<?>) g.get("box");
            Box b = new Box(((Number) box.get(0)).floatValue(), ((Number) box.get(1)).floatValue(),
                    ((Number) box.get(2)).floatValue(), ((Number) box.get(3)).floatValue());
            assertEquals(e.box(), b, "box of " + k);
            assertEquals(e.area(), ((Number) g.get("area")).longValue());
            assertEquals(e.mask().toRle().toMap(), g.get("rle"), "mask of " + k);
        }
    }

    private static String message(Supplier<Object> libraryCall) {
        return assertThrows(IllegalArgumentException.class, libraryCall::get).getMessage();
    }

    @Test
    void healthDescribesModelCacheAndLimits() throws Exception {
        ApiClient.Answer a = api.get("v1/health");
        assertEquals(200, a.status());
        assertTrue(a.contentType().startsWith("application/json"), a.contentType());
        Map<String, Object> h = a.json();
        assertEquals("ok", h.get("status"));
        assertEquals(Map.of("source", "synthetic"), h.get("model"));
        assertEquals(true, h.get("text_prompts"));
        assertTrue(((Number) h.get("images_cached")).intValue() >= 2);
        @SuppressWarnings("unchecked")
        Map<String, Object> l = (Map<String, Object>) h.get("limits");
        assertEquals(1 << 20, ((Number) l.get("max_upload_bytes")).intValue());
        assertEquals(4, ((Number) l.get("max_concurrent")).intValue());
    }

    @Test
    void textPromptGivesTheLibrarysInstancesInTheShapeOfResultJson() throws Exception {
        ApiClient.Answer a = api.segment(idA, TEXT);
        assertEquals(200, a.status(), a.body());
        Map<String, Object> r = a.json();
        assertEquals(List.of("image", "prompt", "threshold", "presence_score", "instances", "timings_ms",
                "transfer_bytes"), List.copyOf(r.keySet()));
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Number>> x = (Map<String, Map<String, Number>>) r.get("transfer_bytes");
        long perMask = 288L * 288 * 4;
        long masks = x.get("post_processing").get("downloaded").longValue();
        // only the kept queries' masks leave the backend (47 here), not all 200
        assertEquals(0, masks % perMask, x.toString());
        assertTrue(masks / perMask >= instances(r).size() && masks / perMask < 200, x.toString());
        assertEquals(Map.of("id", idA, "width", 1800, "height", 1200), r.get("image"));
        assertEquals(Map.of("kind", "concept", "text", "truck", "exemplars", List.of()), r.get("prompt"));
        assertEquals(0.25, ((Number) r.get("threshold")).doubleValue());
        assertEquals(textRef.presenceScore().getAsDouble(), ((Number) r.get("presence_score")).doubleValue(), 1e-12);
        assertEquals(46, instances(r).size(), "the tiny synthetic model keeps 46 trucks at 0.25 (47 queries, one without pixels)");
        assertSameInstances(textRef, r);
        @SuppressWarnings("unchecked")
        Map<String, Object> t = (Map<String, Object>) r.get("timings_ms");
        assertTrue(t.containsKey("detector") && t.containsKey("text_encoder"), t.toString());
    }

    @Test
    void aClickGivesTheLibrarysThreeCandidates() throws Exception {
        Map<String, Object> click = api.segment(idA, CLICK).json();
        assertEquals(3, instances(click).size(), "a single click gives three candidates");
        assertSameInstances(clickRef, click);
        assertNull(click.get("threshold"));
        assertEquals(Map.of("kind", "interactive", "points", List.of(Map.of("x", 500.0, "y", 375.0, "positive", true)),
                "multimask", true), withoutNulls((Map<?, ?>) click.get("prompt")));
    }

    private static Map<?, ?> withoutNulls(Map<?, ?> m) {
        Map<Object, Object> out = new java.util.HashMap<>(m);
        out.values().removeIf(java.util.Objects::isNull);
        return out;
    }

    /** Four prompts at once (the server's limit), two on each image, give what the library gave one by one. */
    @Test
    void concurrentPromptsOnTwoImagesEqualASequentialRun() throws Exception {
        List<String> prompts = List.of(TEXT, CLICK, CLICK_BOX, EXEMPLAR);
        List<String> ids = List.of(idA, idB, idB, idA);
        List<MaskResult> sequential = List.of(textRef, clickRef, clickBoxRef, exemplarRef);
        List<CompletableFuture<ApiClient.Answer>> running = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            running.add(api.postJsonAsync("v1/images/" + ids.get(i) + "/segment", prompts.get(i)));
        }
        for (int i = 0; i < prompts.size(); i++) {
            ApiClient.Answer a = running.get(i).get();
            assertEquals(200, a.status(), a.body());
            assertSameInstances(sequential.get(i), a.json());
        }
    }

    @Test
    void badUploadsAre400() throws Exception {
        ApiClient.Answer text = api.upload("image", "hello, not an image".getBytes());
        assertEquals(400, text.status(), text.body());
        assertTrue(text.error().startsWith("not an image"), text.error());

        ApiClient.Answer truncated = api.upload("image", Arrays.copyOf(truck, truck.length / 2));
        assertEquals(400, truncated.status(), truncated.body());
        assertTrue(truncated.error().contains("truncated"), truncated.error());

        ApiClient.Answer empty = api.upload("image", new byte[0]);
        assertEquals(400, empty.status(), empty.body());
        assertEquals("the uploaded image is empty (0 bytes)", empty.error());

        ApiClient.Answer wrongField = api.upload("picture", truck);
        assertEquals(400, wrongField.status());
        assertEquals("no file in the multipart field 'image'", wrongField.error());

        ApiClient.Answer notMultipart = api.post("v1/images", "image/jpeg", truck);
        assertEquals(400, notMultipart.status());
        assertTrue(notMultipart.error().contains("multipart/form-data"), notMultipart.error());
        assertTempSpaceEmpty();
    }

    @Test
    void oversizeUploadsAndTooManyPixelsAre413() throws Exception {
        byte[] big = new byte[(1 << 20) + 200_000];
        new Random(1).nextBytes(big);
        ApiClient.Answer declared = api.upload("image", big);
        assertEquals(413, declared.status(), declared.body());
        assertTrue(declared.error().contains("above this server's limit of 1048576 bytes"), declared.error());
        // refused from its Content-Length, the body is still read (and discarded): the server keeps the connection
        // rather than closing it with the body unread, which a client still sending may see as a reset, not a 413
        assertEquals("", declared.connection(), "Connection header of a refusal whose body was read");

        ApiClient.Answer chunked = api.uploadChunked(big);
        assertEquals(413, chunked.status(), chunked.body());
        assertTrue(chunked.error().contains("limit"), chunked.error());

        // 2000x2000 = 4 Mpx in a few KB of PNG: refused from the header, before the pixels are allocated
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(2000, 2000, BufferedImage.TYPE_INT_RGB), "png", png);
        assertTrue(png.size() < 100_000);
        ApiClient.Answer pixels = api.upload("image", png.toByteArray());
        assertEquals(413, pixels.status(), pixels.body());
        assertEquals("the image is 2000x2000 = 4000000 pixels, above this server's limit of 2500000 pixels", pixels.error());

        ApiClient.Answer bigPrompt = api.segment(idA, "{\"text\": \"" + "a".repeat(70_000) + "\"}");
        assertEquals(413, bigPrompt.status(), bigPrompt.body());
        assertEquals("", bigPrompt.connection(), "Connection header of a refusal whose body was read");
        assertTempSpaceEmpty();
    }

    @Test
    void unknownImagesAndRoutesAre404() throws Exception {
        ApiClient.Answer unknown = api.segment("0123456789abcdef0123456789abcdef", TEXT);
        assertEquals(404, unknown.status());
        assertTrue(unknown.error().startsWith("no image with id '0123456789abcdef0123456789abcdef'"), unknown.error());
        assertEquals(404, api.segment("..%2F..%2Fetc", TEXT).status());
        ApiClient.Answer route = api.get("v1/nothing");
        assertEquals(404, route.status());
        assertNotNull(route.error());
        assertEquals(404, api.get("v1/images/" + idA + "/segment").status(), "GET on a POST route");
    }

    @Test
    void badPromptsAre400WithTheLibrarysMessage() throws Exception {
        assertEquals(message(() -> Prompt.builder().text("truck").point(1, 2, true).build()),
                api.segment(idA, "{\"text\": \"truck\", \"points\": [[1, 2]]}").error());
        assertEquals(message(() -> Prompt.builder().text(" ")), api.segment(idA, "{\"text\": \" \"}").error());
        assertEquals(message(() -> Prompt.builder().point(Float.NaN, 2, true)),
                api.segment(idA, "{\"points\": [[NaN, 2]]}").error());
        assertEquals(message(() -> Prompt.builder().threshold(2f)),
                api.segment(idA, "{\"text\": \"truck\", \"threshold\": 2}").error());
        assertEquals(message(() -> Prompt.builder().point(1, 2, true).threshold(0.3f).build()),
                api.segment(idA, "{\"points\": [[1, 2]], \"threshold\": 0.3}").error());
        assertEquals(message(() -> Prompt.builder().build()), api.segment(idA, "{}").error());
        // outside the image: the predictor's message, which names the image's size
        ApiClient.Answer outside = api.segment(idA, "{\"text\": \"truck\", \"boxes\": [[0, 0, 1900, 100]]}");
        assertEquals(400, outside.status());
        assertEquals("exemplar box Box[x0=0.0, y0=0.0, x1=1900.0, y1=100.0] lies outside the 1800x1200 image",
                outside.error());
        ApiClient.Answer click = api.segment(idA, "{\"points\": [[1801, 5]]}");
        assertEquals(400, click.status());
        assertTrue(click.error().contains("outside the image [0, 1800] x [0, 1200]"), click.error());
        // the body's shape
        assertEquals("unknown field 'txt' (known: text, threshold, boxes, points, box, multimask)",
                api.segment(idA, "{\"txt\": \"truck\"}").error());
        assertTrue(api.segment(idA, "{\"text\": ").error().startsWith("the body is not JSON"));
        assertTrue(api.segment(idA, "[1, 2]").error().startsWith("the body must be a JSON object"));
        assertEquals("each of 'points' must be [x, y] or [x, y, label], got [1]",
                api.segment(idA, "{\"points\": [[1]]}").error());
        assertEquals("the label of a point must be 1 (positive) or 0 (negative), got 7",
                api.segment(idA, "{\"points\": [[1, 2, 7]]}").error());
        assertEquals(200, api.segment(idA, "{\"points\": [[1, 2]]}").status(), "a valid click after the bad ones");
    }

    @Test
    void openApiDescribesExactlyTheRoutes() throws Exception {
        ApiClient.Answer a = api.get("v1/openapi.json");
        assertEquals(200, a.status());
        Map<String, Object> doc = a.json();
        assertTrue(((String) doc.get("openapi")).startsWith("3."));
        TreeSet<String> described = new TreeSet<>();
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>) doc.get("paths");
        paths.forEach((path, ops) -> ops.keySet().forEach(m -> described.add(m.toUpperCase() + " " + path)));
        TreeSet<String> served = new TreeSet<>();
        for (String r : server.routes()) {
            if (r.contains(" /v1/")) served.add(r);
        }
        assertEquals(served, described);
        assertTrue(served.contains("POST /v1/images/{id}/segment"), served.toString());
    }

    @Test
    void thePageAndItsScriptAreServed() throws Exception {
        ApiClient.Answer page = api.get("");
        assertEquals(200, page.status());
        assertTrue(page.contentType().startsWith("text/html"), page.contentType());
        assertTrue(page.body().contains("<canvas id=\"canvas\"") && page.body().contains("app.js"), page.body());
        ApiClient.Answer js = api.get("app.js");
        assertEquals(200, js.status());
        assertTrue(js.body().contains("v1/images"));
        assertEquals(200, api.get("app.css").status());
        // a path above the root: Jetty's parser refuses it and closes the connection, which the answer must say,
        // or this client's next request (a POST it does not retry) goes into the closed socket
        ApiClient.Answer traversal = api.get("app.js/../../pom.xml");
        assertEquals(400, traversal.status(), traversal.body());
        assertEquals("close", traversal.connection(), "Connection header of a request Jetty could not parse");
        assertTrue(traversal.contentType().startsWith("application/json"), traversal.contentType());
        assertTrue(traversal.error().startsWith("400 Bad Request"), traversal.error());
        assertTrue(!traversal.body().contains("<project"), traversal.body());
    }

    /**
     * A client that pools connections, as the JDK's does, sends its next request — a POST, which it does not retry —
     * right after one Jetty refused at its parser: answered every time, because that refusal's connection is announced
     * closed rather than left in the pool to die under the next request. Without the announcement the POST failed
     * ("header parser received no bytes") within the first rounds of every run tried.
     */
    @Test
    void aRequestRefusedByTheParserLeavesTheClientsNextPostAnswered() throws Exception {
        for (int i = 0; i < 100; i++) {
            assertEquals(400, api.get("app.js/../../pom.xml").status());
            ApiClient.Answer next = api.upload("image", "hello, not an image".getBytes());
            assertEquals(400, next.status(), "round " + i + ": " + next.body());
            assertTrue(next.error().startsWith("not an image"), next.error());
        }
    }

    /**
     * A second server working on one request at a time with a 1 s time limit: an upload (a ~10 s encode)
     * times out with 503, and while its work goes on, any other request is turned away with 429. The
     * abandoned encoding is dropped, not cached.
     */
    @Test
    @Tag("slow") // waits out real encode timeouts (about 15 s)
    void timeoutIs503AndWorkBeyondTheLimitIs429() throws Exception {
        ServerLimits limits = new ServerLimits(1 << 20, 2_500_000, 1, Duration.ofSeconds(1), 2);
        try (Sam3Server small = Sam3Server.start(model, "127.0.0.1", 0, limits, Map.of())) {
            ApiClient c = new ApiClient(small.uri());
            long t0 = System.nanoTime();
            ApiClient.Answer slow = c.upload("image", truck);
            assertEquals(503, slow.status(), slow.body());
            assertEquals("the request took longer than this server's limit of 1 s: retry later", slow.error());
            assertTrue((System.nanoTime() - t0) / 1e9 < 8, "answered at the time limit, not when the work ended");
            assertEquals(1, ((Number) c.get("v1/health").json().get("in_flight")).intValue(), "the encode goes on");
            ApiClient.Answer busy = c.upload("image", truck);
            assertEquals(429, busy.status(), busy.body());
            assertEquals("too many requests at once (this server works on 1 at a time): retry later", busy.error());
            // wait for the abandoned encode to end: its slot comes back and nothing was cached
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            Map<String, Object> h;
            do {
                Thread.sleep(200);
                h = c.get("v1/health").json();
            } while (((Number) h.get("in_flight")).intValue() > 0 && System.nanoTime() < deadline);
            assertEquals(0, ((Number) h.get("in_flight")).intValue());
            assertEquals(0, ((Number) h.get("images_cached")).intValue());
        }
    }

    /** The multipart reader's spill directory (the server's own temp space) holds nothing: uploads stay in memory. */
    private static void assertTempSpaceEmpty() throws Exception {
        try (Stream<Path> s = Files.list(server.tempDir())) {
            assertEquals(List.of(), s.toList());
        }
    }
}
