package dev.finetune.trainer.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.contract.ExitCode;
import dev.finetune.contract.S3Settings;
import dev.finetune.testsupport.S3Server;
import dev.finetune.trainer.error.TrainerException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** S3-specific behaviour: outages and retries, credentials, configuration from the environment. */
class S3ObjectStoreTest {
  private static final String CANARY = "CANARY-s3cr3t-d0-not-l0g-9f8e7d";
  private static S3Server s3;

  @BeforeAll
  static void start() {
    s3 = S3Server.start("outage");
  }

  @AfterAll
  static void stop() {
    s3.close();
  }

  private static S3Settings retrying(Duration deadline) {
    return S3Settings.defaults()
        .withRetryDeadline(deadline)
        .withBackoff(Duration.ofMillis(100), Duration.ofMillis(500))
        .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5));
  }

  private static String allText(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    return w.toString();
  }

  @Test
  void putSurvivesAnOutageThanksToRetries() throws Exception {
    try (StderrCapture err = new StderrCapture();
        ObjectStore store =
            ObjectStores.open(s3.uri("retry"), s3.env(), retrying(Duration.ofSeconds(30)))) {
      store.put("before", new byte[] {1});
      s3.stop();
      try {
        CompletableFuture<Void> put =
            CompletableFuture.runAsync(
                () -> {
                  try {
                    store.put("during", "survived".getBytes(StandardCharsets.UTF_8));
                  } catch (Exception e) {
                    throw new RuntimeException(e);
                  }
                });
        Thread.sleep(2000);
        assertFalse(put.isDone(), "put must still be retrying while the server is down");
        s3.restart();
        put.get(30, TimeUnit.SECONDS);
      } finally {
        s3.restart();
      }
      assertArrayEquals(
          "survived".getBytes(StandardCharsets.UTF_8), store.read("during").orElseThrow());
      String log = err.text();
      assertTrue(log.contains("WARN"), log);
      assertTrue(log.contains("(attempt 1)") && log.contains("(attempt 2)"), log);
      assertTrue(log.contains("s3://outage/retry/during"), log);
    }
  }

  @Test
  void shortDeadlineFailsWithStorageUnavailable() throws Exception {
    try (ObjectStore store =
        ObjectStores.open(s3.uri("retry"), s3.env(), retrying(Duration.ofMillis(700)))) {
      s3.stop();
      TrainerException e;
      try {
        e = assertThrows(TrainerException.class, () -> store.put("k", new byte[] {1}));
      } finally {
        s3.restart();
      }
      assertEquals(ExitCode.STORAGE_UNAVAILABLE, e.exitCode());
      assertEquals(129, e.exitCode().code());
      assertTrue(e.getMessage().contains("s3://outage/retry/k unreachable after"), e.getMessage());
      assertTrue(e.getMessage().matches("(?s).*after [0-9]+ attempts.*"), e.getMessage());
      assertTrue(e.getMessage().toLowerCase().contains("connect"), e.getMessage());
    }
  }

  @Test
  void readsOfMissingObjectsAreEmptyNotErrors() throws Exception {
    try (ObjectStore store = ObjectStores.open(s3.uri("missing"), s3.env())) {
      assertTrue(store.read("nothing").isEmpty());
      assertTrue(store.open("nothing").isEmpty());
    }
  }

  @Test
  void wrongSecretIsAPermanentCredentialsErrorThatNeverShowsTheSecret() throws Exception {
    Map<String, String> env = new HashMap<>(s3.env());
    env.put("AWS_SECRET_ACCESS_KEY", CANARY);
    try (StderrCapture err = new StderrCapture();
        ObjectStore store =
            ObjectStores.open(s3.uri("creds"), env, retrying(Duration.ofSeconds(20)))) {
      long start = System.nanoTime();
      TrainerException e =
          assertThrows(TrainerException.class, () -> store.put("k", new byte[] {1}));
      assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "not retried");
      assertEquals(ExitCode.STORAGE_DENIED, e.exitCode());
      assertFalse(e.exitCode().retryable());
      assertTrue(e.getMessage().contains("credentials"), e.getMessage());
      assertTrue(e.getMessage().contains("AWS_SECRET_ACCESS_KEY"), e.getMessage());
      assertTrue(e.getMessage().contains("s3://outage/creds/k"), e.getMessage());
      assertFalse(allText(e).contains(CANARY), allText(e));
      assertThrows(TrainerException.class, () -> store.read("k"));
      assertThrows(TrainerException.class, () -> store.list(""));
      assertFalse(err.text().contains(CANARY), err.text());
    }
  }

  @Test
  void secretNeverAppearsInRetryLogsOrOutageErrors() throws Exception {
    Map<String, String> env = new HashMap<>(s3.env());
    env.put("AWS_SECRET_ACCESS_KEY", CANARY);
    env.put("AWS_SESSION_TOKEN", CANARY + "-token");
    try (StderrCapture err = new StderrCapture();
        ObjectStore store =
            ObjectStores.open(s3.uri("creds"), env, retrying(Duration.ofMillis(600)))) {
      s3.stop();
      TrainerException e;
      try {
        e = assertThrows(TrainerException.class, () -> store.put("k", new byte[] {1}));
      } finally {
        s3.restart();
      }
      assertEquals(ExitCode.STORAGE_UNAVAILABLE, e.exitCode());
      assertFalse(allText(e).contains(CANARY), allText(e));
      assertTrue(err.text().contains("attempt"), err.text());
      assertFalse(err.text().contains(CANARY), err.text());
      assertFalse(store.toString().contains(CANARY));
    }
  }

  @Test
  void incompleteCredentialsNameTheMissingVariable() {
    Map<String, String> env = new HashMap<>(s3.env());
    env.remove("AWS_SECRET_ACCESS_KEY");
    TrainerException e =
        assertThrows(TrainerException.class, () -> ObjectStores.open(s3.uri(""), env));
    assertEquals(ExitCode.STORAGE_DENIED, e.exitCode());
    assertTrue(e.getMessage().contains("AWS_SECRET_ACCESS_KEY is missing"), e.getMessage());
  }

  @Test
  void missingBucketIsNotFound() throws Exception {
    try (ObjectStore store = ObjectStores.open("s3://no-such-bucket/x", s3.env())) {
      TrainerException e =
          assertThrows(TrainerException.class, () -> store.put("k", new byte[] {1}));
      assertEquals(ExitCode.NOT_FOUND, e.exitCode());
      assertTrue(e.getMessage().contains("no-such-bucket"), e.getMessage());
    }
  }

  @Test
  void serviceSpecificEndpointVariableWins() throws Exception {
    Map<String, String> env = new HashMap<>(s3.env());
    env.put("AWS_ENDPOINT_URL", "http://127.0.0.1:1"); // nothing listens there
    env.put("AWS_ENDPOINT_URL_S3", s3.endpoint());
    env.remove("AWS_REGION");
    try (ObjectStore store = ObjectStores.open(s3.uri("ep"), env, retrying(Duration.ZERO))) {
      store.put("x", new byte[] {7});
      assertArrayEquals(new byte[] {7}, store.read("x").orElseThrow());
    }
  }

  @Test
  void settingsFromEnv() {
    S3Settings s =
        S3Settings.fromEnv(
            Map.of(
                "FINETUNE_S3_RETRY_DEADLINE_SECONDS",
                "7",
                "FINETUNE_S3_MULTIPART_THRESHOLD_BYTES",
                "1000"));
    assertEquals(Duration.ofSeconds(7), s.retryDeadline());
    assertEquals(1000, s.multipartThreshold());
    assertEquals(S3Settings.defaults(), S3Settings.fromEnv(Map.of()));
    assertThrows(
        IllegalArgumentException.class,
        () -> S3Settings.fromEnv(Map.of("FINETUNE_S3_PART_SIZE_BYTES", "1024")));
  }
}
