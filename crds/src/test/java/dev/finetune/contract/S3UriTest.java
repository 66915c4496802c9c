package dev.finetune.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class S3UriTest {
  @Test
  void parsesBucketAndKeyWithoutSurroundingSlashes() {
    record Case(String uri, String bucket, String key, String text) {}
    for (Case c :
        new Case[] {
          new Case("s3://my-bucket", "my-bucket", "", "s3://my-bucket"),
          new Case("s3://my-bucket/", "my-bucket", "", "s3://my-bucket"),
          new Case(
              "s3://my-bucket/runs/job-1/", "my-bucket", "runs/job-1", "s3://my-bucket/runs/job-1"),
          new Case("S3://my.bucket//runs/x", "my.bucket", "runs/x", "s3://my.bucket/runs/x")
        }) {
      S3Uri u = S3Uri.parse(c.uri());
      assertEquals(c.bucket(), u.bucket(), c.uri());
      assertEquals(c.key(), u.key(), c.uri());
      assertEquals(c.text(), u.toString(), c.uri());
    }
    assertEquals("runs/", S3Uri.parse("s3://bkt/runs").prefix());
    assertEquals("", S3Uri.parse("s3://bkt").prefix());
  }

  @Test
  void badInputIsRefusedNamingTheValue() {
    for (String uri :
        new String[] {
          "s3://",
          "s3:///key",
          "s3://UPPER/key",
          "s3://a/key",
          "s3://bad_bucket/x",
          "gs://bucket/x",
          "bucket/x",
          "s3:/bucket/x",
          ""
        }) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> S3Uri.parse(uri), uri);
      assertTrue(e.getMessage().contains("'" + uri + "'"), e.getMessage());
      assertTrue(e.getMessage().contains("s3://BUCKET/KEY"), e.getMessage());
    }
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> S3Uri.parse(null));
    assertTrue(e.getMessage().contains("'null'"), e.getMessage());
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> new S3Uri("Bad", "k"))
            .getMessage()
            .contains("'Bad'"));
  }

  @Test
  void isS3IgnoresCase() {
    assertTrue(Arrays.stream(new String[] {"s3://b", "S3://b"}).allMatch(S3Uri::isS3));
    assertFalse(S3Uri.isS3("s3:/b"));
    assertFalse(S3Uri.isS3(null));
  }
}
