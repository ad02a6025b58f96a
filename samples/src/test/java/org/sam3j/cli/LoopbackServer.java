package org.sam3j.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** A small HTTP server on the loopback interface for {@code --image URL} tests. */
final class LoopbackServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "loopback-http");
        t.setDaemon(true);
        return t;
    });

    private LoopbackServer(HttpServer server) {
        this.server = server;
        server.setExecutor(pool);
        server.start();
    }

    static LoopbackServer start() throws IOException {
        return new LoopbackServer(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0));
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    /** Answers {@code path} with a status and a body. */
    void serve(String path, int status, byte[] body) {
        server.createContext(path, ex -> {
            ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
            ex.sendResponseHeaders(status, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
    }

    /** Redirects {@code path} to {@code target}. */
    void redirect(String path, String target) {
        server.createContext(path, ex -> {
            ex.getResponseHeaders().add("Location", target);
            ex.sendResponseHeaders(302, -1);
            ex.close();
        });
    }

    /** Answers {@code path} only after {@code millis}. */
    void stall(String path, long millis) {
        server.createContext(path, ex -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.sendResponseHeaders(200, 1);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(0);
            } catch (IOException ignored) {
                // the client gave up
            }
        });
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
