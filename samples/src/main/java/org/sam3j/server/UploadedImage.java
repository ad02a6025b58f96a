package org.sam3j.server;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.sam3j.RgbImage;
import org.sam3j.image.ImageFormatException;
import org.sam3j.image.ImageLoader;

/**
 * Decodes an uploaded image held in memory, after reading its size from the header so that an image with too
 * many pixels is refused before its pixels are allocated (a small file can declare a huge image).
 */
final class UploadedImage {
    private UploadedImage() {}

    /**
     * The pixels of an encoded image (EXIF orientation applied).
     *
     * @throws ApiException 400 for bytes that are not a readable image, 413 for more than {@code maxPixels}
     */
    static RgbImage decode(byte[] bytes, long maxPixels) {
        if (bytes.length == 0) throw ApiException.badRequest("the uploaded image is empty (0 bytes)");
        checkPixels(bytes, maxPixels);
        try {
            return ImageLoader.read(bytes);
        } catch (ImageFormatException e) {
            throw ApiException.badRequest(PromptJson.firstLine(e.getMessage()));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("not a readable image: " + PromptJson.firstLine(e.getMessage()));
        }
    }

    private static void checkPixels(byte[] bytes, long maxPixels) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw ApiException.badRequest("not an image: no decoder recognises the data (JPEG, PNG, WebP, BMP and"
                        + " GIF are read)");
            }
            ImageReader r = readers.next();
            try {
                r.setInput(in, true, true);
                long w = r.getWidth(0);
                long h = r.getHeight(0);
                if (w * h > maxPixels) {
                    throw ApiException.tooLarge("the image is " + w + "x" + h + " = " + w * h + " pixels, above this"
                            + " server's limit of " + maxPixels + " pixels");
                }
            } finally {
                r.dispose();
            }
        } catch (IOException e) {
            throw ApiException.badRequest("not a readable image: " + PromptJson.firstLine(e.getMessage()));
        }
    }
}
