package org.sam3j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.sam3j.RgbImage;
import org.sam3j.image.ImageFormatException;
import org.sam3j.image.ImageLoader;
import org.sam3j.image.ImagePreprocessor;

/**
 * Images for {@code sam3 segment}: a file or an http(s) URL ({@link #parse}), downloaded to a temporary file
 * with a time limit ({@link #download}), read and scaled down when a side exceeds {@value #MAX_SIDE} pixels
 * ({@link #load}), and the images of a folder ({@link #list}).
 */
final class ImageInput {
    /** Images with a longer side are scaled down (keeping the aspect ratio) to this many pixels. */
    static final int MAX_SIDE = 4096;
    /** File extensions {@code --input-dir} picks up (compared case-insensitively). */
    static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "webp", "bmp");
    /** Downloads larger than this are refused. */
    static final long MAX_DOWNLOAD_BYTES = 1L << 30;

    private ImageInput() {}

    /**
     * What {@code --image} names.
     *
     * @param given the argument as given
     * @param file  the local file, or null for a URL
     * @param url   the http(s) URL, or null for a file
     * @param stem  the name used for the default output directory
     */
    record Source(String given, Path file, URI url, String stem) {
        boolean isUrl() {
            return url != null;
        }
    }

    /**
     * An image ready for segmentation.
     *
     * @param image          the pixels segmented (scaled down when the original was too large)
     * @param originalWidth  width as read (EXIF orientation applied)
     * @param originalHeight height as read
     * @param readNanos      time to read, decode and scale
     */
    record Loaded(RgbImage image, int originalWidth, int originalHeight, long readNanos) {
        boolean scaled() {
            return image.width() != originalWidth || image.height() != originalHeight;
        }

        double sx() {
            return (double) image.width() / originalWidth;
        }

        double sy() {
            return (double) image.height() / originalHeight;
        }
    }

    /**
     * Parses {@code --image}: {@code http://} and {@code https://} URLs are downloaded, other {@code scheme://}
     * forms are refused, anything else is a file path (whether it exists is checked when it is read).
     *
     * @throws UserException if the value is empty, a malformed or unsupported URL, or not a valid path
     */
    static Source parse(String spec) {
        String s = spec.strip();
        if (s.isEmpty()) throw new UserException("--image is empty: give an image file or an http(s) URL");
        int sep = s.indexOf("://");
        if (sep > 0 && s.substring(0, sep).matches("[A-Za-z][A-Za-z0-9+.-]*")) {
            String scheme = s.substring(0, sep).toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new UserException("--image " + s + ": unsupported URL scheme '" + scheme
                        + "' (only http:// and https:// URLs are downloaded; give local files as paths)");
            }
            URI uri;
            try {
                uri = new URI(s);
            } catch (URISyntaxException e) {
                throw new UserException("--image: malformed URL '" + s + "': " + e.getReason());
            }
            if (uri.getHost() == null) throw new UserException("--image: URL without a host: " + s);
            return new Source(spec, null, uri, urlStem(uri));
        }
        Path p;
        try {
            p = Path.of(s);
        } catch (InvalidPathException e) {
            throw new UserException("--image: invalid path '" + s + "': " + e.getReason());
        }
        Path name = p.getFileName();
        return new Source(spec, p, null, name == null ? "image" : safeName(stem(name.toString())));
    }

    static String stem(String fileName) {
        int dot = fileName.lastIndexOf('.');
        return dot > 0 ? fileName.substring(0, dot) : fileName;
    }

    static String extension(String fileName) {
        int dot = fileName.lastIndexOf('.');
        return dot > 0 ? fileName.substring(dot + 1).toLowerCase(Locale.ROOT) : "";
    }

    private static String urlStem(URI uri) {
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        int slash = path.lastIndexOf('/');
        String last = URLDecoder.decode(path.substring(slash + 1), StandardCharsets.UTF_8);
        String stem = safeName(stem(last));
        return stem.isEmpty() ? "image" : stem;
    }

    /** A file-name-safe version of a name: characters other than letters, digits, '.', '_' and '-' become '_'. */
    static String safeName(String s) {
        String r = s.replaceAll("[^\\p{L}\\p{N}._-]", "_");
        return r.equals(".") || r.equals("..") ? "_" : r;
    }

    /**
     * Downloads an http(s) URL into a new temporary file (deleted again on failure); redirects are followed.
     *
     * @param timeout limit for the whole download (connection, answer and body)
     * @throws IOException with a one-line message when the server cannot be reached, answers with an
     *                     error status, the body is too large, or the time limit passes
     */
    static Path download(URI url, Duration timeout) throws IOException {
        String ext = extension(lastSegment(url));
        Path tmp = Files.createTempFile("sam3-image-", EXTENSIONS.contains(ext) ? "." + ext : ".img");
        boolean ok = false;
        HttpClient client = HttpClient.newBuilder().connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        String what = "cannot download " + url + ": ";
        try {
            HttpRequest req = HttpRequest.newBuilder(url).timeout(timeout).header("User-Agent", "sam3j-cli").GET().build();
            CompletableFuture<HttpResponse<Path>> f = client.sendAsync(req, info -> {
                long len = info.headers().firstValueAsLong("Content-Length").orElse(-1);
                if (info.statusCode() / 100 == 2 && len > MAX_DOWNLOAD_BYTES) {
                    return HttpResponse.BodySubscribers.replacing(null);
                }
                return info.statusCode() / 100 == 2 ? HttpResponse.BodySubscribers.ofFile(tmp)
                        : HttpResponse.BodySubscribers.replacing(null);
            });
            HttpResponse<Path> r;
            try {
                r = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                f.cancel(true);
                throw new IOException(what + "timed out after " + seconds(timeout));
            } catch (InterruptedException e) {
                f.cancel(true);
                Thread.currentThread().interrupt();
                throw new IOException(what + "interrupted");
            } catch (ExecutionException e) {
                throw new IOException(what + describe(e.getCause(), timeout), e.getCause());
            }
            if (r.statusCode() / 100 != 2) {
                throw new IOException(what + "HTTP " + r.statusCode());
            }
            if (r.body() == null) {
                throw new IOException(what + "larger than " + (MAX_DOWNLOAD_BYTES >> 20) + " MiB");
            }
            ok = true;
            return tmp;
        } finally {
            if (!ok) Files.deleteIfExists(tmp);
        }
    }

    private static String lastSegment(URI uri) {
        String path = uri.getPath() == null ? "" : uri.getPath();
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private static String seconds(Duration d) {
        long ms = d.toMillis();
        return (ms % 1000 == 0 ? Long.toString(ms / 1000) : Double.toString(ms / 1000.0)) + " s";
    }

    private static String describe(Throwable e, Duration timeout) {
        if (e instanceof HttpTimeoutException) return "timed out after " + seconds(timeout);
        if (e instanceof ConnectException) return "cannot connect (" + (e.getMessage() != null ? e.getMessage() : "connection refused") + ")";
        if (e instanceof UnknownHostException) return "unknown host " + e.getMessage();
        if (e instanceof IOException && e.getCause() instanceof UnknownHostException u) return "unknown host " + u.getMessage();
        String m = e.getMessage();
        return m != null && !m.isBlank() ? m : e.getClass().getSimpleName();
    }

    /**
     * Reads an image file (EXIF orientation applied) and scales it down when a side exceeds {@link #MAX_SIDE}.
     *
     * @throws java.nio.file.NoSuchFileException if the file does not exist
     * @throws ImageFormatException              if it is not a readable image
     * @throws IOException                       if reading fails
     */
    static Loaded load(Path file) throws IOException {
        long t0 = System.nanoTime();
        RgbImage img;
        try {
            img = ImageLoader.read(file);
        } catch (ImageFormatException e) {
            String zero = zeroSize(file);
            if (zero != null) throw new ImageFormatException(file.toString(), "zero-size image (" + zero + " pixels)", e);
            throw e;
        }
        RgbImage scaled = scaleDown(img, MAX_SIDE);
        return new Loaded(scaled, img.width(), img.height(), System.nanoTime() - t0);
    }

    /** The image scaled (aspect kept, antialiased bilinear) so that its longer side is {@code maxSide}, or itself. */
    static RgbImage scaleDown(RgbImage img, int maxSide) {
        int w = img.width();
        int h = img.height();
        int longer = Math.max(w, h);
        if (longer <= maxSide) return img;
        double s = (double) maxSide / longer;
        int nw = w >= h ? maxSide : Math.max(1, (int) Math.round(w * s));
        int nh = h >= w ? maxSide : Math.max(1, (int) Math.round(h * s));
        return ImagePreprocessor.resizeBilinearAntialias(img, nw, nh);
    }

    /**
     * {@code "WxH"} when a PNG, GIF or BMP header declares a zero width or height (decoders then report
     * only a generic header error), else null.
     */
    static String zeroSize(Path file) {
        byte[] h = new byte[26];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(h, 0, h.length);
        } catch (IOException e) {
            return null;
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(h);
        long w;
        long ht;
        if (n >= 24 && (h[0] & 0xFF) == 0x89 && h[1] == 'P' && h[2] == 'N' && h[3] == 'G' && h[12] == 'I' && h[13] == 'H') {
            w = b.getInt(16) & 0xFFFFFFFFL;
            ht = b.getInt(20) & 0xFFFFFFFFL;
        } else if (n >= 10 && h[0] == 'G' && h[1] == 'I' && h[2] == 'F' && h[3] == '8') {
            b.order(java.nio.ByteOrder.LITTLE_ENDIAN);
            w = b.getShort(6) & 0xFFFF;
            ht = b.getShort(8) & 0xFFFF;
        } else if (n >= 26 && h[0] == 'B' && h[1] == 'M') {
            b.order(java.nio.ByteOrder.LITTLE_ENDIAN);
            w = Math.abs((long) b.getInt(18));
            ht = Math.abs((long) b.getInt(22));
        } else {
            return null;
        }
        return w == 0 || ht == 0 ? w + "x" + ht : null;
    }

    /**
     * The images of a folder (not its sub-folders): regular files whose extension is one of
     * {@link #EXTENSIONS} (any case), hidden files ({@code .name}) excluded, in name order.
     *
     * @throws UserException if the folder does not exist or holds no such image
     */
    static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new UserException("--input-dir " + dir + ": " + (Files.exists(dir) ? "not a directory" : "no such directory"));
        }
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> {
                String n = p.getFileName().toString();
                return !n.startsWith(".") && EXTENSIONS.contains(extension(n)) && Files.isRegularFile(p);
            }).forEach(out::add);
        }
        out.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        if (out.isEmpty()) {
            throw new UserException("--input-dir " + dir + ": no images (" + String.join(", ", sortedExtensions()) + ")");
        }
        return out;
    }

    private static List<String> sortedExtensions() {
        return List.of("jpg", "jpeg", "png", "webp", "bmp");
    }

    /**
     * Output directory names for a batch: the file's stem, or its whole (safe) name when two files share a
     * stem (e.g. {@code a.jpg} and {@code a.png}), so that no two images write into one directory.
     */
    static Map<Path, String> outputNames(List<Path> images) {
        Map<String, Integer> stems = new HashMap<>();
        for (Path p : images) stems.merge(stem(p.getFileName().toString()).toLowerCase(Locale.ROOT), 1, Integer::sum);
        Map<Path, String> names = new LinkedHashMap<>();
        for (Path p : images) {
            String n = p.getFileName().toString();
            boolean clash = stems.get(stem(n).toLowerCase(Locale.ROOT)) > 1;
            names.put(p, safeName(clash ? n : stem(n)));
        }
        return names;
    }
}
