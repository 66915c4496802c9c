package dev.finetune.operator.observe;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/** Reads a trainer pod's /metrics. A read like any other observation: it never acts. */
public interface MetricsScraper {
  Optional<String> scrape(String podIp, int port);

  /** Plain HTTP GET with a short timeout; any failure is "no metrics this time". */
  static MetricsScraper http(Duration timeout) {
    HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).build();
    return (ip, port) -> {
      try {
        var request =
            HttpRequest.newBuilder(URI.create("http://" + ip + ":" + port + "/metrics"))
                .timeout(timeout)
                .GET()
                .build();
        var response = client.send(request, HttpResponse.BodyHandlers.ofString());
        return response.statusCode() == 200 ? Optional.of(response.body()) : Optional.empty();
      } catch (java.io.IOException | IllegalArgumentException e) {
        return Optional.empty();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      }
    };
  }
}
