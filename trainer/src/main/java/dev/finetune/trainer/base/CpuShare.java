package dev.finetune.trainer.base;

/**
 * How the CPUs this process may use are shared between PyTorch's compute threads and the data
 * workers that decode and augment images ahead of the loop.
 *
 * <p>The CPU count comes from {@code --cpus} (the operator passes the pod's CPU limit, rounded up),
 * else from the JVM, whose count follows the cgroup CPU quota and the cpuset (JDK 17's container
 * support), so a pod limited to 4 CPUs on a 64-core node counts 4.
 */
public final class CpuShare {
  /** On the CPU, one data worker per this many CPUs (at least one). */
  static final int CPUS_PER_WORKER_ON_CPU = 8;

  private CpuShare() {}

  /** The CPUs this process may use: {@code flag} when > 0, else the JVM's cgroup-aware count. */
  public static int cpus(int flag) {
    return flag > 0 ? flag : Runtime.getRuntime().availableProcessors();
  }

  /** PyTorch intra-op threads: {@code flag} when > 0, else every CPU. */
  public static int threads(int flag, int cpus) {
    return flag > 0 ? flag : cpus;
  }

  /**
   * Data workers: {@code flag} when > 0. Otherwise, on a GPU the step leaves the CPUs idle, so
   * every CPU but one (the loop's) decodes; on the CPU the step needs the cores, and decoding is
   * cheap beside it (one 224 px ResNet-18 image costs about 20x its decode), so one worker per
   * {@value #CPUS_PER_WORKER_ON_CPU} CPUs, at least one.
   */
  public static int dataWorkers(int flag, int cpus, boolean gpu) {
    if (flag > 0) {
      return flag;
    }
    return gpu ? Math.max(1, cpus - 1) : Math.max(1, cpus / CPUS_PER_WORKER_ON_CPU);
  }
}
