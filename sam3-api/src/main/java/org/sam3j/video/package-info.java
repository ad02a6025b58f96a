/**
 * Video tracking with SAM 3's SAM 2-style tracker: objects prompted by clicks or boxes on a frame are tracked
 * through the following frames with a memory (memory encoder, memory attention with RoPE, object pointers, the
 * reference's memory-frame selection) whose size does not grow with the video. First blocks of the
 * detector+tracker ("text") family: its frame loader, the video detector with joint scores and mask NMS, hole
 * filling, the masks of objects born from detections, and the association of detections with tracks.
 */
package org.sam3j.video;
