package org.sam3j.hub;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/** Validation of repository ids, revisions and file names, and URL path encoding. */
final class HubNames {
    /** One part of a repository id: letters, digits, {@code . _ -}, starting and ending alphanumeric. */
    private static final Pattern REPO_PART = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?");
    /** Branch, tag or commit: no whitespace, no control characters, nothing that escapes a directory. */
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9._+/-]{1,200}");
    /** A commit hash as it names a snapshot directory. */
    private static final Pattern COMMIT = Pattern.compile("[0-9a-fA-F]{7,64}");
    private static final Pattern FULL_COMMIT = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");

    private HubNames() {}

    /** Returns why {@code repoId} is not of the form {@code owner/name}, or null when it is. */
    static String repoIdProblem(String repoId) {
        if (repoId == null || repoId.isEmpty()) {
            return "the repository id is empty";
        }
        int slash = repoId.indexOf('/');
        if (slash < 0) {
            return "the repository id has no owner (expected owner/name)";
        }
        if (repoId.indexOf('/', slash + 1) >= 0) {
            return "the repository id has more than one '/' (expected owner/name)";
        }
        String owner = repoId.substring(0, slash);
        String name = repoId.substring(slash + 1);
        if (owner.isEmpty() || name.isEmpty()) {
            return "the repository id has an empty " + (owner.isEmpty() ? "owner" : "name") + " (expected owner/name)";
        }
        for (String part : new String[] {owner, name}) {
            if (!REPO_PART.matcher(part).matches() || part.contains("--") || part.contains("..")) {
                return "'" + part + "' is not a valid owner or repository name (letters, digits, '.', '_' and '-', "
                        + "starting and ending with a letter or digit, no '--' or '..', at most 96 characters)";
            }
        }
        return null;
    }

    /** Returns why {@code revision} is not a usable branch, tag or commit name, or null when it is. */
    static String revisionProblem(String revision) {
        if (revision == null || revision.isEmpty()) {
            return "the revision is empty";
        }
        if (!REVISION.matcher(revision).matches()) {
            return "the revision '" + revision + "' contains characters other than letters, digits and '._+/-'";
        }
        for (String seg : revision.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
                return "the revision '" + revision + "' has an empty, '.' or '..' path segment";
            }
        }
        return null;
    }

    static String requireRepoId(String repoId) {
        String problem = repoIdProblem(repoId);
        if (problem != null) {
            throw new IllegalArgumentException("invalid repository id '" + repoId + "': " + problem);
        }
        return repoId;
    }

    static String requireRevision(String revision) {
        String problem = revisionProblem(revision);
        if (problem != null) {
            throw new IllegalArgumentException("invalid revision: " + problem);
        }
        return revision;
    }

    /** Checks a repository-relative file name ({@code a/b.json}) before it becomes a path in the cache. */
    static String requireFileName(String file) {
        if (file == null || file.isEmpty()) {
            throw new IllegalArgumentException("empty file name");
        }
        if (file.startsWith("/") || file.indexOf('\\') >= 0 || file.indexOf(':') >= 0 || file.chars().anyMatch(c -> c < 0x20)) {
            throw new IllegalArgumentException("invalid file name '" + file + "': expected a relative path with '/' separators");
        }
        for (String seg : file.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
                throw new IllegalArgumentException("invalid file name '" + file + "': empty, '.' or '..' path segment");
            }
        }
        return file;
    }

    /** True for a string that can name a snapshot directory. */
    static boolean isCommit(String s) {
        return s != null && COMMIT.matcher(s).matches();
    }

    /** True for a full 40-hex git commit hash. */
    static boolean isFullCommit(String s) {
        return s != null && FULL_COMMIT.matcher(s).matches();
    }

    /**
     * The SHA-256 in an ETag-style header value ({@code "abc…"}, {@code W/"abc…"}), lower-cased, or null when
     * the value is not 64 hex digits.
     */
    static String sha256FromEtag(String value) {
        if (value == null) {
            return null;
        }
        String v = value.strip();
        if (v.startsWith("W/")) {
            v = v.substring(2);
        }
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
            v = v.substring(1, v.length() - 1);
        }
        return SHA256.matcher(v).matches() ? v.toLowerCase(java.util.Locale.ROOT) : null;
    }

    /** Percent-encodes a string for use as one URL path segment (everything but RFC 3986 unreserved). */
    static String encodeSegment(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 8);
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return sb.toString();
    }

    /** Percent-encodes each '/'-separated segment of a path, keeping the separators. */
    static String encodePath(String path) {
        StringBuilder sb = new StringBuilder();
        for (String seg : path.split("/", -1)) {
            if (sb.length() > 0) {
                sb.append('/');
            }
            sb.append(encodeSegment(seg));
        }
        return sb.toString();
    }
}
