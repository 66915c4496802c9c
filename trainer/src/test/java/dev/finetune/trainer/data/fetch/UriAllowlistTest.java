package dev.finetune.trainer.data.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.data.TestArchives;
import dev.finetune.trainer.data.TestHttpServer;
import dev.finetune.trainer.error.TrainerException;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The URI allowlist against real loopback HTTP servers: an "allowed" server on 127.0.0.1 and an
 * "internal" one reached as localhost, which is not on the list.
 */
class UriAllowlistTest {
  private static final RetryPolicy FAST =
      new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofSeconds(5));

  @TempDir Path dir;
  private TestHttpServer allowed;
  private TestHttpServer internal;

  @BeforeEach
  void start() throws IOException {
    allowed = new TestHttpServer();
    internal = new TestHttpServer();
    allowed.files.put("/w.bin", new byte[] {1, 2, 3});
    internal.files.put("/secret", new byte[] {6, 6, 6});
  }

  @AfterEach
  void stop() {
    allowed.close();
    internal.close();
  }

  private Fetcher fetcher(String schemes, String hosts, Map<String, String> env) {
    return new Fetcher(
        dir.resolve("cache"),
        b -> null,
        UriPolicy.parse(schemes, hosts),
        env,
        ArchiveLimits.DEFAULT,
        FAST);
  }

  private Fetcher fetcher(String hosts) {
    return fetcher("", hosts, Map.of());
  }

  private static TrainerException fails(ExitCode code, Runnable r) {
    TrainerException e = assertThrows(TrainerException.class, r::run);
    assertEquals(code, e.exitCode(), e.getMessage());
    return e;
  }

  @Test
  void listedHostIsFetchedAndOthersAreRefusedNamingFieldAndList() {
    assertEquals(3, size(fetcher("127.0.0.1").fetch("spec.dataset.train", allowed.url("/w.bin"))));
    String other = "http://localhost:" + internal.port() + "/secret";
    TrainerException e =
        fails(
            ExitCode.UNSUPPORTED,
            () -> fetcher("127.0.0.1, *.example.com").fetch("spec.dataset.train", other));
    assertTrue(e.getMessage().startsWith("spec.dataset.train: host 'localhost'"), e.getMessage());
    assertTrue(e.getMessage().contains("[127.0.0.1, *.example.com]"), e.getMessage());
    assertTrue(e.getMessage().contains("FINETUNE_ALLOWED_HOSTS"), e.getMessage());
    assertEquals(List.of(), internal.requests, "nothing is sent to a host that is not allowed");
  }

  @Test
  void redirectToADisallowedHostIsRefusedBeforeConnecting() {
    allowed.redirects.put("/ds.zip", "http://localhost:" + internal.port() + "/secret");
    TrainerException e =
        fails(
            ExitCode.UNSUPPORTED,
            () -> fetcher("127.0.0.1").fetch("spec.dataset.test", allowed.url("/ds.zip")));
    assertTrue(e.getMessage().contains("spec.dataset.test: host 'localhost'"), e.getMessage());
    assertTrue(
        e.getMessage().contains("redirected from " + allowed.url("/ds.zip")), e.getMessage());
    assertEquals(List.of(), internal.requests);
    // the cloud metadata address is refused the same way
    allowed.redirects.put("/meta", "http://169.254.169.254/latest/meta-data/");
    fails(
        ExitCode.UNSUPPORTED,
        () -> fetcher("127.0.0.1").fetch("spec.dataset.test", allowed.url("/meta")));
  }

  @Test
  void redirectsWithinTheListAreFollowedAndTheTokenStaysOnItsHost() throws Exception {
    allowed.redirects.put("/org/repo/resolve/main/model.safetensors", "/w.bin");
    Fetcher f =
        fetcher(
            "", "127.0.0.1,localhost", Map.of("HF_ENDPOINT", allowed.url("/"), "HF_TOKEN", "tok"));
    assertEquals(3, size(f.fetch("spec.model.pretrained.uri", "hf://org/repo")));
    assertEquals(List.of("Bearer tok", "Bearer tok"), allowed.authorizations);
    allowed.redirects.put(
        "/org/repo/resolve/main/x.bin", "http://localhost:" + internal.port() + "/secret");
    assertEquals(3, size(f.fetch("spec.model.pretrained.uri", "hf://org/repo/x.bin")));
    assertEquals(List.of(""), internal.authorizations, "no bearer token to another host");
    // the blob keeps the requested name, so an archive behind a CDN-style redirect is extracted
    allowed.files.put(
        "/blob/5f3a",
        Files.readAllBytes(
            TestArchives.zip(
                dir.resolve("z.zip"),
                List.of(TestArchives.Entry.file("data/train/cat/1.png", "c1")))));
    allowed.redirects.put("/ds.zip", "/blob/5f3a");
    assertTrue(
        Files.isDirectory(
            fetcher("127.0.0.1")
                .fetch("spec.dataset.train", allowed.url("/ds.zip") + "#data/train")));
    // without an allowlist redirects are followed as before
    internal.redirects.put("/r", allowed.url("/w.bin"));
    assertEquals(3, size(fetcher("").fetch("URI", "http://localhost:" + internal.port() + "/r")));
  }

  @Test
  void hfEndpointHostMustBeListedAndSchemesAreChecked() {
    Fetcher f = fetcher("", "huggingface.co", Map.of("HF_ENDPOINT", allowed.url("/")));
    TrainerException e =
        fails(ExitCode.UNSUPPORTED, () -> f.fetch("spec.model.pretrained.uri", "hf://org/repo"));
    assertTrue(e.getMessage().contains("host '127.0.0.1'"), e.getMessage());
    TrainerException s3 =
        fails(
            ExitCode.UNSUPPORTED,
            () -> fetcher("https,hf", "", Map.of()).fetch("spec.dataset.train", "s3://bucket/ds"));
    assertTrue(s3.getMessage().startsWith("spec.dataset.train: unsupported URI"), s3.getMessage());
    assertTrue(s3.getMessage().contains("[hf://, https://]"), s3.getMessage());
    fails(
        ExitCode.UNSUPPORTED,
        () -> fetcher("https", "", Map.of()).fetch("f", "file:///etc/passwd"));
  }

  @Test
  void aCachedUriIsCheckedToo() {
    assertEquals(3, size(fetcher("").fetch("URI", allowed.url("/w.bin"))));
    fails(ExitCode.UNSUPPORTED, () -> fetcher("example.com").fetch("URI", allowed.url("/w.bin")));
  }

  @Test
  void ipLiteralsNeedAnExactEntryAndWildcardsMustResolvePublicly() throws Exception {
    UriPolicy p = UriPolicy.parse("", "*.example.com, 10.0.0.5");
    p.checkUrl("f", java.net.URI.create("https://a.example.com/x"), "");
    p.checkUrl("f", java.net.URI.create("https://10.0.0.5/x"), "");
    fails(
        ExitCode.UNSUPPORTED,
        () -> p.checkUrl("f", java.net.URI.create("https://example.com/x"), ""));
    fails(
        ExitCode.UNSUPPORTED, () -> p.checkUrl("f", java.net.URI.create("https://10.0.0.6/x"), ""));
    fails(ExitCode.UNSUPPORTED, () -> p.checkUrl("f", java.net.URI.create("https://[::1]/x"), ""));
    assertThrows(
        TrainerException.class, // 127.0.0.1 as a number: not a host, not listed
        () -> p.checkUrl("f", java.net.URI.create("https://2130706433/x"), ""));
    for (String internalIp :
        List.of(
            "127.0.0.1",
            "169.254.169.254",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "0.0.0.0",
            "fe80::1",
            "fd00::1",
            "::1")) {
      assertTrue(UriPolicy.isInternal(InetAddress.getByName(internalIp)), internalIp);
    }
    assertFalse(UriPolicy.isInternal(InetAddress.getByName("8.8.8.8")));
    assertFalse(UriPolicy.isInternal(InetAddress.getByName("2001:4860::8888")));
  }

  @Test
  void badOptionValuesAreUsageErrors() {
    fails(ExitCode.USAGE, () -> UriPolicy.parse("ftp", ""));
    fails(ExitCode.USAGE, () -> UriPolicy.parse("", "http://x.com"));
    fails(ExitCode.USAGE, () -> UriPolicy.parse("", "a.*.com"));
    assertEquals(Set.of("https", "s3"), UriPolicy.parse("HTTPS, s3://", "").schemes());
    assertEquals(List.of("example.com", "::1"), UriPolicy.parse("", "Example.COM., [::1]").hosts());
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
