package dev.finetune.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The peak PSS of this process, as torch_bench.py's TreeMemory samples PyTorch and its DataLoader
 * workers (the trainer's data workers are threads, so the tree is this one process, and its RSS
 * peak is VmHWM exactly). PSS is the figure that is fair to a stack of forked processes. Every 50
 * ms the resident size is read from /proc/self/statm (cheap); /proc/self/smaps_rollup, which walks
 * every mapping of the JVM (about 8 ms a read, 15 % of a core at 20 reads a second), is read only
 * when the resident size reached a new high, where a new PSS peak can be. The sampler's own CPU
 * time ({@link #cpuNanos}) is left out of the bench's CPU seconds, on both sides.
 */
final class MemorySampler implements AutoCloseable {
  private static final long PAGE = 4096;
  private final Thread thread;
  private volatile boolean running = true;
  private double peakPss;
  private long highResident;

  MemorySampler() {
    thread = new Thread(this::loop, "memory-sampler");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    while (running) {
      long resident = residentBytes();
      if (resident == 0 || resident > highResident + (1 << 20)) {
        highResident = Math.max(highResident, resident);
        sample();
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** The sampler thread's CPU time so far, in nanoseconds (0 where the JVM cannot tell). */
  long cpuNanos() {
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    long t = mx.isThreadCpuTimeSupported() ? mx.getThreadCpuTime(thread.getId()) : 0;
    return Math.max(0, t);
  }

  synchronized void sample() {
    peakPss = Math.max(peakPss, kb("/proc/self/smaps_rollup", "Pss:") / 1024.0);
  }

  synchronized double peakPssMb() {
    return peakPss;
  }

  /** Resident bytes from /proc/self/statm (its second field, in pages); 0 where there is none. */
  private static long residentBytes() {
    try {
      String[] f = Files.readString(Path.of("/proc/self/statm")).trim().split(" ");
      return Long.parseLong(f[1]) * PAGE;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** This process's peak RSS (VmHWM) in MB; 0 where /proc has none. */
  static double vmHwmMb() {
    return kb("/proc/self/status", "VmHWM:") / 1024.0;
  }

  private static long kb(String file, String key) {
    try {
      for (String line : Files.readAllLines(Path.of(file))) {
        if (line.startsWith(key)) {
          return Long.parseLong(line.substring(key.length()).replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      return 0; // not Linux, or the file is gone: no sample
    }
    return 0;
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}
