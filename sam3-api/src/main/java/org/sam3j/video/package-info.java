/**
 * Video tracking with SAM 3. The SAM 2-style tracker: objects prompted by clicks or boxes on a frame are tracked
 * through the following frames with a memory (memory encoder, memory attention with RoPE, object pointers, the
 * reference's memory-frame selection) whose size does not grow with the video. The detector+tracker ("text")
 * family ({@link org.sam3j.video.TextTracker}): the text's objects are detected on every frame (frame loader,
 * video detector with joint scores and mask NMS), tracked by one tracker state per birth frame, associated with
 * the detections, pruned by the hotstart and occlusion heuristics, and output with hole filling and an object-wise
 * non-overlap.
 */
package org.sam3j.video;
