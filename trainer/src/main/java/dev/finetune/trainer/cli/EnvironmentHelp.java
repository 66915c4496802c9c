package dev.finetune.trainer.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The environment variables the trainer reads, shown under {@code --help} after the exit codes.
 * {@code CliHelpTest} fails when the trainer's code reads a variable this table does not name.
 */
final class EnvironmentHelp {
  /** Variable, what it does. In the order a reader needs them. */
  static final Map<String, String> VARIABLES = table();

  private EnvironmentHelp() {}

  private static Map<String, String> table() {
    Map<String, String> t = new LinkedHashMap<>();
    t.put("FINETUNE_ALLOWED_SCHEMES", "default of --allowed-schemes (the operator sets it)");
    t.put("FINETUNE_ALLOWED_HOSTS", "default of --allowed-hosts (the operator sets it)");
    t.put("FINETUNE_NAMESPACE", "default of --namespace (the pod's namespace)");
    t.put("FINETUNE_METRICS_PORT", "default of --metrics-port");
    t.put("FINETUNE_CPUS", "default of --cpus (the pod's CPU limit)");
    t.put("FINETUNE_CACHE_DIR", "default of --cache-dir");
    t.put("FINETUNE_DOWNLOAD_DEADLINE", "default of --download-deadline, in seconds");
    t.put(
        "FINETUNE_ATTEMPT",
        "the attempt number for the finetune_attempt metric (the"
            + " operator sets it; 1 when unset)");
    t.put(
        "FINETUNE_JOB_FAILURES",
        "added to FINETUNE_ATTEMPT: the pods a queued job's Job replaced before this one"
            + " (the operator sets it, with FINETUNE_JOB_IGNORED_FAILURES)");
    t.put("FINETUNE_JOB_IGNORED_FAILURES", "see FINETUNE_JOB_FAILURES");
    t.put("FINETUNE_IMAGE", "the trainer image, named in the model card (the operator sets it)");
    t.put("FINETUNE_S3_RETRY_DEADLINE_SECONDS", "how long S3 requests are retried");
    t.put("FINETUNE_S3_PART_SIZE_BYTES", "S3 multipart part size");
    t.put("FINETUNE_S3_MULTIPART_THRESHOLD_BYTES", "size from which uploads are multipart");
    t.put(
        "AWS_ACCESS_KEY_ID",
        "s3:// credentials, with AWS_SECRET_ACCESS_KEY and optional" + " AWS_SESSION_TOKEN");
    t.put("AWS_SECRET_ACCESS_KEY", "see AWS_ACCESS_KEY_ID");
    t.put("AWS_SESSION_TOKEN", "see AWS_ACCESS_KEY_ID");
    t.put("AWS_REGION", "S3 region (or AWS_DEFAULT_REGION)");
    t.put("AWS_DEFAULT_REGION", "see AWS_REGION");
    t.put("AWS_ENDPOINT_URL", "S3-compatible endpoint, path-style (or AWS_ENDPOINT_URL_S3)");
    t.put("AWS_ENDPOINT_URL_S3", "see AWS_ENDPOINT_URL");
    t.put("HF_ENDPOINT", "the Hugging Face hub for hf:// (default https://huggingface.co)");
    t.put("HF_TOKEN", "hub token, sent only to HF_ENDPOINT's origin");
    t.put(
        "FINETUNE_LOG_LEVEL",
        "trace, debug, info, warn, error or off (default: warn under"
            + " train's progress bar on a terminal, else info)");
    t.put("DJL_CACHE_DIR", "where DJL unpacks the PyTorch natives once (430 MB)");
    t.put("PYTORCH_LIBRARY_PATH", "the libtorch folder the CUDA image's engine check lists");
    return t;
  }

  static String[] lines() {
    List<String> lines = new ArrayList<>();
    VARIABLES.forEach(
        (name, meaning) -> HelpLines.add(lines, String.format("  %-37s ", name), meaning));
    return lines.toArray(String[]::new);
  }
}
