package dev.finetune.operator.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CheckpointSelectorTest {
  /** A store as a table: key to content; sizes come from the content. */
  static final class Store {
    final Map<String, byte[]> objects = new HashMap<>();

    /** A checkpoint as the trainer writes it: weights (w bytes), state.json, manifest last. */
    Store ckpt(long step, int epoch, int w) {
      String dir = String.format("checkpoints/ckpt-%012d/", step);
      put(dir + "weights.safetensors", "x".repeat(w));
      put(dir + "state.json", "{}");
      put(dir + "manifest.json", manifest(step, epoch, w));
      return this;
    }

    Store put(String key, String content) {
      objects.put(key, content.getBytes(StandardCharsets.UTF_8));
      return this;
    }

    Store remove(String key) {
      objects.remove(key);
      return this;
    }

    Map<String, Long> listing() {
      Map<String, Long> l = new HashMap<>();
      objects.forEach((k, v) -> l.put(k, (long) v.length));
      return l;
    }
  }

  static String manifest(long step, int epoch, int w) {
    return "{\"formatVersion\":1,\"epoch\":"
        + epoch
        + ",\"step\":"
        + step
        + ",\"time\":\"2026-02-01T12:00:0"
        + epoch
        + "Z\",\"files\":["
        + "{\"name\":\"weights.safetensors\",\"size\":"
        + w
        + ",\"sha256\":\""
        + "a".repeat(64)
        + "\"},{\"name\":\"state.json\",\"size\":2,\"sha256\":\""
        + "b".repeat(64)
        + "\"}]}";
  }

  static final String C5 = "checkpoints/ckpt-000000000005/";
  static final String C10 = "checkpoints/ckpt-000000000010/";

  static Stream<Arguments> cases() {
    return Stream.of(
        // name, store, expected step (null: none), expected invalid "name: reason" list
        Arguments.of("empty", new Store(), null, List.of()),
        Arguments.of("one valid", new Store().ckpt(5, 1, 8), 5L, List.of()),
        Arguments.of("newest wins", new Store().ckpt(5, 1, 8).ckpt(10, 2, 8), 10L, List.of()),
        Arguments.of(
            "zero-padded names sort by step",
            new Store().ckpt(99, 1, 8).ckpt(100, 2, 8),
            100L,
            List.of()),
        Arguments.of(
            "no manifest yet: being written, not invalid",
            new Store().ckpt(5, 1, 8).ckpt(10, 2, 8).remove(C10 + "manifest.json"),
            5L,
            List.of()),
        Arguments.of(
            "weights missing",
            new Store().ckpt(5, 1, 8).ckpt(10, 2, 8).remove(C10 + "weights.safetensors"),
            5L,
            List.of("ckpt-000000000010: weights.safetensors is missing")),
        Arguments.of(
            "weights short",
            new Store().ckpt(5, 1, 8).ckpt(10, 2, 8).put(C10 + "weights.safetensors", "xxx"),
            5L,
            List.of("ckpt-000000000010: weights.safetensors has 3 bytes, manifest.json says 8")),
        Arguments.of(
            "manifest not JSON",
            new Store()
                .ckpt(5, 1, 8)
                .ckpt(10, 2, 8)
                .put(C10 + "manifest.json", "{\"formatVersion\":1,"),
            5L,
            List.of("ckpt-000000000010: manifest.json is not valid JSON")),
        Arguments.of(
            "manifest step differs from folder",
            new Store()
                .ckpt(5, 1, 8)
                .put(C10 + "manifest.json", manifest(11, 2, 8))
                .put(C10 + "state.json", "{}")
                .put(C10 + "weights.safetensors", "x".repeat(8)),
            5L,
            List.of(
                "ckpt-000000000010: manifest.json says step 11, which does not match the folder name")),
        Arguments.of(
            "newer format",
            new Store()
                .ckpt(5, 1, 8)
                .put(
                    C10 + "manifest.json",
                    manifest(10, 2, 8).replace("\"formatVersion\":1", "\"formatVersion\":2")),
            5L,
            List.of(
                "ckpt-000000000010: manifest.json has formatVersion 2; this version reads"
                    + " formatVersion 1")),
        Arguments.of(
            "two invalid, newest first, then fallback",
            new Store()
                .ckpt(1, 1, 8)
                .ckpt(5, 2, 8)
                .ckpt(10, 3, 8)
                .remove(C5 + "state.json")
                .put(C10 + "manifest.json", "[]"),
            1L,
            List.of(
                "ckpt-000000000010: manifest.json is not a JSON object",
                "ckpt-000000000005: state.json is missing")),
        Arguments.of(
            "all invalid",
            new Store().ckpt(5, 1, 8).remove(C5 + "state.json"),
            null,
            List.of("ckpt-000000000005: state.json is missing")),
        Arguments.of(
            "older invalid ones are not reported",
            new Store().ckpt(5, 1, 8).ckpt(10, 2, 8).remove(C5 + "state.json"),
            10L,
            List.of()),
        Arguments.of(
            "other folders ignored",
            new Store()
                .ckpt(5, 1, 8)
                .put("checkpoints/tmp/manifest.json", "x")
                .put("model/manifest.json", "x"),
            5L,
            List.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void selects(String name, Store store, Long step, List<String> invalid) {
    var selection =
        CheckpointSelector.select(
            store.listing(),
            key -> Optional.ofNullable(store.objects.get(key)),
            n -> "s3://b/run/checkpoints/" + n);
    assertEquals(step, selection.latest().map(c -> c.step).orElse(null));
    assertEquals(
        invalid, selection.invalid().stream().map(i -> i.name() + ": " + i.reason()).toList());
    selection
        .latest()
        .ifPresent(
            c -> {
              assertEquals(String.format("s3://b/run/checkpoints/ckpt-%012d", step), c.uri);
              assertEquals("2026-02-01T12:00:0" + c.epoch + "Z", c.time);
            });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void aManifestDeletedAfterTheListingIsSkippedSilently(
      String name, Store store, Long step, List<String> invalid) {
    var listing = store.listing();
    var selection = CheckpointSelector.select(listing, key -> Optional.<byte[]>empty(), n -> n);
    assertEquals(Optional.empty(), selection.latest());
    assertEquals(List.of(), selection.invalid());
  }
}
