package org.sam3j.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Paths in the on-disk cache. Per repository {@code owner/name}:
 *
 * <pre>
 * &lt;root&gt;/models--owner--name/
 *     refs/&lt;revision&gt;                      commit hash the revision last resolved to
 *     snapshots/&lt;commit&gt;/&lt;file&gt;           complete, verified files only
 *     downloads/&lt;commit&gt;/&lt;file&gt;.incomplete partial data of an interrupted download (resumable)
 *     downloads/&lt;commit&gt;/&lt;file&gt;.lock       lock held while downloading
 * </pre>
 *
 * Files appear in a snapshot only by an atomic move once complete, so existence means complete.
 */
final class CacheLayout {
    static final String INCOMPLETE_SUFFIX = ".incomplete";

    private final Path root;

    CacheLayout(Path root) {
        this.root = root;
    }

    Path root() {
        return root;
    }

    Path repoDir(String repoId) {
        return root.resolve("models--" + repoId.replace("/", "--"));
    }

    Path refFile(String repoId, String revision) {
        return within(repoDir(repoId).resolve("refs"), revision);
    }

    Path snapshotDir(String repoId, String commit) {
        requireCommit(commit);
        return repoDir(repoId).resolve("snapshots").resolve(commit);
    }

    Path snapshotFile(String repoId, String commit, String file) {
        return within(snapshotDir(repoId, commit), file);
    }

    Path downloadsDir(String repoId, String commit) {
        requireCommit(commit);
        return repoDir(repoId).resolve("downloads").resolve(commit);
    }

    Path incompleteFile(String repoId, String commit, String file) {
        return within(downloadsDir(repoId, commit), file + INCOMPLETE_SUFFIX);
    }

    Path lockFile(String repoId, String commit, String file) {
        return within(downloadsDir(repoId, commit), file + ".lock");
    }

    /** The commit a revision last resolved to, or null when unknown. A full commit hash resolves to itself. */
    String readRef(String repoId, String revision) throws IOException {
        Path ref = refFile(repoId, revision);
        if (Files.isRegularFile(ref)) {
            String commit = Files.readString(ref, StandardCharsets.UTF_8).strip();
            if (HubNames.isCommit(commit)) {
                return commit;
            }
            throw new IOException("corrupt cache entry " + ref + ": expected a commit hash, found '" + commit + "'");
        }
        if (HubNames.isFullCommit(revision)) {
            return revision;
        }
        return null;
    }

    /** Records that {@code revision} resolves to {@code commit} (atomically replacing an older value). */
    void writeRef(String repoId, String revision, String commit) throws IOException {
        requireCommit(commit);
        if (revision.equals(commit)) {
            return;
        }
        Path ref = refFile(repoId, revision);
        Files.createDirectories(ref.getParent());
        Path tmp = Files.createTempFile(ref.getParent(), ".ref-", ".tmp");
        try {
            Files.writeString(tmp, commit, StandardCharsets.UTF_8);
            org.sam3j.io.AtomicFiles.move(tmp, ref);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void requireCommit(String commit) {
        if (!HubNames.isCommit(commit)) {
            throw new IllegalArgumentException("not a commit hash: '" + commit + "'");
        }
    }

    /** {@code dir/relative}, refusing anything that would leave {@code dir}. */
    private static Path within(Path dir, String relative) {
        Path p = dir.resolve(relative).normalize();
        if (!p.startsWith(dir.normalize()) || p.equals(dir.normalize())) {
            throw new IllegalArgumentException("'" + relative + "' escapes " + dir);
        }
        return p;
    }
}
