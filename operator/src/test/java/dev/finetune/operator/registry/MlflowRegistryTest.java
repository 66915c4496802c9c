package dev.finetune.operator.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The request sequence against a scripted HTTP server (the real server is MlflowRegistryIT's):
 * which calls are made, in which order, with which header, and what an error says.
 */
class MlflowRegistryTest {
  static final ModelVersionEntry ENTRY =
      new ModelVersionEntry(
          "cats",
          "s3://ckpt/cats/model/model.safetensors",
          "d",
          new LinkedHashMap<>(Map.of(ModelVersionEntry.UID, "uid-1")));

  final List<String> calls = Collections.synchronizedList(new ArrayList<>());
  final Map<String, String[]> answers = new LinkedHashMap<>(); // path -> {status, body}
  HttpServer server;

  String start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        ex -> {
          String path = ex.getRequestURI().getPath().replace("/api/2.0/mlflow/", "");
          calls.add(
              ex.getRequestMethod()
                  + " "
                  + path
                  + " "
                  + ex.getRequestHeaders().getFirst("Authorization"));
          String[] a = answers.getOrDefault(path, new String[] {"404", "{}"});
          byte[] body = a[1].getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(Integer.parseInt(a[0]), body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    server.start();
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  static String version(String number, String uid) {
    return "{\"name\":\"cats\",\"version\":\""
        + number
        + "\",\"source\":\"s3://x/model.safetensors\","
        + "\"tags\":[{\"key\":\"finetune.dev/job-uid\",\"value\":\""
        + uid
        + "\"}]}";
  }

  @Test
  void aVersionTaggedWithTheUidIsReturnedAndNothingIsCreated() throws Exception {
    String uri = start();
    answers.put(
        "model-versions/search",
        new String[] {"200", "{\"model_versions\":[" + version("3", "uid-1") + "]}"});
    var m = new MlflowRegistry(uri, MlflowCredentials.NONE, Duration.ofSeconds(2)).register(ENTRY);
    assertEquals("3", m.version);
    assertEquals(List.of("GET model-versions/search null"), calls);
  }

  @Test
  void aVersionOfAnotherJobIsNotOursSoOneIsCreatedAfterTheModel() throws Exception {
    String uri = start();
    // a server that ignored the tag filter: the uid is checked by the operator too
    answers.put(
        "model-versions/search",
        new String[] {"200", "{\"model_versions\":[" + version("1", "uid-other") + "]}"});
    answers.put(
        "registered-models/create",
        new String[] {
          "400", "{\"error_code\":\"RESOURCE_ALREADY_EXISTS\",\"message\":\"exists\"}"
        });
    answers.put(
        "model-versions/create",
        new String[] {"200", "{\"model_version\":" + version("2", "uid-1") + "}"});
    var token = MlflowCredentials.of(Map.of(MlflowCredentials.TOKEN, "tok"), "s");
    var m = new MlflowRegistry(uri, token, Duration.ofSeconds(2)).register(ENTRY);
    assertEquals("2", m.version);
    assertEquals("cats", m.name);
    assertEquals(
        List.of(
            "GET model-versions/search Bearer tok",
            "POST registered-models/create Bearer tok",
            "POST model-versions/create Bearer tok"),
        calls);
  }

  @Test
  void anErrorNamesTheCallTheStatusAndMlflowsCodeWithSecretsMasked() throws Exception {
    String uri = start();
    answers.put(
        "model-versions/search",
        new String[] {
          "401", "{\"error_code\":\"UNAUTHENTICATED\",\"message\":\"bad token tok-123\"}"
        });
    var token = MlflowCredentials.of(Map.of(MlflowCredentials.TOKEN, "tok-123"), "s");
    var e =
        assertThrows(
            RegistryException.class,
            () -> new MlflowRegistry(uri, token, Duration.ofSeconds(2)).register(ENTRY));
    assertEquals(
        "MLflow model-versions/search: HTTP 401 UNAUTHENTICATED: bad token ****", e.getMessage());
  }

  @Test
  void aServerThatIsDownIsAnErrorNotAnException() throws Exception {
    String uri = start();
    server.stop(0);
    server = null;
    var e =
        assertThrows(
            RegistryException.class,
            () ->
                new MlflowRegistry(uri, MlflowCredentials.NONE, Duration.ofSeconds(2))
                    .register(ENTRY));
    assertTrue(e.getMessage().startsWith("MLflow model-versions/search at " + uri), e.getMessage());
    assertFalse(e.getMessage().contains("null"), e.getMessage());
  }
}
