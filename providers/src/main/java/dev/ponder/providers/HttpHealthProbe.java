package dev.ponder.providers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A GET that lists models ({@code /models}, Ollama's {@code /api/tags}): proves the server is up, costs no tokens. */
final class HttpHealthProbe implements GuardedBackend.HealthProbe {

    private final HttpClient client;
    private final URI uri;
    private final Map<String, String> headers;
    private final Duration timeout;

    HttpHealthProbe(URI uri, Map<String, String> headers, BackendSpec.Timeouts timeouts) {
        this.client = HttpClient.newBuilder().connectTimeout(timeouts.connect()).build();
        this.uri = uri;
        this.headers = Map.copyOf(headers);
        this.timeout = timeouts.firstToken();
    }

    @Override
    public void check() {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(uri).timeout(timeout).GET();
        headers.forEach(request::header);
        try {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new UpstreamHttpClient.UpstreamHttpException(
                        response.statusCode(),
                        response.body(),
                        response.headers().firstValue("Retry-After").orElse(null));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpstreamCall.Interrupted(e);
        }
    }
}
