package org.sam3j;

/**
 * Bytes that crossed a backend's boundary: {@code uploaded} from host arrays into the backend (graph inputs
 * given as host arrays, uploads), {@code downloaded} from the backend into host
 * arrays (host outputs of a run, resident tensor downloads). Values bound as resident tensors and
 * outputs kept resident cross nothing.
 *
 * @param uploaded   bytes moved from the host into the backend
 * @param downloaded bytes moved from the backend to the host
 */
public record TransferBytes(long uploaded, long downloaded) {
    /** Nothing moved. */
    public static final TransferBytes ZERO = new TransferBytes(0, 0);

    /** Checks that both counts are non-negative. */
    public TransferBytes {
        if (uploaded < 0 || downloaded < 0) {
            throw new IllegalArgumentException("negative transfer: " + uploaded + " up, " + downloaded + " down");
        }
    }

    /** Both directions together. */
    public long total() {
        return uploaded + downloaded;
    }

    /** The sum of this and {@code o}. */
    public TransferBytes plus(TransferBytes o) {
        return new TransferBytes(uploaded + o.uploaded, downloaded + o.downloaded);
    }

    /** What moved since {@code earlier}, a previous reading of the same counter. */
    public TransferBytes since(TransferBytes earlier) {
        return new TransferBytes(uploaded - earlier.uploaded, downloaded - earlier.downloaded);
    }
}
