package dev.finetune.trainer.cli;

import dev.finetune.contract.TrainerHeap;
import dev.finetune.trainer.spec.JobLoader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code finetune java-options JOB.yaml}: the JVM options a trainer of this job starts with, the
 * same as in a trainer pod (the image's heap ceiling, and the young generation the operator sets
 * from the spec, {@link TrainerHeap}). {@code bin/finetune train} starts the JVM with them.
 */
@Command(
    name = "java-options",
    mixinStandardHelpOptions = true,
    description =
        "Prints the JVM options a trainer of this FineTuneJob starts with, as in a trainer pod:"
            + " the heap ceiling ("
            + JavaOptionsCommand.CEILING
            + ") and, for a CPU job, the"
            + " young generation sized from the batch and image size (docs/BENCHMARKS.md,"
            + " \"Memory\"). bin/finetune train uses them unless FINETUNE_JAVA_OPTS is set.")
final class JavaOptionsCommand implements Callable<Integer> {
  /** The trainer image's heap ceiling (images/trainer.Containerfile). */
  static final String CEILING = "-XX:MaxRAMPercentage=50";

  @Parameters(index = "0", paramLabel = "JOB.yaml", description = "FineTuneJob manifest.")
  Path manifest;

  @Override
  public Integer call() {
    var spec = JobLoader.load(manifest).getSpec();
    System.out.println(TrainerHeap.javaOptions(spec).map(o -> CEILING + " " + o).orElse(CEILING));
    return 0;
  }
}
