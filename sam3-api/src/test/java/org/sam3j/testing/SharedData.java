package org.sam3j.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Locates the project's read-only reference material ({@code shared/}): the directory named by the
 * environment variable {@code SAM3_SHARED}, else {@code ../shared} next to the project root.
 */
public final class SharedData {
    private SharedData() {}

    /** The shared directory; fails the calling test with a clear message if it cannot be found. */
    public static Path dir() {
        String env = System.getenv("SAM3_SHARED");
        if (env != null && !env.isBlank()) {
            Path p = Paths.get(env).toAbsolutePath().normalize();
            if (!Files.isDirectory(p)) {
                throw new IllegalStateException("SAM3_SHARED=" + env + " is not a directory");
            }
            return p;
        }
        Path d = Paths.get("").toAbsolutePath();
        while (d != null) {
            if (Files.exists(d.resolve("mvnw")) && Files.isDirectory(d.resolve("sam3-api"))) {
                Path shared = d.resolveSibling("shared");
                if (Files.isDirectory(shared)) return shared;
                throw new IllegalStateException("no shared/ directory at " + shared
                        + " (set SAM3_SHARED to its location)");
            }
            d = d.getParent();
        }
        throw new IllegalStateException("cannot find the project root from " + Paths.get("").toAbsolutePath()
                + " (set SAM3_SHARED to the shared/ directory)");
    }

    /** A path inside the shared directory. */
    public static Path resolve(String relative) {
        return dir().resolve(relative);
    }
}
