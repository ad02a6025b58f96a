package org.sam3j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.sam3j.RgbImage;
import org.sam3j.image.ImageLoader;

/**
 * The frames of a video, decoded on demand one at a time (a session never holds more than the frame it works on).
 */
public interface FrameSource {
    /** Number of frames. */
    int frameCount();

    /**
     * Decodes frame {@code index}.
     *
     * @throws IOException if the frame cannot be read
     */
    RgbImage read(int index) throws IOException;

    /**
     * The image files of a folder ({@code .jpg}, {@code .jpeg}, {@code .png}), frame order = file names in numeric
     * order when they are numbers ({@code 0.jpg, 1.jpg, … 10.jpg}), else lexicographic.
     *
     * @throws IllegalArgumentException if the folder holds no image
     */
    static FrameSource folder(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                return n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png");
            }).sorted((a, b) -> {
                String x = stem(a);
                String y = stem(b);
                if (x.matches("\\d+") && y.matches("\\d+")) return Long.compare(Long.parseLong(x), Long.parseLong(y));
                return a.getFileName().toString().compareTo(b.getFileName().toString());
            }).toList();
        }
        if (files.isEmpty()) throw new IllegalArgumentException("no .jpg/.jpeg/.png frame in " + dir);
        return files(files);
    }

    /** The given image files, in order. */
    static FrameSource files(List<Path> files) {
        List<Path> copy = List.copyOf(files);
        if (copy.isEmpty()) throw new IllegalArgumentException("a video needs at least one frame");
        return new FrameSource() {
            @Override
            public int frameCount() {
                return copy.size();
            }

            @Override
            public RgbImage read(int index) throws IOException {
                return ImageLoader.read(copy.get(index));
            }
        };
    }

    private static String stem(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? n : n.substring(0, dot);
    }
}
