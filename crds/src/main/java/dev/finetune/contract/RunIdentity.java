package dev.finetune.contract;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Who wrote a checkpoint or final model: the job and namespace, the run (finetune or baseline), the
 * architecture and classes, the dataset digest, the source weights' sha256 and the spec fields that
 * change results (flattened, e.g. {@code spec.training.learningRate -> 0.001}). Every checkpoint
 * and final-model manifest records it ({@link CheckpointManifest}); the trainer resumes only from
 * checkpoints whose identity equals its own, and otherwise exits {@link ExitCode#RUN_MISMATCH}
 * naming what {@link #differences differs}.
 *
 * @param sourceSha256 sha256 of the source weights, "" for a from-scratch run
 * @param recipe the result-changing spec fields by their path; {@link #specDigest} hashes them
 */
public record RunIdentity(
    String job,
    String namespace,
    String run,
    String architecture,
    List<String> classes,
    String datasetDigest,
    String sourceSha256,
    Map<String, String> recipe) {

  public RunIdentity {
    classes = List.copyOf(classes);
    recipe = new TreeMap<>(recipe);
  }

  /** sha256 of the recipe lines {@code path=value\n}, sorted by path. */
  public String specDigest() {
    StringBuilder lines = new StringBuilder();
    recipe.forEach((k, v) -> lines.append(k).append('=').append(v).append('\n'));
    try {
      byte[] d =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(lines.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return "sha256:" + java.util.HexFormat.of().formatHex(d);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  /** The JSON form stored in manifests under "identity". */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("job", job);
    m.put("namespace", namespace);
    m.put("run", run);
    m.put("architecture", architecture);
    m.put("classes", classes);
    m.put("datasetDigest", datasetDigest);
    m.put("sourceSha256", sourceSha256);
    m.put("specDigest", specDigest());
    m.put("spec", recipe);
    return m;
  }

  /** Parses {@link #toMap}'s JSON; null when the node is missing or malformed. */
  public static RunIdentity fromJson(JsonNode n) {
    if (n == null || !n.isObject() || !n.path("classes").isArray() || !n.path("spec").isObject()) {
      return null;
    }
    List<String> classes = new ArrayList<>();
    n.path("classes").forEach(c -> classes.add(c.asText()));
    Map<String, String> recipe = new TreeMap<>();
    n.path("spec").fields().forEachRemaining(e -> recipe.put(e.getKey(), e.getValue().asText()));
    return new RunIdentity(
        n.path("job").asText(),
        n.path("namespace").asText(),
        n.path("run").asText(),
        n.path("architecture").asText(),
        classes,
        n.path("datasetDigest").asText(),
        n.path("sourceSha256").asText(),
        recipe);
  }

  /**
   * What differs from {@code other} (the stored identity), one phrase per field, e.g.
   * "spec.training.learningRate (stored 0.01, now 0.02)"; empty when equal.
   */
  public List<String> differences(RunIdentity other) {
    List<String> out = new ArrayList<>();
    diff(out, "job", other.job, job);
    diff(out, "namespace", other.namespace, namespace);
    diff(out, "run", other.run, run);
    diff(out, "architecture", other.architecture, architecture);
    diff(out, "classes", other.classes.toString(), classes.toString());
    diff(out, "datasetDigest", other.datasetDigest, datasetDigest);
    diff(out, "source weights sha256", other.sourceSha256, sourceSha256);
    TreeMap<String, String> keys = new TreeMap<>(other.recipe);
    keys.putAll(recipe);
    for (String k : keys.keySet()) {
      diff(out, k, other.recipe.getOrDefault(k, "unset"), recipe.getOrDefault(k, "unset"));
    }
    return out;
  }

  private static void diff(List<String> out, String field, String stored, String now) {
    if (!Objects.equals(stored, now)) {
      out.add(field + " (stored " + shorten(stored) + ", now " + shorten(now) + ")");
    }
  }

  private static String shorten(String s) {
    return s == null ? "none" : s.length() > 80 ? s.substring(0, 77) + "..." : s;
  }
}
