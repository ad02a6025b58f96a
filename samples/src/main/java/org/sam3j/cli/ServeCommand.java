package org.sam3j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.sam3j.Sam3Model;
import org.sam3j.server.Sam3Server;
import org.sam3j.server.ServerLimits;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sam3 serve}: loads the model once and serves the web app and REST API of {@link Sam3Server} until
 * Ctrl-C (or SIGTERM), then stops the server and closes the predictors and the model.
 *
 * <p>The options and the port are checked before the model is loaded, so a mistake (or a port in use) is
 * one line on stderr and exit status 2 in a moment.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve a web page and a REST API (/v1, described at /v1/openapi.json) for segmenting uploaded"
                + " images with text, exemplar boxes, clicks and boxes.",
                "Runs until Ctrl-C."})
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Option(names = "--port", paramLabel = "P", order = 20, description = "Port to listen on (default 8080; 0: any free port)")
    int port = 8080;

    @Option(names = "--host", paramLabel = "ADDR", order = 21,
            description = "Address to listen on (default 127.0.0.1: this machine only; 0.0.0.0: every interface)")
    String host = "127.0.0.1";

    @Option(names = "--max-upload-mb", paramLabel = "N", order = 22, description = "Largest image file accepted, in MiB (default 20)")
    int maxUploadMb = 20;

    @Option(names = "--max-pixels", paramLabel = "N", order = 23,
            description = "Largest image accepted, width x height (default 16777216 = 4096x4096)")
    long maxPixels = 4096L * 4096;

    @Option(names = "--max-concurrent", paramLabel = "N", order = 24,
            description = "Uploads and prompts worked on at once; more get HTTP 429 (default 2)")
    int maxConcurrent = 2;

    @Option(names = "--timeout", paramLabel = "SECONDS", order = 25,
            description = "Longest a request waits for its work before HTTP 503 (default 300)")
    int timeoutSeconds = 300;

    @Option(names = "--cache-images", paramLabel = "N", order = 26,
            description = "Image embeddings kept for prompts, least recently used dropped first (default 8)")
    int cacheImages = 8;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ServerLimits limits = limits();
        ModelOptions.Plan plan = modelOptions.plan(false);
        checkPortFree();
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        try (Sam3Model model = modelOptions.load(plan, true, false)) {
            if (!model.hasTokenizer()) {
                err.println("sam3: no CLIP tokenizer found: text prompts will be refused (pass --tokenizer PATH)");
                err.flush();
            }
            Sam3Server server;
            try {
                server = Sam3Server.start(model, host, port, limits, ModelOptions.json(model, plan));
            } catch (BindException e) {
                throw new UserException("--port " + port + ": " + e.getMessage());
            }
            try (server) {
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    stop.countDown();
                    try {
                        stopped.await(60, TimeUnit.SECONDS); // let the main thread close the server and the model
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "sam3-serve-shutdown"));
                out.println("sam3 serve: listening on " + server.uri() + " (Ctrl-C stops)");
                out.flush();
                stop.await();
                out.println("sam3 serve: stopping");
                out.flush();
            }
        } finally {
            stopped.countDown();
        }
        return 0;
    }

    private ServerLimits limits() {
        if (port < 0 || port > 65535) throw new UserException("--port must be in [0, 65535], got " + port);
        if (maxUploadMb < 1 || maxUploadMb > ServerLimits.MAX_UPLOAD_CEILING >> 20) {
            throw new UserException("--max-upload-mb must be in [1, " + (ServerLimits.MAX_UPLOAD_CEILING >> 20) + "], got "
                    + maxUploadMb);
        }
        if (maxPixels < 1) throw new UserException("--max-pixels must be positive, got " + maxPixels);
        if (maxConcurrent < 1) throw new UserException("--max-concurrent must be at least 1, got " + maxConcurrent);
        if (timeoutSeconds < 1) throw new UserException("--timeout must be at least 1 second, got " + timeoutSeconds);
        if (cacheImages < 1) throw new UserException("--cache-images must be at least 1, got " + cacheImages);
        return new ServerLimits((long) maxUploadMb << 20, maxPixels, maxConcurrent, Duration.ofSeconds(timeoutSeconds),
                cacheImages);
    }

    /** Fails fast, before the model is loaded, when the port cannot be listened on. */
    private void checkPortFree() throws IOException {
        InetAddress addr;
        try {
            addr = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new UserException("--host " + host + ": unknown host");
        }
        if (port == 0) return;
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true); // as Jetty binds
            s.bind(new InetSocketAddress(addr, port));
        } catch (BindException e) {
            throw new UserException("--port " + port + ": cannot listen on " + host + ":" + port + " ("
                    + (e.getMessage() == null ? "in use" : e.getMessage()) + "); pick another port with --port");
        }
    }
}
