package org.sam3j.hub;

/**
 * Receives download progress, e.g. to draw a progress bar (see {@link ProgressBar#printingTo}).
 *
 * <p>For each downloaded file it is called at most about every 100 ms while data arrives, and once more when
 * the file is complete; that last call has {@code bytesDone == bytesTotal}. Files already in the cache
 * produce no calls. Calls come from the thread that called {@link HubClient#resolve}; exceptions thrown by
 * the listener are logged and otherwise ignored.
 */
@FunctionalInterface
public interface DownloadListener {
    /** A listener that ignores everything. */
    DownloadListener NONE = (file, bytesDone, bytesTotal) -> { };

    /**
     * @param file the repository-relative file name, e.g. {@code model.safetensors}
     * @param bytesDone bytes of the file on disk so far (including bytes from an earlier, resumed attempt)
     * @param bytesTotal the file's size, or -1 when the server did not say
     */
    void onProgress(String file, long bytesDone, long bytesTotal);
}
