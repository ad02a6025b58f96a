package org.sam3j.image;

import org.sam3j.RgbImage;

import com.drew.imaging.ImageMetadataReader;
import com.drew.imaging.ImageProcessingException;
import com.drew.metadata.Metadata;
import com.drew.metadata.MetadataException;
import com.drew.metadata.exif.ExifIFD0Directory;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.sam3j.internal.Log;
import org.slf4j.Logger;

/**
 * Reads image files (JPEG, PNG, WebP, BMP, GIF, WBMP: whatever {@link ImageIO} decodes, WebP through
 * TwelveMonkeys) into {@link RgbImage}.
 *
 * <h2>Decoding</h2>
 * JPEG goes through the JDK's IJG-libjpeg based reader: baseline and progressive, ISLOW inverse DCT and
 * "fancy" (triangle) chroma upsampling, the same arithmetic as the libjpeg-turbo decoder Pillow uses, so
 * the pixels equal what the reference implementation gets from {@code PIL.Image.open(...).convert("RGB")}
 * (checked bit for bit against the reference fixtures, a baseline 4:2:0 JPEG). One known exception: for
 * 4:4:0 subsampled JPEGs (chroma halved vertically only) libjpeg-turbo interpolates the chroma while the
 * JDK replicates it, so such files can differ slightly. Embedded ICC profiles are ignored, as Pillow does. Every
 * input is reduced to 8-bit RGB: alpha is dropped (not composited), grey is replicated to three channels,
 * palettes are looked up, 16-bit samples keep their high byte.
 *
 * <h2>EXIF orientation</h2>
 * By default the EXIF orientation tag (values 1–8) is applied, rotating and/or mirroring the pixels the
 * way PIL's {@code ImageOps.exif_transpose} does, so a phone photo comes out upright. <b>This is a
 * deliberate difference from the official SAM 3 code</b>, which feeds the stored pixel order to the model
 * (it never transposes); pass {@code applyExifOrientation = false} to reproduce that exactly. Unreadable
 * or absent metadata counts as orientation 1.
 *
 * <h2>Errors</h2>
 * A missing file gives {@link NoSuchFileException} (with the path); bytes that are not a decodable image,
 * a truncated or corrupt file (a JPEG without its end-of-image marker counts as truncated, since the JDK
 * decoder cannot tell a missing marker from missing data), an unsupported encoding (e.g. CMYK JPEG) or an
 * image without pixels give
 * {@link ImageFormatException}, whose message names the source and the problem.
 */
public final class ImageLoader {
    private static final Logger LOG = Log.get(ImageLoader.class);

    private ImageLoader() {}

    /**
     * Reads an image file and applies its EXIF orientation.
     *
     * @throws NoSuchFileException   if the file does not exist
     * @throws ImageFormatException  if the file is not a readable image
     * @throws IOException           if reading the file fails
     */
    public static RgbImage read(Path path) throws IOException {
        return read(path, true);
    }

    /**
     * Reads an image file.
     *
     * @param applyExifOrientation whether to rotate/mirror the pixels by the EXIF orientation tag
     *                             ({@code false} reproduces the official SAM 3 pipeline exactly)
     * @throws NoSuchFileException   if the file does not exist
     * @throws ImageFormatException  if the file is not a readable image
     * @throws IOException           if reading the file fails
     */
    public static RgbImage read(Path path, boolean applyExifOrientation) throws IOException {
        Objects.requireNonNull(path, "path");
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "image file not found");
        }
        if (Files.isDirectory(path)) {
            throw new ImageFormatException(path.toString(), "is a directory, not an image file");
        }
        return decode(Files.readAllBytes(path), path.toString(), applyExifOrientation);
    }

    /**
     * Decodes an encoded image held in memory (the content of an image file) and applies its EXIF
     * orientation.
     *
     * @throws ImageFormatException if the bytes are not a readable image
     */
    public static RgbImage read(byte[] encoded) throws ImageFormatException {
        return read(encoded, true);
    }

    /**
     * Decodes an encoded image held in memory (the content of an image file).
     *
     * @param applyExifOrientation whether to rotate/mirror the pixels by the EXIF orientation tag
     * @throws ImageFormatException if the bytes are not a readable image
     */
    public static RgbImage read(byte[] encoded, boolean applyExifOrientation) throws ImageFormatException {
        Objects.requireNonNull(encoded, "encoded");
        return decode(encoded, "<" + encoded.length + " bytes in memory>", applyExifOrientation);
    }

    /**
     * Reads an encoded image from a stream (to its end; the stream is not closed) and applies its EXIF
     * orientation.
     *
     * @throws ImageFormatException if the content is not a readable image
     * @throws IOException          if reading the stream fails
     */
    public static RgbImage read(InputStream in) throws IOException {
        return read(in, true);
    }

    /**
     * Reads an encoded image from a stream (to its end; the stream is not closed).
     *
     * @param applyExifOrientation whether to rotate/mirror the pixels by the EXIF orientation tag
     * @throws ImageFormatException if the content is not a readable image
     * @throws IOException          if reading the stream fails
     */
    public static RgbImage read(InputStream in, boolean applyExifOrientation) throws IOException {
        Objects.requireNonNull(in, "in");
        byte[] bytes = in.readAllBytes();
        return decode(bytes, "<stream of " + bytes.length + " bytes>", applyExifOrientation);
    }

    /**
     * Converts a decoded {@link BufferedImage} of any type to plain RGB: colour samples are taken as
     * stored (no colour management), alpha is dropped, grey is replicated to R, G and B, indexed colours
     * are looked up in the palette, 16-bit samples keep their high byte and 1/2/4-bit samples are scaled
     * to 0..255. Other layouts go through {@link BufferedImage#getRGB}.
     *
     * @throws IllegalArgumentException if the image has no pixels
     */
    public static RgbImage fromBufferedImage(BufferedImage image) {
        Objects.requireNonNull(image, "image");
        int w = image.getWidth();
        int h = image.getHeight();
        ImageSizes.check(w, h);
        byte[] out = new byte[w * h * 3];
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        int transfer = raster.getTransferType();
        boolean intSamples = transfer == DataBuffer.TYPE_BYTE || transfer == DataBuffer.TYPE_USHORT;
        int csType = cm.getColorSpace().getType();
        if (cm instanceof IndexColorModel icm) {
            int[] idx = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, idx);
                int o = y * w * 3;
                for (int x = 0; x < w; x++) {
                    int p = idx[x];
                    out[o++] = (byte) icm.getRed(p);
                    out[o++] = (byte) icm.getGreen(p);
                    out[o++] = (byte) icm.getBlue(p);
                }
            }
        } else if (cm instanceof ComponentColorModel && intSamples && !cm.isAlphaPremultiplied()
                && csType == ColorSpace.TYPE_RGB && cm.getNumColorComponents() == 3) {
            int[] row = new int[w];
            for (int c = 0; c < 3; c++) {
                int bits = cm.getComponentSize(c);
                for (int y = 0; y < h; y++) {
                    raster.getSamples(0, y, w, 1, c, row);
                    int o = y * w * 3 + c;
                    for (int x = 0; x < w; x++, o += 3) {
                        out[o] = (byte) to8Bit(row[x], bits);
                    }
                }
            }
        } else if (cm instanceof ComponentColorModel && intSamples && !cm.isAlphaPremultiplied()
                && csType == ColorSpace.TYPE_GRAY && cm.getNumColorComponents() == 1) {
            int bits = cm.getComponentSize(0);
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                int o = y * w * 3;
                for (int x = 0; x < w; x++) {
                    byte v = (byte) to8Bit(row[x], bits);
                    out[o++] = v;
                    out[o++] = v;
                    out[o++] = v;
                }
            }
        } else {
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                image.getRGB(0, y, w, 1, row, 0, w);
                int o = y * w * 3;
                for (int x = 0; x < w; x++) {
                    int p = row[x];
                    out[o++] = (byte) (p >> 16);
                    out[o++] = (byte) (p >> 8);
                    out[o++] = (byte) p;
                }
            }
        }
        return RgbImage.of(w, h, out);
    }

    private static int to8Bit(int v, int bits) {
        if (bits == 8) return v;
        if (bits > 8) return v >>> (bits - 8);
        return v * 255 / ((1 << bits) - 1);
    }

    private static RgbImage decode(byte[] bytes, String source, boolean applyExifOrientation)
            throws ImageFormatException {
        if (bytes.length == 0) {
            throw new ImageFormatException(source, "empty (0 bytes)");
        }
        BufferedImage decoded = decodeWithImageIo(bytes, source);
        RgbImage rgb;
        try {
            rgb = fromBufferedImage(decoded);
        } catch (IllegalArgumentException e) {
            throw new ImageFormatException(source, e.getMessage(), e);
        }
        if (!applyExifOrientation) {
            return rgb;
        }
        int orientation = exifOrientation(bytes, source);
        return orientation == 1 ? rgb : ExifOrientation.apply(rgb, orientation);
    }

    /** Formats named in messages, in this order, when a reader for them is installed. */
    private static final List<String> KNOWN_FORMATS = List.of("JPEG", "PNG", "WebP", "BMP", "GIF", "TIFF", "WBMP");

    /** The image formats that can be decoded here (those of {@link #KNOWN_FORMATS} with an installed reader). */
    public static List<String> supportedFormats() {
        List<String> out = new ArrayList<>();
        for (String f : KNOWN_FORMATS) {
            if (ImageIO.getImageReadersByFormatName(f).hasNext()) out.add(f);
        }
        return out;
    }

    private static BufferedImage decodeWithImageIo(byte[] bytes, String source) throws ImageFormatException {
        try (ImageInputStream iis = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(iis);
            if (!readers.hasNext()) {
                throw new ImageFormatException(source, "not an image in a supported format"
                        + " (" + String.join(", ", supportedFormats()) + "); starts with " + hexPrefix(bytes));
            }
            ImageReader reader = readers.next();
            String format = reader.getFormatName().toUpperCase(Locale.ROOT);
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener((r, warning) -> warnings.add(warning));
            try {
                reader.setInput(iis, true, true);
                int w = reader.getWidth(0);
                int h = reader.getHeight(0);
                if (w <= 0 || h <= 0) {
                    throw new ImageFormatException(source, format + " image has no pixels (" + w + "x" + h + ")");
                }
                if ((long) w * h * 3 > Integer.MAX_VALUE - 8) {
                    throw new ImageFormatException(source, format + " image too large (" + w + "x" + h + ")");
                }
                BufferedImage image = reader.read(0);
                for (String warning : warnings) {
                    if (isFatalWarning(warning)) {
                        throw new ImageFormatException(source, format + " data is truncated or corrupt (" + warning + ")");
                    }
                    LOG.debug("{}: decoder warning: {}", source, warning);
                }
                if (image == null) {
                    throw new ImageFormatException(source, format + " decoder returned no image");
                }
                return image;
            } finally {
                reader.dispose();
            }
        } catch (ImageFormatException e) {
            throw e;
        } catch (IIOException e) {
            throw new ImageFormatException(source, "corrupt, truncated or unsupported image data ("
                    + e.getMessage() + ")", e);
        } catch (IOException | RuntimeException e) {
            // ImageIO plugins signal some malformed inputs with unchecked exceptions
            // (IndexOutOfBounds, IllegalArgument, NegativeArraySize, ...).
            String detail = e.getMessage() != null && !e.getMessage().isBlank() ? " (" + e.getMessage() + ")" : "";
            throw new ImageFormatException(source, "corrupt or truncated image data" + detail, e);
        }
    }

    /**
     * Decoder warnings that mean the pixels are incomplete: libjpeg's "Premature end of JPEG file" (the
     * JDK reader then pads the image with grey) and the JDK's missing-EOI warning. Pillow refuses such
     * files by default ("image file is truncated"), and so do we.
     */
    private static boolean isFatalWarning(String warning) {
        String w = warning == null ? "" : warning.toLowerCase(Locale.ROOT);
        return w.contains("premature end") || w.contains("truncated") || w.contains("missing eoi");
    }

    private static String hexPrefix(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(8, b.length); i++) {
            sb.append(String.format("%02x", b[i] & 0xFF));
        }
        return sb.append(b.length > 8 ? "..." : "").toString();
    }

    /** The EXIF orientation (1..8) of an encoded image; 1 when absent, invalid or unreadable. */
    static int exifOrientation(byte[] bytes, String source) {
        try {
            Metadata metadata = ImageMetadataReader.readMetadata(new ByteArrayInputStream(bytes), bytes.length);
            for (ExifIFD0Directory dir : metadata.getDirectoriesOfType(ExifIFD0Directory.class)) {
                if (dir.containsTag(ExifIFD0Directory.TAG_ORIENTATION)) {
                    int o = dir.getInt(ExifIFD0Directory.TAG_ORIENTATION);
                    if (o >= 1 && o <= 8) {
                        return o;
                    }
                    LOG.debug("{}: ignoring invalid EXIF orientation {}", source, o);
                }
            }
        } catch (ImageProcessingException | IOException | MetadataException | RuntimeException e) {
            LOG.debug("{}: EXIF metadata unreadable, assuming orientation 1: {}", source, e.toString());
        }
        return 1;
    }
}
