package dev.finetune.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.contract.ExitCode;
import dev.finetune.contract.RunIdentity;
import dev.finetune.trainer.error.TrainerException;
import dev.finetune.trainer.loop.StopSignal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The invariant "a run deletes only what it wrote" for the --output folder, across every exit code
 * of the table: a failure before the run holds the folder removes nothing, whatever its code; a
 * folder holding another run's result.json is never held; a failure after holding removes only this
 * run's own result.json.
 */
class OutputFolderTest {
  @TempDir Path dir;

  static RunIdentity identity(String job) {
    return new RunIdentity(
        job,
        "local",
        "finetune",
        "resnet18",
        List.of("a", "b"),
        "sha256:d",
        "",
        new TreeMap<>(Map.of("spec.training.seed", "0")));
  }

  static byte[] result(RunIdentity identity) throws Exception {
    return new ObjectMapper()
        .writeValueAsBytes(Map.of("job", identity.job(), "identity", identity.toMap()));
  }

  /** Every way a run can end other than success: each code of the table, signals, Errors. */
  static Stream<Supplier<Throwable>> failures() {
    List<Supplier<Throwable>> out = new ArrayList<>();
    for (ExitCode c : ExitCode.values()) {
      if (c != ExitCode.OK) {
        out.add(() -> new TrainerException(c, "failed with " + c));
      }
    }
    out.add(() -> new StopSignal.Preempted("SIGTERM"));
    out.add(() -> new OutOfMemoryError("Java heap space"));
    out.add(() -> new IllegalStateException("a bug (exit 1)"));
    return out.stream();
  }

  private Path finishedRunOf(String job) throws Exception {
    Path out = Files.createDirectories(dir.resolve("out"));
    Files.write(out.resolve("result.json"), result(identity(job)));
    Files.writeString(out.resolve("result.json.tmp"), "half written by " + job);
    Files.createDirectories(out.resolve("finetune"));
    Files.writeString(out.resolve("finetune/model.safetensors"), "weights of " + job);
    return out;
  }

  private static Map<String, String> snapshot(Path root) throws Exception {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
        files.put(root.relativize(p).toString(), Files.readString(p, StandardCharsets.ISO_8859_1));
      }
    }
    return files;
  }

  @ParameterizedTest
  @MethodSource("failures")
  void aFailureBeforeHoldingRemovesNothing(Supplier<Throwable> failure) throws Exception {
    Path out = finishedRunOf("finished");
    Map<String, String> before = snapshot(out);
    OutputFolder folder = new OutputFolder(out);
    Throwable thrown = failure.get();
    Throwable caught =
        assertThrows(
            Throwable.class,
            () ->
                folder.run(
                    () -> {
                      throw sneaky(thrown);
                    }));
    assertSame(thrown, caught);
    assertEquals(before, snapshot(out), "a run that never held the folder removed files");
  }

  @ParameterizedTest
  @MethodSource("failures")
  void anotherRunsResultIsNeverHeldSoNoFailureRemovesIt(Supplier<Throwable> failure)
      throws Exception {
    Path out = finishedRunOf("finished");
    Map<String, String> before = snapshot(out);
    OutputFolder folder = new OutputFolder(out);
    TrainerException e =
        assertThrows(
            TrainerException.class,
            () ->
                folder.run(
                    () -> {
                      folder.hold(identity("other"));
                      throw sneaky(failure.get());
                    }));
    assertEquals(ExitCode.RUN_MISMATCH, e.exitCode());
    assertTrue(e.getMessage().contains("job (stored finished, now other)"), e.getMessage());
    assertFalse(folder.held());
    assertEquals(before, snapshot(out));
  }

  @ParameterizedTest
  @MethodSource("failures")
  void aFailureAfterHoldingRemovesOnlyThisRunsResult(Supplier<Throwable> failure) throws Exception {
    Path out = finishedRunOf("same");
    Files.writeString(out.resolve("notes.txt"), "the user's");
    Throwable thrown = failure.get();
    OutputFolder folder = new OutputFolder(out);
    assertThrows(
        Throwable.class,
        () ->
            folder.run(
                () -> {
                  folder.hold(identity("same"));
                  throw sneaky(thrown);
                }));
    assertFalse(Files.exists(out.resolve("result.json")), "an attempt of this run failed");
    assertFalse(Files.exists(out.resolve("result.json.tmp")));
    assertEquals("the user's", Files.readString(out.resolve("notes.txt")));
    assertEquals("weights of same", Files.readString(out.resolve("finetune/model.safetensors")));
  }

  @Test
  void aResultWithoutIdentityOrUnreadableIsAnotherRuns() throws Exception {
    Path out = Files.createDirectories(dir.resolve("old"));
    for (byte[] content : List.of("{\"job\":\"same\"}".getBytes(), "not json".getBytes())) {
      Files.write(out.resolve("result.json"), content);
      OutputFolder folder = new OutputFolder(out);
      assertEquals(
          ExitCode.RUN_MISMATCH,
          assertThrows(TrainerException.class, () -> folder.hold(identity("same"))).exitCode());
      assertArrayEquals(content, Files.readAllBytes(out.resolve("result.json")));
    }
  }

  @Test
  void aFolderOrFifoNamedResultJsonIsNotHeld() throws Exception {
    Path out = Files.createDirectories(dir.resolve("odd"));
    Files.createDirectories(out.resolve("result.json/inside"));
    OutputFolder folder = new OutputFolder(out);
    assertEquals(
        ExitCode.RUN_MISMATCH,
        assertThrows(TrainerException.class, () -> folder.hold(identity("same"))).exitCode());
    assertTrue(Files.isDirectory(out.resolve("result.json/inside")));
  }

  @Test
  void onlyAHoldingRunWritesAndTheResultRecordsItsIdentity() throws Exception {
    OutputFolder folder = new OutputFolder(dir.resolve("fresh"));
    assertThrows(IllegalStateException.class, () -> folder.writeResult(new byte[] {'{', '}'}));
    folder.hold(identity("a"));
    folder.writeResult(result(identity("a")));
    OutputFolder again = new OutputFolder(dir.resolve("fresh"));
    again.hold(identity("a")); // the next attempt of the same run
    assertFalse(Files.exists(dir.resolve("fresh/result.json")));
  }

  @SuppressWarnings("unchecked")
  private static <T extends Throwable> RuntimeException sneaky(Throwable t) throws T {
    throw (T) t;
  }
}
