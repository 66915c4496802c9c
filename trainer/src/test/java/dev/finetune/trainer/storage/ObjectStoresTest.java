package dev.finetune.trainer.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.error.TrainerException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ObjectStoresTest {
  private static final Map<String, String> ENV =
      Map.of(
          "AWS_ACCESS_KEY_ID",
          "id",
          "AWS_SECRET_ACCESS_KEY",
          "secret",
          "AWS_ENDPOINT_URL",
          "http://127.0.0.1:1");

  @Test
  void fileUris(@TempDir Path dir) throws Exception {
    try (ObjectStore store = ObjectStores.open(dir.toUri().toString(), Map.of())) {
      assertInstanceOf(FileObjectStore.class, store);
      assertEquals(dir.toAbsolutePath().normalize(), ((FileObjectStore) store).root());
    }
    try (ObjectStore store = ObjectStores.open("file://" + dir + "/sub", Map.of())) {
      assertEquals("file://" + dir + "/sub", store.uri());
    }
  }

  @Test
  void s3Uris() {
    try (ObjectStore store = ObjectStores.open("s3://my-bucket/runs/job-1/", ENV)) {
      assertInstanceOf(S3ObjectStore.class, store);
      assertEquals("s3://my-bucket/runs/job-1", store.uri());
    }
    try (ObjectStore store = ObjectStores.open("s3://my-bucket", ENV)) {
      assertEquals("s3://my-bucket", store.uri());
    }
  }

  @Test
  void unknownSchemesAreUnsupported() {
    for (String uri : new String[] {"gs://bucket/x", "http://host/x", "/plain/path", "hdfs:/x"}) {
      TrainerException e = assertThrows(TrainerException.class, () -> ObjectStores.open(uri, ENV));
      assertEquals(ExitCode.UNSUPPORTED, e.exitCode(), uri);
      assertTrue(
          e.getMessage().contains("file://") && e.getMessage().contains("s3://"), e.getMessage());
      assertTrue(e.getMessage().contains(uri), e.getMessage());
    }
  }

  @Test
  void malformedUris() {
    assertEquals(
        ExitCode.INVALID_SPEC,
        assertThrows(TrainerException.class, () -> ObjectStores.open("s3:///x", ENV)).exitCode());
    assertEquals(
        ExitCode.INVALID_SPEC,
        assertThrows(TrainerException.class, () -> ObjectStores.open("s3://Bad_Bucket/x", ENV))
            .exitCode());
    assertEquals(
        ExitCode.UNSUPPORTED,
        assertThrows(TrainerException.class, () -> ObjectStores.open("file://otherhost/x", ENV))
            .exitCode());
    assertEquals(
        ExitCode.INVALID_SPEC,
        assertThrows(TrainerException.class, () -> ObjectStores.open("s3://bucket/../x", ENV))
            .exitCode());
  }
}
