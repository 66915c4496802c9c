package dev.finetune.trainer.cli;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.contract.StorageLayout;
import dev.finetune.trainer.JobResult;
import dev.finetune.trainer.JobRunner;
import dev.finetune.trainer.OutputFolder;
import dev.finetune.trainer.RunResult;
import dev.finetune.trainer.TrainOptions;
import dev.finetune.trainer.base.CpuShare;
import dev.finetune.trainer.data.fetch.UriPolicy;
import dev.finetune.trainer.loop.StopSignal;
import dev.finetune.trainer.spec.JobLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code finetune train JOB.yaml}: runs one FineTuneJob on this machine or in a pod. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    footerHeading =
        "%nExit codes (1-127 permanent; 128, 129, 137, 143 retryable; other signals permanent):%n",
    description = {
      "Runs the FineTuneJob in JOB.yaml on this machine or in a trainer pod.",
      "Fetches data and source weights, fine-tunes, evaluates, checkpoints (resuming from",
      "the newest valid checkpoint), trains the from-scratch baseline if requested, and",
      "writes DIR/result.json and the final models. On SIGTERM it finishes the current",
      "step, checkpoints and exits 143."
    })
final class TrainCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "JOB.yaml", description = "FineTuneJob manifest.")
  Path manifest;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "DIR",
      defaultValue = "out/${JOB}",
      description =
          "Output folder for result.json, final models and (unless"
              + " spec.checkpoints.uri is set) checkpoints. Default: out/<job name>.")
  String output;

  @Option(
      names = "--from-job",
      paramLabel = "NAME=URI",
      description =
          "Resolves spec.model.pretrained.fromJob NAME to a model: a"
              + " model.safetensors file, or an earlier job's output folder (repeatable).")
  Map<String, String> fromJobs = new LinkedHashMap<>();

  @Option(
      names = "--namespace",
      defaultValue = "${env:FINETUNE_NAMESPACE:-local}",
      description =
          "Namespace label on metrics (set by the operator in pods). Default: ${DEFAULT-VALUE}.")
  String namespace;

  @Option(
      names = "--metrics-port",
      defaultValue = "${env:FINETUNE_METRICS_PORT:-9400}",
      description =
          "Prometheus /metrics port; 0 picks a free one, -1 disables. A taken default port falls back to a free one. Default: ${DEFAULT-VALUE}.")
  int metricsPort;

  @Option(
      names = "--cpus",
      defaultValue = "${env:FINETUNE_CPUS:-0}",
      description =
          "CPUs this process may use (the operator passes the pod's CPU limit); 0 ="
              + " the JVM's count, which follows the cgroup CPU quota and cpuset. Default: ${DEFAULT-VALUE}.")
  int cpus;

  @Option(
      names = "--threads",
      defaultValue = "0",
      description = "PyTorch compute threads; 0 = every CPU (--cpus); more is bounded to --cpus.")
  int threads;

  @Option(
      names = "--data-workers",
      defaultValue = "0",
      description =
          "Threads decoding and augmenting images ahead of training; 0 = from --cpus:"
              + " on a GPU all CPUs but one, on the CPU one per 8 CPUs (at least 1).")
  int dataWorkers;

  @Option(
      names = "--cache-dir",
      defaultValue = "${env:FINETUNE_CACHE_DIR:-${sys:user.home}/.cache/finetune}",
      description = "Download cache (content-addressed). Default: ${DEFAULT-VALUE}.")
  Path cacheDir;

  @Option(
      names = "--grace-period",
      defaultValue = "25",
      description =
          "Seconds allowed after SIGTERM to finish the step and checkpoint, 1-3600."
              + " Default: ${DEFAULT-VALUE}.")
  int gracePeriodSeconds;

  @Option(
      names = "--allowed-schemes",
      paramLabel = "LIST",
      defaultValue = "${env:FINETUNE_ALLOWED_SCHEMES:-file,http,https,s3,hf}",
      description =
          "Comma-separated URI schemes that spec.dataset and spec.model.pretrained may"
              + " use (env FINETUNE_ALLOWED_SCHEMES). Default: ${DEFAULT-VALUE}.")
  String allowedSchemes;

  @Option(
      names = "--allowed-hosts",
      paramLabel = "LIST",
      defaultValue = "${env:FINETUNE_ALLOWED_HOSTS:-}",
      description =
          "Comma-separated hosts (example.com, *.example.com, IP addresses) that"
              + " http(s) and hf:// downloads and their redirects may reach; empty = any https host"
              + " (env FINETUNE_ALLOWED_HOSTS). With a list, internal addresses need an exact entry.")
  String allowedHosts;

  @Option(
      names = "--download-deadline",
      paramLabel = "SECONDS",
      defaultValue = "${env:FINETUNE_DOWNLOAD_DEADLINE:-7200}",
      description =
          "Most seconds one http(s)/hf:// download may take in all, retries included,"
              + " 1-604800 (env FINETUNE_DOWNLOAD_DEADLINE). Default: ${DEFAULT-VALUE}.")
  long downloadDeadlineSeconds;

  @Option(names = "--no-progress", description = "Log lines instead of a progress bar.")
  boolean noProgress;

  @Option(
      names = "--termination-log",
      paramLabel = "FILE",
      description =
          "On success, writes the final numbers there as one line of JSON (the"
              + " operator passes the pod's /dev/termination-log); must not be inside --output."
              + " Default: none.")
  Path terminationLog;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    int processCpus = Preflight.cpus(cpus, CpuShare.cpus(0));
    int computeThreads = Preflight.threads(threads, processCpus);
    int workers = Preflight.dataWorkers(dataWorkers, processCpus);
    boolean portAskedFor =
        spec.commandLine().getParseResult().hasMatchedOption("--metrics-port")
            || System.getenv("FINETUNE_METRICS_PORT") != null;
    int port = Preflight.metricsPort(metricsPort, portAskedFor);
    Preflight.range(
        "--download-deadline", downloadDeadlineSeconds, 1, Preflight.MAX_DOWNLOAD_DEADLINE_S);
    Preflight.range("--grace-period", gracePeriodSeconds, 1, Preflight.MAX_GRACE_PERIOD_S);
    UriPolicy uriPolicy = UriPolicy.parse(allowedSchemes, allowedHosts);
    Engines.configure(computeThreads); // before anything can load the engine
    FineTuneJob job = JobLoader.load(manifest);
    String name = job.getMetadata().getName();
    Path out = Path.of(output.replace("${JOB}", name));
    Preflight.cacheDir(cacheDir);
    Preflight.output(out);
    if (terminationLog != null) {
      Preflight.terminationLog(terminationLog, out);
    }
    Preflight.spec(job.getSpec());
    StopSignal stop = new StopSignal();
    Preemption.install(stop, Duration.ofSeconds(gracePeriodSeconds));
    TrainOptions options =
        new TrainOptions(
            out,
            namespace,
            cacheDir,
            fromJobs,
            port,
            processCpus,
            computeThreads,
            workers,
            Duration.ofSeconds(gracePeriodSeconds),
            !noProgress && System.console() != null,
            System.getenv(),
            uriPolicy,
            Duration.ofSeconds(downloadDeadlineSeconds));
    // Only a run that holds the output folder (its ownership checks passed) may remove anything
    // there when it fails; a run that fails before that leaves the folder as it found it.
    OutputFolder folder = new OutputFolder(out);
    JobResult result = folder.run(() -> new JobRunner(options, stop, folder).run(job));
    if (terminationLog != null) {
      TerminationMessage.write(terminationLog, out);
    }
    printSummary(result, out);
    return 0;
  }

  private static void printSummary(JobResult r, Path out) {
    System.out.println();
    System.out.printf(
        Locale.ROOT, "job %s finished in %.1f s on %s%n", r.job(), r.seconds(), r.device());
    print(r.finetune());
    if (r.baseline() != null) {
      print(r.baseline());
      System.out.printf(
          Locale.ROOT, "  fine-tune vs scratch: %+.4f test accuracy%n", r.accuracyGain());
    }
    System.out.println("  result: " + out.resolve(StorageLayout.RESULT_FILE));
  }

  private static void print(RunResult run) {
    System.out.printf(
        Locale.ROOT,
        "  %-9s test accuracy %.4f%s  (%s)  model %s%n",
        run.run(),
        run.testAccuracy(),
        validation(run),
        run.initialization(),
        run.modelUri());
  }

  /** ", validation accuracy X" from the newest validated epoch; "" without dataset.validation. */
  static String validation(RunResult run) {
    for (int i = run.epochs().size() - 1; i >= 0; i--) {
      double v = run.epochs().get(i).validationAccuracy();
      if (!Double.isNaN(v)) {
        return String.format(Locale.ROOT, ", validation accuracy %.4f", v);
      }
    }
    return "";
  }
}
