package org.sam3j.hub;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * Where a model's weights come from, as written in a {@code --model} option: a local checkpoint file
 * ({@code sam3.pt}, {@code model.safetensors}), a local directory holding such files, or a Hugging Face Hub
 * repository written {@code hf:owner/name} or {@code hf:owner/name@revision}.
 *
 * <pre>{@code
 * ModelSource src = ModelSource.parse("hf:facebook/sam3@main");
 * Path local = src.toLocalPath(HubClient.builder().build());   // downloads on first use
 * }</pre>
 */
public sealed interface ModelSource permits ModelSource.LocalFile, ModelSource.LocalDirectory, ModelSource.HubRepo {
    /** The prefix that marks a Hub repository in a model spec. */
    String HF_PREFIX = "hf:";
    /** The revision used when an {@code hf:} spec names none. */
    String DEFAULT_REVISION = "main";

    /**
     * Parses a model spec. Strings starting with {@code hf:} (any case) are Hub repositories and must have the
     * form {@code hf:owner/name[@revision]}; anything else is a local path, a {@link LocalDirectory} when it
     * names an existing directory and a {@link LocalFile} otherwise (whether the file exists is checked by
     * {@link #toLocalPath}).
     *
     * @param spec the spec, e.g. {@code sam3.pt}, {@code models/sam3/} or {@code hf:facebook/sam3@main}
     * @return the parsed source
     * @throws IllegalArgumentException when the spec is empty, is a malformed {@code hf:} spec, or is not a
     *     valid path on this platform
     */
    static ModelSource parse(String spec) {
        Objects.requireNonNull(spec, "spec");
        String s = spec.strip();
        if (s.isEmpty()) {
            throw new IllegalArgumentException(
                    "empty model spec: expected a checkpoint file, a directory, or hf:owner/name[@revision]");
        }
        if (s.length() >= HF_PREFIX.length() && s.substring(0, HF_PREFIX.length()).toLowerCase(Locale.ROOT).equals(HF_PREFIX)) {
            return HubRepo.parseRepoSpec(s.substring(HF_PREFIX.length()), spec);
        }
        Path path;
        try {
            path = Path.of(s);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("invalid model path '" + spec + "': " + e.getMessage(), e);
        }
        return Files.isDirectory(path) ? new LocalDirectory(path) : new LocalFile(path);
    }

    /**
     * Returns a local path holding the model: the file or directory itself for local sources, and for a Hub
     * repository the cached snapshot directory that {@link HubClient#resolveSam3} fills (downloading what is
     * missing unless the client is offline).
     *
     * @param hub the client used for Hub repositories; may be null for local sources
     * @return an existing local file or directory
     * @throws FileNotFoundException when a local file or directory does not exist
     * @throws IOException when the Hub download fails (see {@link HubClient#resolveSam3})
     */
    Path toLocalPath(HubClient hub) throws IOException;

    /**
     * A local checkpoint file.
     *
     * @param path the file
     */
    record LocalFile(Path path) implements ModelSource {
        /** @param path the file, not null */
        public LocalFile {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public Path toLocalPath(HubClient hub) throws IOException {
            if (Files.isRegularFile(path)) {
                return path;
            }
            String hint = "";
            String s = path.toString().replace('\\', '/');
            if (!Files.exists(path) && HubNames.repoIdProblem(s) == null) {
                hint = " (for the Hugging Face Hub repository write hf:" + s + ")";
            }
            throw new FileNotFoundException("model file not found: " + path.toAbsolutePath() + hint);
        }

        @Override
        public String toString() {
            return path.toString();
        }
    }

    /**
     * A local directory holding the model's files (as a Hub snapshot does).
     *
     * @param path the directory
     */
    record LocalDirectory(Path path) implements ModelSource {
        /** @param path the directory, not null */
        public LocalDirectory {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public Path toLocalPath(HubClient hub) throws IOException {
            if (Files.isDirectory(path)) {
                return path;
            }
            throw new FileNotFoundException("model directory not found: " + path.toAbsolutePath());
        }

        @Override
        public String toString() {
            return path.toString();
        }
    }

    /**
     * A Hugging Face Hub model repository at a revision.
     *
     * @param repoId {@code owner/name}
     * @param revision branch, tag or commit hash
     */
    record HubRepo(String repoId, String revision) implements ModelSource {
        /**
         * @param repoId {@code owner/name}
         * @param revision branch, tag or commit hash
         * @throws IllegalArgumentException when either is malformed
         */
        public HubRepo {
            HubNames.requireRepoId(repoId);
            HubNames.requireRevision(revision);
        }

        static HubRepo parseRepoSpec(String rest, String spec) {
            String usage = " (expected hf:owner/name or hf:owner/name@revision, e.g. hf:facebook/sam3@main)";
            int at = rest.indexOf('@');
            String repo = at < 0 ? rest : rest.substring(0, at);
            String revision = at < 0 ? DEFAULT_REVISION : rest.substring(at + 1);
            String problem = HubNames.repoIdProblem(repo);
            if (problem == null && at >= 0) {
                problem = revision.indexOf('@') >= 0 ? "more than one '@'"
                        : revision.isEmpty() ? "nothing after '@'" : HubNames.revisionProblem(revision);
            }
            if (problem != null) {
                throw new IllegalArgumentException("malformed model spec '" + spec + "': " + problem + usage);
            }
            return new HubRepo(repo, revision);
        }

        @Override
        public Path toLocalPath(HubClient hub) throws IOException {
            Objects.requireNonNull(hub, "a HubClient is needed to resolve " + this);
            return hub.resolveSam3(repoId, revision);
        }

        /** @return the spec this source parses from, {@code hf:owner/name@revision} */
        @Override
        public String toString() {
            return HF_PREFIX + repoId + "@" + revision;
        }
    }
}
