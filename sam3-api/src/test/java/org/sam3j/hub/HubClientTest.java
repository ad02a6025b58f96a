package org.sam3j.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link HubClient} against {@link FakeHub} on the loopback interface. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HubClientTest {
    static final String REPO = FakeHub.REPO;
    static final String COMMIT = FakeHub.COMMIT;
    static final List<String> FILES = List.of("config.json", "vocab.json", "model.safetensors");

    @TempDir
    Path tmp;
    FakeHub hub;
    Path cache;

    @BeforeEach
    void start() throws IOException {
        hub = FakeHub.standard();
        cache = tmp.resolve("cache");
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    /** Environment for tests: an empty HF_HOME so no real token file is read, plus {@code kv} pairs. */
    Function<String, String> env(String... kv) {
        Map<String, String> m = new HashMap<>();
        m.put("HF_HOME", tmp.resolve("hf-home").toString());
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m::get;
    }

    HubClient.Builder client() {
        return HubClient.builder().endpoint(hub.url()).cacheRoot(cache).env(env()).timeout(Duration.ofSeconds(5));
    }

    Path repoDir() {
        return cache.resolve("models--acme--sam3");
    }

    Path snapshot() {
        return repoDir().resolve("snapshots").resolve(COMMIT);
    }

    Path partial(String file) {
        return repoDir().resolve("downloads").resolve(COMMIT).resolve(file + ".incomplete");
    }

    void assertFilesMatch(Path dir, List<String> files) throws IOException {
        for (String f : files) {
            assertArrayEquals(hub.files.get(f), Files.readAllBytes(dir.resolve(f)), f);
        }
    }

    /** Progress calls, recorded. */
    static final class Recorder implements DownloadListener {
        final List<long[]> calls = new ArrayList<>();
        final List<String> names = new ArrayList<>();

        @Override
        public synchronized void onProgress(String file, long bytesDone, long bytesTotal) {
            names.add(file);
            calls.add(new long[] {bytesDone, bytesTotal});
        }

        synchronized long[] last(String file) {
            for (int i = names.size() - 1; i >= 0; i--) {
                if (names.get(i).equals(file)) {
                    return calls.get(i);
                }
            }
            return null;
        }
    }

    @Test
    void freshDownloadVerifiesAndCachesThenSecondResolveDownloadsNothing() throws IOException {
        Recorder progress = new Recorder();
        HubClient client = client().token("hf_builder").progressListener(progress).build();

        Path dir = client.resolve(REPO, "main", FILES);

        assertEquals(snapshot(), dir);
        assertFilesMatch(dir, FILES);
        assertEquals(COMMIT, Files.readString(repoDir().resolve("refs/main")));
        assertFalse(Files.exists(repoDir().resolve("downloads")), "no partial files or locks left behind");
        assertArrayEquals(new long[] {6000, 6000}, progress.last("model.safetensors"));
        assertArrayEquals(new long[] {hub.files.get("config.json").length, hub.files.get("config.json").length},
                progress.last("config.json"));
        // 1 listing + 3 resolves + 1 relative LFS hop on the hub, 1 blob from the CDN
        assertEquals(1, hub.count("hub", "/api/models/"));
        assertEquals(3, hub.count("hub", "/acme/sam3/resolve/" + COMMIT + "/"));
        assertEquals(1, hub.count("hub", "/lfs/"));
        assertEquals(1, hub.count("cdn", "/blobs/"));
        assertEquals(6, hub.requests().size());
        for (FakeHub.Request r : hub.requests()) {
            if (r.server().equals("hub")) {
                assertEquals("Bearer hf_builder", r.authorization(), "token goes to the endpoint: " + r.path());
            } else {
                assertNull(r.authorization(), "token must not be forwarded to the CDN: " + r.path());
            }
        }

        hub.clearRequests();
        int callsBefore = progress.calls.size();
        assertEquals(dir, client.resolve(REPO, "main", FILES));
        assertEquals(List.of("/api/models/acme/sam3/revision/main"),
                hub.requests().stream().map(FakeHub.Request::path).toList(), "only the revision listing");
        assertEquals(callsBefore, progress.calls.size(), "no progress for cached files");
        assertFilesMatch(dir, FILES);
    }

    @Test
    void truncatedBodyKeepsPartialFileAndNextResolveResumesWithRange() throws IOException {
        hub.truncateAfter = 2500;
        HubClient client = client().build();

        IOException e = assertThrows(IOException.class, () -> client.resolve(REPO, "main", FILES));
        assertTrue(e.getMessage().contains("download interrupted after 2500 of 6000 bytes; run again to resume"), e.getMessage());
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
        byte[] expected = hub.files.get("model.safetensors");
        assertArrayEquals(Arrays.copyOf(expected, 2500), Files.readAllBytes(partial("model.safetensors")));
        assertFalse(Files.exists(snapshot().resolve("model.safetensors")));
        assertFalse(Files.exists(repoDir().resolve("refs/main")), "ref written only once everything is there");

        hub.truncateAfter = -1;
        hub.clearRequests();
        Path dir = client.resolve(REPO, "main", FILES);

        assertFilesMatch(dir, FILES);
        assertFalse(Files.exists(partial("model.safetensors")));
        List<FakeHub.Request> cdn = hub.requests().stream().filter(r -> r.server().equals("cdn")).toList();
        assertEquals(1, cdn.size());
        assertEquals("bytes=2500-", cdn.get(0).range());
        assertEquals(0, hub.count("hub", "/acme/sam3/resolve/" + COMMIT + "/config.json"), "complete files not fetched again");
    }

    @Test
    void serverIgnoringRangeRestartsFromZero() throws IOException {
        hub.truncateAfter = 1000;
        HubClient client = client().build();
        assertThrows(IOException.class, () -> client.resolve(REPO, "main", List.of("model.safetensors")));
        assertEquals(1000, Files.size(partial("model.safetensors")));

        hub.truncateAfter = -1;
        hub.ignoreRange = true;
        hub.clearRequests();
        Path dir = client.resolve(REPO, "main", List.of("model.safetensors"));

        assertFilesMatch(dir, List.of("model.safetensors"));
        assertEquals("bytes=1000-", hub.requests().stream().filter(r -> r.server().equals("cdn")).findFirst().orElseThrow().range());
    }

    @Test
    void partialFileHoldingTheWholeFileIsVerifiedAfter416() throws IOException {
        Files.createDirectories(partial("model.safetensors").getParent());
        Files.write(partial("model.safetensors"), hub.files.get("model.safetensors"));
        Path dir = client().build().resolve(REPO, "main", List.of("model.safetensors"));
        assertFilesMatch(dir, List.of("model.safetensors"));
        assertEquals(List.of("bytes=6000-"), hub.requests().stream().filter(r -> r.server().equals("cdn"))
                .map(FakeHub.Request::range).toList(), "one range request, answered 416, no download");

        // a partial file longer than the real one is discarded
        Path other = tmp.resolve("cache2");
        HubClient client2 = client().cacheRoot(other).build();
        Path p = other.resolve("models--acme--sam3/downloads").resolve(COMMIT).resolve("model.safetensors.incomplete");
        Files.createDirectories(p.getParent());
        Files.write(p, new byte[7000]);
        hub.clearRequests();
        assertFilesMatch(client2.resolve(REPO, "main", List.of("model.safetensors")), List.of("model.safetensors"));
        assertEquals(Arrays.asList("bytes=7000-", null), hub.requests().stream().filter(r -> r.server().equals("cdn"))
                .map(FakeHub.Request::range).toList(), "416, then a fresh download");
    }

    @Test
    void checksumMismatchDeletesTheDownload() throws IOException {
        hub.corrupt = true;
        HubClient client = client().build();

        IOException e = assertThrows(IOException.class, () -> client.resolve(REPO, "main", FILES));
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
        assertTrue(e.getMessage().contains(FakeHub.sha256(hub.files.get("model.safetensors"))), e.getMessage());
        assertFalse(Files.exists(snapshot().resolve("model.safetensors")));
        assertFalse(Files.exists(partial("model.safetensors")));

        hub.corrupt = false;
        assertFilesMatch(client.resolve(REPO, "main", FILES), FILES);
    }

    @Test
    void sizeMismatchDeletesTheDownload() throws IOException {
        hub.linkedSizeDelta = -10;
        IOException longer = assertThrows(IOException.class, () -> client().build().resolve(REPO, "main", FILES));
        assertTrue(longer.getMessage().contains("more than the expected 5990 bytes"), longer.getMessage());
        assertFalse(Files.exists(partial("model.safetensors")));
        assertFalse(Files.exists(snapshot().resolve("model.safetensors")));

        hub.linkedSizeDelta = 0;
        assertFilesMatch(client().build().resolve(REPO, "main", FILES), FILES);
    }

    @Test
    void unauthorizedGivesAccessInstructions() {
        hub.gateFiles = true;
        HubAccessException e = assertThrows(HubAccessException.class, () -> client().build().resolve(REPO, "main", FILES));
        assertEquals(401, e.statusCode());
        assertEquals("GatedRepo", e.errorCode());
        String m = e.getMessage();
        for (String s : List.of("gated", "accept the license", hub.url() + "/" + REPO, "settings/tokens", "HF_TOKEN",
                "huggingface-cli login", "No token was sent", "not in the authorized list")) {
            assertTrue(m.contains(s), "message lacks '" + s + "': " + m);
        }

        hub.gateFiles = false;
        hub.forceStatus = 403;
        HubAccessException e2 = assertThrows(HubAccessException.class,
                () -> client().token("hf_weak").build().resolve(REPO, "main", FILES));
        assertEquals(403, e2.statusCode());
        assertTrue(e2.getMessage().contains("A token was sent"), e2.getMessage());
        assertFalse(e2.getMessage().contains("hf_weak"), "the token itself is never shown");
    }

    @Test
    void notFoundMessagesNameWhatIsMissing() {
        HubClient client = client().build();
        HubException repo = assertThrows(HubException.class, () -> client.resolve("acme/nothing", "main", FILES));
        assertEquals(404, repo.statusCode());
        assertTrue(repo.getMessage().contains("no such repository: acme/nothing"), repo.getMessage());

        HubException rev = assertThrows(HubException.class, () -> client.resolve(REPO, "v9", FILES));
        assertTrue(rev.getMessage().contains("no such revision") && rev.getMessage().contains("'v9'"), rev.getMessage());

        HubException file = assertThrows(HubException.class, () -> client.resolve(REPO, "main", List.of("missing.bin")));
        assertEquals(404, file.statusCode());
        assertTrue(file.getMessage().contains("no such file") && file.getMessage().contains("missing.bin"), file.getMessage());
        assertTrue(file.getMessage().contains("model.safetensors"), "lists what the repo has: " + file.getMessage());
        assertEquals(0, hub.count("hub", "/acme/sam3/resolve/"), "nothing downloaded for a bad request");
    }

    @Test
    void tooManyRedirectsFails() {
        hub.redirectLoop = true;
        IOException e = assertThrows(IOException.class, () -> client().build().resolve(REPO, "main", List.of("config.json")));
        assertTrue(e.getMessage().contains("too many redirects"), e.getMessage());
        assertEquals(1 + 1 + HubHttp.MAX_REDIRECTS, hub.requests().size(), "bounded hops");
    }

    @Test
    void offlineResolvesFromCacheWithoutRequests() throws IOException {
        Path dir = client().build().resolve(REPO, "main", FILES);
        hub.clearRequests();

        HubClient offline = client().offline(true).build();
        assertTrue(offline.isOffline());
        assertEquals(dir, offline.resolve(REPO, "main", FILES));
        assertEquals(dir, offline.resolve(REPO, COMMIT, FILES), "a commit needs no ref");
        assertEquals(dir, offline.resolveSam3(REPO, "main"));
        HubClient viaEnv = client().env(env("HF_HUB_OFFLINE", "1")).build();
        assertTrue(viaEnv.isOffline());
        assertEquals(dir, viaEnv.resolve(REPO, "main", FILES));
        assertEquals(0, hub.requests().size());
    }

    @Test
    void offlineWithoutCacheFailsClearly() throws IOException {
        HubClient offline = client().offline(true).build();
        FileNotFoundException none = assertThrows(FileNotFoundException.class, () -> offline.resolve(REPO, "main", FILES));
        assertTrue(none.getMessage().contains("offline mode is on") && none.getMessage().contains(REPO + "@main"),
                none.getMessage());

        client().build().resolve(REPO, "main", List.of("config.json"));
        hub.clearRequests();
        FileNotFoundException some = assertThrows(FileNotFoundException.class, () -> offline.resolve(REPO, "main", FILES));
        assertTrue(some.getMessage().contains("offline mode is on")
                && some.getMessage().contains("vocab.json, model.safetensors") && some.getMessage().contains(COMMIT),
                some.getMessage());
        FileNotFoundException sam3 = assertThrows(FileNotFoundException.class, () -> offline.resolveSam3(REPO, "main"));
        assertTrue(sam3.getMessage().contains("model.safetensors (or sam3.pt)"), sam3.getMessage());
        assertEquals(0, hub.requests().size());
    }

    @Test
    void unreachableHubFallsBackToACompleteCache() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        HubClient down = client().endpoint("http://127.0.0.1:" + closedPort).build();
        IOException e = assertThrows(IOException.class, () -> down.resolve(REPO, "main", FILES));
        assertTrue(e.getMessage().contains("cannot reach") && e.getMessage().contains("not in the cache"), e.getMessage());

        Path dir = client().build().resolve(REPO, "main", FILES);
        assertEquals(dir, down.resolve(REPO, "main", FILES));
    }

    @Test
    void stalledDownloadIsAbortedAndResumable() throws IOException {
        hub.stallAfter = 1000;
        HubClient client = client().timeout(Duration.ofMillis(500)).build();
        IOException e = assertThrows(IOException.class, () -> client.resolve(REPO, "main", List.of("model.safetensors")));
        assertTrue(e.getMessage().contains("interrupted after 1000 of 6000 bytes") && e.getMessage().contains("no data received"),
                e.getMessage());
        hub.stallAfter = -1;
        assertFilesMatch(client.resolve(REPO, "main", List.of("model.safetensors")), List.of("model.safetensors"));
    }

    @Test
    void concurrentResolutionsDownloadOnce() throws Exception {
        HubClient a = client().build();
        HubClient b = client().build();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Callable<Path> ra = () -> a.resolve(REPO, "main", FILES);
            Callable<Path> rb = () -> b.resolve(REPO, "main", FILES);
            Future<Path> fa = pool.submit(ra);
            Future<Path> fb = pool.submit(rb);
            assertEquals(fa.get(), fb.get());
            assertFilesMatch(fa.get(), FILES);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, hub.count("cdn", "/blobs/"));
        assertEquals(1, hub.count("hub", "/acme/sam3/resolve/" + COMMIT + "/config.json"));
    }

    @Test
    void sam3SelectionPrefersSafetensorsAndFallsBackToCheckpoint() throws IOException {
        Map<String, byte[]> both = new LinkedHashMap<>(hub.files);
        both.put("sam3.pt", FakeHub.randomBytes(3000, 7));
        both.put("merges.txt", "#version\n".getBytes(StandardCharsets.UTF_8));
        both.put("README.md", "# readme".getBytes(StandardCharsets.UTF_8));
        try (FakeHub h = new FakeHub(both, Set.of("model.safetensors", "sam3.pt"))) {
            Path dir = client().endpoint(h.url()).build().resolveSam3(REPO, "main");
            assertEquals(Set.of("config.json", "vocab.json", "merges.txt", "model.safetensors"), listFiles(dir));
        }

        Map<String, byte[]> ptOnly = new LinkedHashMap<>();
        ptOnly.put("sam3.pt", FakeHub.randomBytes(3000, 7));
        try (FakeHub h = new FakeHub(ptOnly, Set.of("sam3.pt"))) {
            Path dir = client().endpoint(h.url()).cacheRoot(tmp.resolve("c2")).build().resolveSam3(REPO, "main");
            assertEquals(Set.of("sam3.pt"), listFiles(dir));
            assertArrayEquals(ptOnly.get("sam3.pt"), Files.readAllBytes(dir.resolve("sam3.pt")));
        }

        Map<String, byte[]> noWeights = Map.of("config.json", new byte[] {'{', '}'});
        try (FakeHub h = new FakeHub(noWeights, Set.of())) {
            HubException e = assertThrows(HubException.class,
                    () -> client().endpoint(h.url()).cacheRoot(tmp.resolve("c3")).build().resolveSam3(REPO, "main"));
            assertTrue(e.getMessage().contains("model.safetensors (or sam3.pt)"), e.getMessage());
        }
    }

    @Test
    void hubModelSourceResolvesThroughTheClient() throws IOException {
        Path dir = ModelSource.parse("hf:" + REPO).toLocalPath(client().build());
        assertEquals(snapshot(), dir);
        assertTrue(Files.isRegularFile(dir.resolve("model.safetensors")));
    }

    static Set<String> listFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet());
        }
    }

    @Test
    void tokenResolutionOrder() throws IOException {
        Path hfHome = tmp.resolve("hf-home");
        Files.createDirectories(hfHome);
        Files.writeString(hfHome.resolve("token"), "  hf_from_file\n");
        Path explicitFile = tmp.resolve("other-token");
        Files.writeString(explicitFile, "hf_from_token_path");

        assertEquals("hf_builder", client().token("hf_builder").env(env("HF_TOKEN", "hf_env")).build().token());
        assertEquals("hf_env", client().env(env("HF_TOKEN", "hf_env")).build().token());
        assertEquals("hf_env", client().token(" ").env(env("HF_TOKEN", "hf_env")).build().token(), "blank = unset");
        assertEquals("hf_legacy", client().env(env("HUGGING_FACE_HUB_TOKEN", "hf_legacy")).build().token());
        assertEquals("hf_from_file", client().build().token());
        assertEquals("hf_from_token_path", client().env(env("HF_TOKEN_PATH", explicitFile.toString())).build().token());

        HubClient none = client().env(env("HF_HOME", tmp.resolve("empty").toString())).build();
        assertNull(none.token());
        assertFalse(none.hasToken());
        Map<String, String> xdg = Map.of("XDG_CACHE_HOME", tmp.toString());
        Files.createDirectories(tmp.resolve("huggingface"));
        Files.writeString(tmp.resolve("huggingface/token"), "hf_xdg");
        assertEquals("hf_xdg", client().env(xdg::get).build().token());

        HubClient withToken = client().token("hf_secret").build();
        assertTrue(withToken.hasToken());
        assertFalse(withToken.toString().contains("hf_secret"));
    }

    @Test
    void tokenFromFileIsSentToTheEndpointOnly() throws IOException {
        Path hfHome = tmp.resolve("hf-home");
        Files.createDirectories(hfHome);
        Files.writeString(hfHome.resolve("token"), "hf_file_token\n");
        client().build().resolve(REPO, "main", List.of("model.safetensors"));
        for (FakeHub.Request r : hub.requests()) {
            assertEquals(r.server().equals("hub") ? "Bearer hf_file_token" : null, r.authorization(), r.toString());
        }
    }

    @Test
    void endpointAndCacheFromEnvironment() throws IOException {
        Path envCache = tmp.resolve("env-cache");
        HubClient c = HubClient.builder().env(env("HF_ENDPOINT", hub.url() + "/", "SAM3J_CACHE", envCache.toString())).build();
        assertEquals(hub.url(), c.endpoint());
        assertEquals(envCache.toAbsolutePath(), c.cacheRoot());
        assertFalse(c.isOffline());
        Path dir = c.resolve(REPO, "main", List.of("config.json"));
        assertTrue(dir.startsWith(envCache.resolve("models--acme--sam3/snapshots")));

        HubClient b = HubClient.builder().endpoint("https://mirror.example/hf").cacheRoot(tmp.resolve("x"))
                .env(env("HF_ENDPOINT", hub.url(), "SAM3J_CACHE", envCache.toString())).build();
        assertEquals("https://mirror.example/hf", b.endpoint());
        assertEquals(tmp.resolve("x").toAbsolutePath(), b.cacheRoot());

        HubClient d = HubClient.builder().env(env()).build();
        assertEquals(HubClient.DEFAULT_ENDPOINT, d.endpoint());
        assertEquals(Path.of(System.getProperty("user.home"), ".cache", "sam3j").toAbsolutePath(), d.cacheRoot());

        assertThrows(IllegalArgumentException.class, () -> HubClient.builder().endpoint("ftp://x").env(env()).build());
        assertThrows(IllegalArgumentException.class, () -> HubClient.builder().endpoint("not a url").env(env()).build());
    }

    @Test
    void malformedArgumentsAreRejectedBeforeAnyRequest() {
        HubClient client = client().build();
        assertThrows(IllegalArgumentException.class, () -> client.resolve("acme", "main", FILES));
        assertThrows(IllegalArgumentException.class, () -> client.resolve(REPO, "../x", FILES));
        assertThrows(IllegalArgumentException.class, () -> client.resolve(REPO, "main", List.of("../../etc/passwd")));
        assertThrows(IllegalArgumentException.class, () -> client.resolve(REPO, "main", List.of("/abs")));
        assertThrows(IllegalArgumentException.class, () -> client.resolve(REPO, "main", List.of()));
        assertEquals(0, hub.requests().size());
    }

    @Test
    void progressIsThrottled() throws IOException {
        hub.dripMillis = 4; // 60 pieces over roughly 250-400 ms
        List<Long> times = new ArrayList<>();
        List<long[]> calls = new ArrayList<>();
        DownloadListener l = (file, done, total) -> {
            times.add(System.nanoTime());
            calls.add(new long[] {done, total});
        };
        client().progressListener(l).build().resolve(REPO, "main", List.of("model.safetensors"));

        assertTrue(calls.size() >= 2, "a call while downloading and the final one: " + calls.size());
        for (int i = 1; i < calls.size() - 1; i++) {
            long gapMs = (times.get(i) - times.get(i - 1)) / 1_000_000;
            assertTrue(gapMs >= 90, "calls at most every 100 ms, got a gap of " + gapMs + " ms");
            assertEquals(6000, calls.get(i)[1]);
            assertTrue(calls.get(i)[0] > calls.get(i - 1)[0] && calls.get(i)[0] <= 6000);
        }
        assertArrayEquals(new long[] {6000, 6000}, calls.get(calls.size() - 1));
    }
}
