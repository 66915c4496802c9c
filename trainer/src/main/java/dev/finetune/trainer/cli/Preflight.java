package dev.finetune.trainer.cli;

import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.data.transform.Normalize;
import dev.finetune.trainer.error.TrainerException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks made before anything is downloaded or trained, so a bad option or an unwritable location
 * fails in a second with one line instead of after the training: option ranges, the metrics port,
 * the cache and output folders, and the spec's file:// URIs. {@code validate} runs the spec part
 * too, so the two commands agree.
 */
final class Preflight {
  private static final Logger LOG = LoggerFactory.getLogger(Preflight.class);

  private Preflight() {}

  /**
   * --cpus: 0 means the JVM's count ({@code available}, which follows the cgroup quota and cpuset);
   * more is bounded to it, since threads past the CPUs a pod may use only queue.
   */
  static int cpus(int cpus, int available) {
    int n = atMostCpus("--cpus", cpus, available, "the CPUs the JVM sees, " + available + " here");
    return n == 0 ? available : n;
  }

  /**
   * --data-workers: 0 stays 0, for {@code CpuShare.dataWorkers} to pick from the CPUs and the
   * device; more than the CPUs is bounded to them (decoding is CPU work).
   */
  static int dataWorkers(int workers, int cpus) {
    return atMostCpus("--data-workers", workers, cpus, "from --cpus");
  }

  /**
   * --threads: 0 means all the CPUs this process may use; more is bounded to them (100,000 threads
   * hung engine start-up past the SIGTERM grace period).
   */
  static int threads(int threads, int cpus) {
    int n = atMostCpus("--threads", threads, cpus, "all the CPUs this process may use");
    return n == 0 ? cpus : n;
  }

  /**
   * A count option bounded by the CPUs this process may use: negative is a usage error naming the
   * range, more than {@code cpus} is bounded to it with a log line.
   */
  private static int atMostCpus(String option, int value, int cpus, String zeroMeans) {
    if (value < 0) {
      throw new TrainerException(
          ExitCode.USAGE,
          option
              + " must be 0 ("
              + zeroMeans
              + ") or a"
              + " count from 1 to "
              + cpus
              + "; got "
              + value);
    }
    if (value > cpus) {
      LOG.warn(
          "{} {} is more than the {} CPU(s) this process may use; using {}",
          option,
          value,
          cpus,
          cpus);
    }
    return Math.min(value, cpus);
  }

  /** --grace-period: at most an hour (the pod's terminationGracePeriodSeconds must exceed it). */
  static final long MAX_GRACE_PERIOD_S = 3600;

  /** --download-deadline: at most a week per download. */
  static final long MAX_DOWNLOAD_DEADLINE_S = 7 * 24 * 3600;

  /** A numeric option with a stated range: outside it is a usage error naming both. */
  static long range(String option, long value, long min, long max) {
    if (value < min || value > max) {
      throw new TrainerException(
          ExitCode.USAGE, option + " must be " + min + ".." + max + "; got " + value);
    }
    return value;
  }

  /**
   * --termination-log must not be the --output folder, inside it, or a folder around it: the
   * message would overwrite a file of the run (result.json, the final model), or the run's files
   * would land in a folder the kubelet reads as one message.
   */
  static void terminationLog(Path log, Path output) {
    Path l = real(log);
    Path o = real(output);
    if (l.startsWith(o) || o.startsWith(l)) {
      throw new TrainerException(
          ExitCode.USAGE,
          "--termination-log "
              + log
              + " is inside --output "
              + output
              + " (or the other way round); the message would overwrite the run's files."
              + " Write it outside the output folder (in a pod: /dev/termination-log)");
    }
  }

  /** The absolute path with symbolic links of its longest existing part resolved. */
  private static Path real(Path p) {
    Path abs = p.toAbsolutePath().normalize();
    Path existing = abs;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return abs;
    }
    try {
      return existing.toRealPath().resolve(existing.relativize(abs));
    } catch (IOException e) {
      return abs;
    }
  }

  /**
   * --metrics-port: -1 (none), 0 (any free port) or 1..65535 and free. A default port that is taken
   * (a second local run) falls back to a free port with a log line; a port that was asked for
   * explicitly is a usage error.
   */
  static int metricsPort(int port, boolean explicit) {
    if (port < -1 || port > 65535) {
      throw new TrainerException(
          ExitCode.USAGE,
          "--metrics-port must be -1 (off), 0 (any free" + " port) or 1..65535; got " + port);
    }
    if (port <= 0 || free(port)) {
      return port;
    }
    if (explicit) {
      throw new TrainerException(
          ExitCode.USAGE,
          "--metrics-port "
              + port
              + " is already in use"
              + " (another run?); pass another port, 0 for any free one, or -1 for none");
    }
    LOG.info("metrics port {} is in use (another run?); using a free port instead", port);
    return 0;
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** --cache-dir must be a folder, or creatable as one, and writable. */
  static void cacheDir(Path dir) {
    writable(dir, "--cache-dir " + dir, ExitCode.USAGE);
  }

  /** --output must be a folder, or creatable as one, and writable. */
  static void output(Path dir) {
    writable(dir, "--output " + dir, ExitCode.USAGE);
  }

  /**
   * The spec's file:// URIs are absolute (file:///abs/dir), and a file:// checkpoint location is
   * writable. Folders created for the check are removed again.
   */
  /** Above this, normalized pixels overflow the network (ImageNet's values give 2.6). */
  static final double MAX_NORMALIZED_MAGNITUDE = 1000;

  static void spec(FineTuneJobSpec spec) {
    if (spec.transforms != null) {
      double magnitude = Normalize.maxMagnitude(spec.transforms.normalize);
      if (magnitude > MAX_NORMALIZED_MAGNITUDE) {
        throw new TrainerException(
            ExitCode.INVALID_SPEC,
            "spec.transforms.normalize.std: "
                + spec.transforms.normalize.std
                + " scales pixels up to "
                + String.format(Locale.ROOT, "%.3g", magnitude)
                + " times, which overflows the network; std is"
                + " the pixel standard deviation, about 0.2-0.3 (ImageNet: [0.229, 0.224, 0.225])");
      }
    }
    Map<String, String> uris = new LinkedHashMap<>();
    if (spec.dataset != null) {
      uris.put("spec.dataset.train", spec.dataset.train);
      uris.put("spec.dataset.test", spec.dataset.test);
    }
    if (spec.model != null && spec.model.pretrained != null) {
      uris.put("spec.model.pretrained.uri", spec.model.pretrained.uri);
    }
    if (spec.checkpoints != null) {
      uris.put("spec.checkpoints.uri", spec.checkpoints.uri);
    }
    uris.forEach(
        (field, uri) -> {
          Path p = filePath(field, uri);
          if (p != null && field.equals("spec.checkpoints.uri")) {
            writable(p, field + " " + uri, ExitCode.STORAGE_DENIED);
          }
        });
  }

  /** The absolute path of a file: URI, null for other schemes; INVALID_SPEC if not absolute. */
  static Path filePath(String field, String uri) {
    if (uri == null || !uri.trim().toLowerCase(Locale.ROOT).startsWith("file:")) {
      return null;
    }
    String u = uri.trim();
    int hash = u.indexOf('#');
    String base = hash < 0 ? u : u.substring(0, hash);
    URI parsed;
    try {
      parsed = URI.create(base.replace(" ", "%20"));
    } catch (IllegalArgumentException e) {
      parsed = null;
    }
    String host = parsed == null ? null : parsed.getAuthority();
    String path = parsed == null ? null : parsed.getPath();
    if (parsed == null
        || (host != null && !host.isEmpty() && !host.equals("localhost"))
        || path == null
        || !path.startsWith("/")) {
      throw new TrainerException(
          ExitCode.INVALID_SPEC,
          field
              + ": '"
              + u
              + "' is not an"
              + " absolute file URI; use file:///absolute/path (file://NAME/... names a host)");
    }
    return Path.of(path);
  }

  /** Creates dir if needed, writes and deletes a probe file, removes folders it created. */
  static void writable(Path dir, String what, ExitCode code) {
    Path abs = dir.toAbsolutePath().normalize();
    Path existing = abs;
    List<Path> created = new ArrayList<>();
    while (existing != null && !Files.exists(existing)) {
      created.add(0, existing);
      existing = existing.getParent();
    }
    if (existing != null && !Files.isDirectory(existing)) {
      throw new TrainerException(code, what + ": " + existing + " is not a folder");
    }
    try {
      Files.createDirectories(abs);
      Path probe = Files.createTempFile(abs, ".finetune-write-check", ".tmp");
      Files.delete(probe);
    } catch (IOException | SecurityException e) {
      throw new TrainerException(
          code,
          what
              + " is not writable ("
              + e.getClass().getSimpleName()
              + "); choose a writable folder");
    } finally {
      for (int i = created.size() - 1; i >= 0; i--) {
        try {
          Files.deleteIfExists(created.get(i));
        } catch (IOException ignored) {
          // not empty or gone: leave it
        }
      }
    }
  }
}
