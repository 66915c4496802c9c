package dev.finetune.trainer;

import dev.finetune.trainer.data.fetch.UriPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Everything about a run that is not in the FineTuneJob spec: where it runs and reports. One
 * immutable record, filled from the command line (and, in a pod, from the environment the operator
 * sets).
 *
 * @param output local folder for result.json, the final model and default checkpoints
 * @param namespace Kubernetes namespace label of metrics (local runs: "local")
 * @param cacheDir download and extraction cache
 * @param fromJobs FineTuneJob name → model URI, to resolve spec.model.pretrained.fromJob
 * @param metricsPort Prometheus port, 0 for ephemeral, negative for none
 * @param cpus CPUs this process may use (see {@link CpuShare})
 * @param threads PyTorch intra-op threads
 * @param dataWorkers threads decoding and augmenting images ahead of the loop; 0 = from cpus and
 *     the device ({@link CpuShare#dataWorkers})
 * @param gracePeriod time allowed to checkpoint after SIGTERM
 * @param interactive draw a progress bar (a terminal) instead of log lines
 * @param env environment (object-store credentials, HF_ENDPOINT)
 * @param uriPolicy schemes and hosts that dataset and model URIs may use
 * @param downloadDeadline the most one download may take in all, retries included
 */
public record TrainOptions(
    Path output,
    String namespace,
    Path cacheDir,
    Map<String, String> fromJobs,
    int metricsPort,
    int cpus,
    int threads,
    int dataWorkers,
    Duration gracePeriod,
    boolean interactive,
    Map<String, String> env,
    UriPolicy uriPolicy,
    Duration downloadDeadline) {
  public TrainOptions {
    fromJobs = Map.copyOf(fromJobs);
    env = Map.copyOf(env);
  }

  /** With the default download deadline. */
  public TrainOptions(
      Path output,
      String namespace,
      Path cacheDir,
      Map<String, String> fromJobs,
      int metricsPort,
      int cpus,
      int threads,
      int dataWorkers,
      Duration gracePeriod,
      boolean interactive,
      Map<String, String> env,
      UriPolicy uriPolicy) {
    this(
        output,
        namespace,
        cacheDir,
        fromJobs,
        metricsPort,
        cpus,
        threads,
        dataWorkers,
        gracePeriod,
        interactive,
        env,
        uriPolicy,
        dev.finetune.trainer.data.fetch.RetryPolicy.DEFAULT.deadline());
  }
}
