package dev.ponder.gateway.bench.floor;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * The plain-Java floor, for the CPU probe only (docs/benchmarks.md, "Twelfth session"): {@link SpringFloor}'s one
 * endpoint on the JDK's {@code com.sun.net.httpserver} with a virtual thread per exchange, and the upstream call
 * through the JDK {@code HttpClient}; {@code /actuator/health/readiness} answers 200 for the probe's start-up poll.
 * Takes the probe's arguments: {@code --server.port} and {@code --ponder.backends.small.*}.
 */
public final class PlainFloor {

    private PlainFloor() {}

    public static void main(String[] args) throws IOException {
        Map<String, String> options = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            options.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        Upstream upstream = Upstream.Jdk.of(
                options.get("ponder.backends.small.base-url"),
                options.get("ponder.backends.small.api-key"),
                options.get("ponder.backends.small.model"));
        HttpServer server =
                HttpServer.create(new InetSocketAddress(Integer.parseInt(options.get("server.port"))), 8192);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext(
                "/actuator/health/readiness", exchange -> send(exchange, "{\"status\":\"UP\"}".getBytes()));
        server.createContext("/v1/chat/completions", exchange -> {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            send(exchange, Completions.complete(body, upstream));
        });
        server.start();
    }

    private static void send(HttpExchange exchange, byte[] json) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, json.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(json);
        }
    }
}
