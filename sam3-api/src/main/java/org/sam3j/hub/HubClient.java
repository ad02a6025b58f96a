package org.sam3j.hub;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import org.sam3j.internal.Log;
import org.slf4j.Logger;

/**
 * Resolves Hugging Face Hub model repositories (such as the gated {@code facebook/sam3}) to local directories,
 * downloading into an on-disk cache.
 *
 * <p>Cache layout under the cache root, per repository and commit:
 * {@code models--owner--name/snapshots/<commit>/<file>} holds complete, verified files, and
 * {@code models--owner--name/refs/<revision>} the commit a branch or tag last resolved to, so that offline use
 * can map {@code main} to the last known commit. Downloads are resumable ({@code .incomplete} files under
 * {@code downloads/<commit>/}, continued with HTTP range requests) and are verified against the size and the
 * SHA-256 the Hub announces for LFS files.
 *
 * <p>Configuration (builder value, else environment variable, else default):
 * <ul>
 *   <li>endpoint: {@code HF_ENDPOINT}, default {@value #DEFAULT_ENDPOINT};
 *   <li>cache root: {@code SAM3J_CACHE}, default {@code ~/.cache/sam3j};
 *   <li>token: {@code HF_TOKEN} (or the older {@code HUGGING_FACE_HUB_TOKEN}), else the token file
 *       {@code HF_TOKEN_PATH}, else {@code $HF_HOME/token} ({@code HF_HOME} defaulting to
 *       {@code $XDG_CACHE_HOME/huggingface} or {@code ~/.cache/huggingface}), as written by
 *       {@code huggingface-cli login}. It is sent as {@code Authorization: Bearer} to the endpoint's origin only,
 *       never to hosts that redirects lead to (such as the CDN serving large files);
 *   <li>offline: {@link Builder#offline(boolean)} or {@code HF_HUB_OFFLINE=1}; then no network access at all
 *       and everything comes from the cache.
 * </ul>
 *
 * <p>Online, each resolution asks the Hub which commit the revision is at and which files it has (one small
 * request), then downloads only the files missing from that commit's snapshot. When the Hub cannot be reached
 * at all (no connection), a complete cached snapshot of the revision is used with a warning.
 *
 * <p>Instances are immutable and thread-safe; concurrent downloads of the same file, in this or other
 * processes, are serialised by a lock file.
 */
public final class HubClient {
    private static final Logger LOG = Log.get(HubClient.class);

    /** The public Hugging Face Hub. */
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    /** The official SAM 3 repository (gated: accept the license on its page first). */
    public static final String SAM3_REPO = "facebook/sam3";
    /** The weights file preferred in a SAM 3 repository. */
    public static final String SAM3_WEIGHTS = "model.safetensors";
    /** The original checkpoint, used when a repository has no {@value #SAM3_WEIGHTS}. */
    public static final String SAM3_CHECKPOINT = "sam3.pt";
    /** Files fetched alongside the weights when the repository has them. */
    public static final List<String> SAM3_EXTRA_FILES = List.of("config.json", "vocab.json", "merges.txt",
            "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json");

    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    private static final String USER_AGENT = "sam3j/0.1; java/" + System.getProperty("java.version", "?");

    private final String endpoint;
    private final Path cacheRoot;
    private final String token;
    private final boolean offline;
    private final CacheLayout layout;
    private final HubHttp http;
    private final HubErrors errors;
    private final FileDownloader downloader;

    private HubClient(Builder b) {
        Function<String, String> env = b.env != null ? b.env : System::getenv;
        this.endpoint = normaliseEndpoint(firstNonBlank(b.endpoint, env.apply("HF_ENDPOINT"), DEFAULT_ENDPOINT));
        String cache = firstNonBlank(b.cacheRoot == null ? null : b.cacheRoot.toString(), env.apply("SAM3J_CACHE"), null);
        this.cacheRoot = (cache != null ? Path.of(cache) : Path.of(userHome(), ".cache", "sam3j")).toAbsolutePath();
        this.offline = b.offline || isTruthy(env.apply("HF_HUB_OFFLINE"));
        this.token = resolveToken(b.token, env);
        this.layout = new CacheLayout(cacheRoot);
        this.errors = new HubErrors(endpoint);
        if (offline) {
            this.http = null;
            this.downloader = null;
        } else {
            HttpClient client = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .connectTimeout(b.timeout)
                    .build();
            this.http = new HubHttp(client, URI.create(endpoint), token, b.timeout, USER_AGENT);
            this.downloader = new FileDownloader(http, errors, layout, endpoint, b.timeout, b.listener);
        }
    }

    /**
     * A builder with nothing set: every setting comes from the environment or its default.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Makes sure the given files of {@code repoId} at {@code revision} are in the cache and returns the snapshot
     * directory that holds them (as {@code dir.resolve(file)}). Files already cached for the revision's current
     * commit are not downloaded again.
     *
     * @param repoId {@code owner/name}
     * @param revision branch, tag or commit hash, e.g. {@code main}
     * @param files repository-relative file names; all are required
     * @return the snapshot directory {@code <cache>/models--owner--name/snapshots/<commit>}
     * @throws HubAccessException when the Hub refuses access (gated or private repository, missing token)
     * @throws HubException when the repository, revision or a file does not exist, or the Hub answers another error
     * @throws FileNotFoundException when offline and a file is not cached
     * @throws IOException on network, checksum or file-system failures (interrupted downloads can be resumed
     *     by calling again)
     * @throws IllegalArgumentException when the repository id, revision or a file name is malformed
     */
    public Path resolve(String repoId, String revision, Collection<String> files) throws IOException {
        HubNames.requireRepoId(repoId);
        HubNames.requireRevision(revision);
        Objects.requireNonNull(files, "files");
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no files requested");
        }
        Set<String> wanted = new LinkedHashSet<>();
        for (String f : files) {
            wanted.add(HubNames.requireFileName(f));
        }
        return resolve(repoId, revision, available -> {
            Selection s = new Selection();
            for (String f : wanted) {
                (available.test(f) ? s.files : s.missing).add(f);
            }
            return s;
        });
    }

    /**
     * Resolves the files a SAM 3 model needs: {@value #SAM3_WEIGHTS} (or, when the repository has none,
     * {@value #SAM3_CHECKPOINT}), plus those of {@link #SAM3_EXTRA_FILES} the repository has ({@code config.json}
     * and tokenizer files). Offline, the cached snapshot must hold the weights; the other files are used when
     * present.
     *
     * @param repoId {@code owner/name}, e.g. {@value #SAM3_REPO}
     * @param revision branch, tag or commit hash, e.g. {@code main}
     * @return the snapshot directory holding the files
     * @throws IOException as for {@link #resolve(String, String, Collection)}; a {@link HubException} (404) when
     *     the repository has neither weights file
     */
    public Path resolveSam3(String repoId, String revision) throws IOException {
        HubNames.requireRepoId(repoId);
        HubNames.requireRevision(revision);
        return resolve(repoId, revision, available -> {
            Selection s = new Selection();
            for (String f : SAM3_EXTRA_FILES) {
                if (available.test(f)) {
                    s.files.add(f);
                }
            }
            if (available.test(SAM3_WEIGHTS)) {
                s.files.add(SAM3_WEIGHTS);
            } else if (available.test(SAM3_CHECKPOINT)) {
                s.files.add(SAM3_CHECKPOINT);
            } else {
                s.missing.add(SAM3_WEIGHTS + " (or " + SAM3_CHECKPOINT + ")");
            }
            return s;
        });
    }

    /** @return the Hub endpoint, without trailing slash */
    public String endpoint() {
        return endpoint;
    }

    /** @return the absolute cache root directory */
    public Path cacheRoot() {
        return cacheRoot;
    }

    /** @return whether this client never touches the network */
    public boolean isOffline() {
        return offline;
    }

    /** @return whether a token was found (builder, {@code HF_TOKEN} or token file) */
    public boolean hasToken() {
        return token != null;
    }

    /** The token in use, or null; for tests. */
    String token() {
        return token;
    }

    @Override
    public String toString() {
        return "HubClient[endpoint=" + endpoint + ", cache=" + cacheRoot + ", token=" + (token != null ? "set" : "none")
                + (offline ? ", offline" : "") + "]";
    }

    // ---------------------------------------------------------------------------------------------------

    /** Files chosen from what is available, and descriptions of required files that are not. */
    private static final class Selection {
        final List<String> files = new ArrayList<>();
        final List<String> missing = new ArrayList<>();
    }

    private interface Selector {
        Selection select(Predicate<String> available);
    }

    private record RevisionInfo(String commit, Set<String> files) {}

    private Path resolve(String repoId, String revision, Selector selector) throws IOException {
        if (offline) {
            return resolveFromCache(repoId, revision, selector,
                    "offline mode is on (HF_HUB_OFFLINE=1 or HubClient.Builder.offline(true))");
        }
        RevisionInfo info;
        try {
            info = fetchRevision(repoId, revision);
        } catch (HubException | InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            Path cached;
            try {
                cached = resolveFromCache(repoId, revision, selector, "the Hub could not be reached");
            } catch (IOException cacheMiss) {
                IOException ex = new IOException("cannot reach " + endpoint + " to resolve " + repoId + "@" + revision
                        + " (" + e + ") and it is not fully cached: " + cacheMiss.getMessage(), e);
                throw ex;
            }
            LOG.warn("Could not reach {} ({}); using the cached snapshot {}", endpoint, e.toString(), cached);
            return cached;
        }
        Selection selection = selector.select(info.files()::contains);
        if (!selection.missing.isEmpty()) {
            throw new HubException("no such file: " + repoId + "@" + revision + " (commit " + info.commit() + ") has no "
                    + String.join(", ", selection.missing) + "; it has " + listSome(info.files()), 404, "EntryNotFound");
        }
        for (String file : selection.files) {
            downloader.ensure(repoId, revision, info.commit(), file);
        }
        layout.writeRef(repoId, revision, info.commit());
        Path dir = layout.snapshotDir(repoId, info.commit());
        LOG.debug("{}@{} resolved to {}", repoId, revision, dir);
        return dir;
    }

    private Path resolveFromCache(String repoId, String revision, Selector selector, String why) throws IOException {
        String commit = layout.readRef(repoId, revision);
        String rerun = "; run once with network access" + (offline ? " (HF_HUB_OFFLINE unset)" : "") + " to download it";
        if (commit == null) {
            throw new FileNotFoundException(why + " and " + repoId + "@" + revision + " is not in the cache "
                    + layout.repoDir(repoId) + " (no refs/" + revision + ")" + rerun);
        }
        Path dir = layout.snapshotDir(repoId, commit);
        Selection selection = selector.select(f -> Files.isRegularFile(layout.snapshotFile(repoId, commit, f)));
        if (!selection.missing.isEmpty()) {
            throw new FileNotFoundException(why + " and " + String.join(", ", selection.missing) + " of " + repoId + "@"
                    + revision + " (commit " + commit + ") is not in the cache " + dir + rerun);
        }
        LOG.debug("{}@{} resolved from the cache to {}", repoId, revision, dir);
        return dir;
    }

    private RevisionInfo fetchRevision(String repoId, String revision) throws IOException {
        URI uri = URI.create(endpoint + "/api/models/" + repoId + "/revision/" + HubNames.encodeSegment(revision));
        try (HubHttp.Answer answer = http.get(uri, Map.of("Accept", "application/json"))) {
            if (answer.status() != 200) {
                throw errors.forAnswer(answer, http.tokenSentTo(answer.uri), repoId, revision, null);
            }
            JsonNode node;
            try (InputStream in = answer.response.body()) {
                node = HubHttp.json().readTree(in);
            }
            String commit = node == null ? null : node.path("sha").asText(null);
            if (!HubNames.isCommit(commit)) {
                throw new IOException("unexpected answer from " + answer.uri + ": no commit hash ('sha')");
            }
            JsonNode siblings = node.get("siblings");
            if (siblings == null || !siblings.isArray()) {
                throw new IOException("unexpected answer from " + answer.uri + ": no file list ('siblings')");
            }
            Set<String> files = new LinkedHashSet<>();
            for (JsonNode s : siblings) {
                String name = s.path("rfilename").asText(null);
                if (name != null) {
                    files.add(name);
                }
            }
            LOG.debug("{}@{} is at commit {} with {} files", repoId, revision, commit, files.size());
            return new RevisionInfo(commit.toLowerCase(Locale.ROOT), files);
        }
    }

    private static String listSome(Collection<String> files) {
        if (files.isEmpty()) {
            return "no files";
        }
        List<String> some = new ArrayList<>();
        for (String f : files) {
            if (some.size() == 20) {
                some.add("... (" + files.size() + " files)");
                break;
            }
            some.add(f);
        }
        return String.join(", ", some);
    }

    private static String resolveToken(String fromBuilder, Function<String, String> env) {
        String t = firstNonBlank(fromBuilder, env.apply("HF_TOKEN"), env.apply("HUGGING_FACE_HUB_TOKEN"));
        if (t != null) {
            return t.strip();
        }
        Path file = tokenFile(env);
        if (Files.isRegularFile(file)) {
            try {
                String s = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (!s.isEmpty()) {
                    LOG.debug("Using the Hugging Face token from {}", file);
                    return s;
                }
            } catch (IOException e) {
                LOG.warn("Could not read the Hugging Face token file {}: {}", file, e.toString());
            }
        }
        return null;
    }

    /** {@code HF_TOKEN_PATH}, else {@code $HF_HOME/token}. */
    static Path tokenFile(Function<String, String> env) {
        String explicit = env.apply("HF_TOKEN_PATH");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit.strip());
        }
        String hfHome = env.apply("HF_HOME");
        if (hfHome == null || hfHome.isBlank()) {
            String xdg = env.apply("XDG_CACHE_HOME");
            Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg.strip()) : Path.of(userHome(), ".cache");
            return cache.resolve("huggingface").resolve("token");
        }
        return Path.of(hfHome.strip()).resolve("token");
    }

    private static String userHome() {
        return System.getProperty("user.home", ".");
    }

    private static boolean isTruthy(String v) {
        if (v == null) {
            return false;
        }
        String s = v.strip().toLowerCase(Locale.ROOT);
        return s.equals("1") || s.equals("true") || s.equals("yes") || s.equals("on");
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v.strip();
            }
        }
        return null;
    }

    private static String normaliseEndpoint(String value) {
        String s = value;
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        URI uri;
        try {
            uri = new URI(s);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("invalid Hub endpoint '" + value + "': " + e.getMessage(), e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null || uri.getQuery() != null
                || uri.getFragment() != null) {
            throw new IllegalArgumentException("invalid Hub endpoint '" + value + "': expected http(s)://host[:port][/path]");
        }
        return s;
    }

    /**
     * Settings for a {@link HubClient}. Unset values come from the environment (see {@link HubClient}) or
     * defaults. Not thread-safe.
     */
    public static final class Builder {
        private String endpoint;
        private String token;
        private Path cacheRoot;
        private boolean offline;
        private Function<String, String> env;
        private DownloadListener listener = DownloadListener.NONE;
        private Duration timeout = DEFAULT_TIMEOUT;

        private Builder() {}

        /**
         * @param endpoint Hub base URL, e.g. {@code https://huggingface.co} or a mirror; null to use
         *     {@code HF_ENDPOINT} or the default
         * @return this builder
         */
        public Builder endpoint(String endpoint) {
            this.endpoint = endpoint;
            return this;
        }

        /**
         * @param token access token; null or blank to use {@code HF_TOKEN} or the token file
         * @return this builder
         */
        public Builder token(String token) {
            this.token = token;
            return this;
        }

        /**
         * @param cacheRoot cache directory; null to use {@code SAM3J_CACHE} or {@code ~/.cache/sam3j}
         * @return this builder
         */
        public Builder cacheRoot(Path cacheRoot) {
            this.cacheRoot = cacheRoot;
            return this;
        }

        /**
         * @param offline true to never use the network and resolve from the cache only ({@code HF_HUB_OFFLINE=1}
         *     turns this on as well)
         * @return this builder
         */
        public Builder offline(boolean offline) {
            this.offline = offline;
            return this;
        }

        /**
         * @param env lookup of environment variables (default {@link System#getenv(String)}); it may return
         *     null for unset variables
         * @return this builder
         */
        public Builder env(Function<String, String> env) {
            this.env = Objects.requireNonNull(env, "env");
            return this;
        }

        /**
         * @param listener receives download progress; see {@link DownloadListener}
         * @return this builder
         */
        public Builder progressListener(DownloadListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * @param timeout limit for connecting, for an answer to start, and for a pause in the data of a download
         *     (a stalled download is aborted and can be resumed); default 30 s
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive: " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * @return a client with these settings
         * @throws IllegalArgumentException when the endpoint is not an http(s) URL
         */
        public HubClient build() {
            return new HubClient(this);
        }
    }
}
