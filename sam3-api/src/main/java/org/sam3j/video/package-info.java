/**
 * Video tracking with SAM 3's SAM 2-style tracker: objects prompted by clicks or boxes on a frame are tracked
 * through the following frames with a memory (memory encoder, memory attention with RoPE, object pointers, the
 * reference's memory-frame selection) whose size does not grow with the video.
 */
package org.sam3j.video;
