/**
 * Video files through FFmpeg for the SAM 3 video predictor: {@link org.sam3j.ffmpeg.FFmpegVideoSource} (a
 * {@link org.sam3j.FrameSource} over any container and codec FFmpeg decodes) and
 * {@link org.sam3j.ffmpeg.FFmpegVideoWriter} (MP4/MKV with H.264, Motion-JPEG AVI). Built on JavaCV's grabber and
 * recorder over the {@code org.bytedeco:ffmpeg} natives; a separate module so that {@code sam3-api} users who do not
 * read video files do not carry FFmpeg (about 27 MB of natives).
 *
 * <p>FFmpeg logs to stderr at its own default level (stream summaries, warnings). The level is process-wide, so
 * these classes leave it alone; an application that wants FFmpeg quiet calls
 * {@code org.bytedeco.ffmpeg.global.avutil.av_log_set_level(AV_LOG_QUIET)}, as {@code sam3 track} does (it reports
 * failures itself, from the exceptions).
 */
package org.sam3j.ffmpeg;
