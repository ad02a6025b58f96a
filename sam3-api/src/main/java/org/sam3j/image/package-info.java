/**
 * Image input for SAM 3: decoding files into {@link org.sam3j.RgbImage} with
 * {@link org.sam3j.image.ImageLoader} (EXIF orientation applied by default), and the model's
 * preprocessing in {@link org.sam3j.image.ImagePreprocessor} (square antialiased resize to 1008×1008,
 * normalisation to [-1, 1], NCHW float32), bit-exact with the official implementation's reference
 * fixtures.
 */
package org.sam3j.image;

import org.sam3j.RgbImage;
