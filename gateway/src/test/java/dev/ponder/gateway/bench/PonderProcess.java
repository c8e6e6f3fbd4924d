package dev.ponder.gateway.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Ponder as production runs it: {@code java -jar ponder.jar} in a JVM of its own, so that its resident memory is its
 * own ({@code VmRSS} of {@code /proc/<pid>/status}) and not the load generator's. Output goes to a log file.
 */
final class PonderProcess implements AutoCloseable {

    private final Process process;
    private final int port;

    private PonderProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts the jar with {@code jvmOptions} and {@code properties} (as {@code --key=value}) and waits until ready. */
    static PonderProcess start(Path jar, List<String> jvmOptions, Map<String, String> properties, Path log) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build it first (./mvnw -q -pl gateway package)");
        }
        return launch(List.of("-jar", jar.toString()), jvmOptions, properties, log);
    }

    /**
     * Starts a main class of this JVM's class path the same way, for the probe's stand-ins (the floor applications of
     * {@code bench.floor}), which take the same arguments and answer the same readiness path.
     */
    static PonderProcess startMain(
            String mainClass, List<String> jvmOptions, Map<String, String> properties, Path log) {
        return launch(List.of("-cp", System.getProperty("java.class.path"), mainClass), jvmOptions, properties, log);
    }

    private static PonderProcess launch(
            List<String> what, List<String> jvmOptions, Map<String, String> properties, Path log) {
        int port = freePort();
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmOptions);
        command.addAll(what);
        command.add("--server.port=" + port);
        properties.forEach((key, value) -> command.add("--" + key + "=" + value));
        try {
            Files.createDirectories(log.getParent());
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            PonderProcess ponder = new PonderProcess(process, port);
            Runtime.getRuntime().addShutdownHook(new Thread(ponder::close));
            ponder.awaitReady(Duration.ofSeconds(120), log);
            return ponder;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    long pid() {
        return process.pid();
    }

    /** The process's resident memory now ({@code VmRSS}) and at its peak so far ({@code VmHWM}), in MiB. */
    Memory memory() {
        try {
            long rss = 0;
            long hwm = 0;
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = kibibytes(line);
                } else if (line.startsWith("VmHWM:")) {
                    hwm = kibibytes(line);
                }
            }
            return new Memory(rss / 1024.0, hwm / 1024.0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/" + process.pid() + "/status", e);
        }
    }

    record Memory(double rssMib, double peakMib) {}

    private static long kibibytes(String statusLine) {
        return Long.parseLong(statusLine.replaceAll("\\D", ""));
    }

    private void awaitReady(Duration timeout, Path log) {
        HttpRequest probe = HttpRequest.newBuilder(uri("/actuator/health/readiness"))
                .timeout(Duration.ofSeconds(2))
                .build();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (HttpClient http = HttpClient.newHttpClient()) {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(
                            "Ponder exited with " + process.exitValue() + " while starting; see " + log);
                }
                try {
                    if (http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        return;
                    }
                } catch (IOException notListeningYet) {
                    // keep polling until the deadline
                }
                Thread.sleep(250);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
        throw new IllegalStateException("Ponder was not ready within " + timeout + "; see " + log);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops Ponder gracefully (SIGTERM, so that a flight recording is written), then forcibly after 30 s. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
