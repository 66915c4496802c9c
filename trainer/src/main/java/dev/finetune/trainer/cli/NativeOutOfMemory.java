package dev.finetune.trainer.cli;

import java.util.List;
import java.util.Optional;

/**
 * A libtorch allocation failure anywhere in an exception's causes: PyTorch's CPU allocator ("
 * DefaultCPUAllocator: can't allocate memory: you tried to allocate N bytes") or CUDA's ("CUDA out
 * of memory. Tried to allocate ..."). DJL wraps them in EngineException with libtorch's text.
 * Memory pressure can pass (other pods, fragmentation, a smaller node next time), so the trainer
 * exits 128 (retryable) and resumes from the newest checkpoint instead of failing for good.
 */
final class NativeOutOfMemory {
  private static final List<String> MARKERS =
      List.of(
          "DefaultCPUAllocator: can't allocate", "CUDA out of memory", "CUDA error: out of memory");

  private NativeOutOfMemory() {}

  static boolean in(Throwable t) {
    return line(t).isPresent();
  }

  /** One line: libtorch's allocation message and what to change. */
  static String message(Throwable t) {
    return "out of memory in libtorch: "
        + line(t).orElse("")
        + "; lower"
        + " spec.training.batchSize or raise spec.resources.memory (or use a GPU with more memory)";
  }

  private static Optional<String> line(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      String m = c.getMessage();
      if (m == null) {
        continue;
      }
      for (String line : m.lines().toList()) {
        for (String marker : MARKERS) {
          int i = line.indexOf(marker);
          if (i >= 0) {
            String s = line.substring(i).strip();
            return Optional.of(s.length() > 300 ? s.substring(0, 300) : s);
          }
        }
      }
    }
    return Optional.empty();
  }
}
