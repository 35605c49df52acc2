package io.neuronatlas.report;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A static web server for a site folder on 127.0.0.1 (Java 17 has no SimpleFileServer): GET of files, the
 * content types a static host sends, index.html for /, 404 for anything else, nothing outside the folder.
 */
final class SiteServer implements AutoCloseable {
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8", "png", "image/png");

    private final HttpServer server;
    private final Path root;

    SiteServer(Path site) throws IOException {
        root = site.toRealPath();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::serve);
        server.start();
    }

    /** http://127.0.0.1:PORT/ */
    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = URI.create(exchange.getRequestURI().getRawPath()).getPath();
            Path file = root.resolve(path.equals("/") ? "index.html" : path.substring(1)).normalize();
            if (!exchange.getRequestMethod().equals("GET") || !file.startsWith(root) || !Files.isRegularFile(file)) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            String name = file.getFileName().toString();
            String type = TYPES.getOrDefault(name.substring(name.lastIndexOf('.') + 1), "application/octet-stream");
            byte[] body = Files.readAllBytes(file);
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
