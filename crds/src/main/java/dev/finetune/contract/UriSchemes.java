package dev.finetune.contract;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The URI schemes a spec's datasets and source model may use: one rule for the trainer's {@code
 * --allowed-schemes}, the operator's {@code finetune.operator.trainer-allowed-schemes} (which
 * becomes the trainer pod's FINETUNE_ALLOWED_SCHEMES), the admission webhook and {@code finetune
 * validate --cluster}. Checkpoints have their own rule (s3:// in a cluster).
 */
public final class UriSchemes {
  /** Every scheme the trainer can read: its default when nothing restricts it. */
  public static final List<String> TRAINER = List.of("file", "http", "https", "s3", "hf");

  /**
   * What deploy/base and the Helm chart let trainer pods read. No {@code file}: in a pod it reads
   * the image's own files and mounted Secrets, not a user's data.
   */
  public static final List<String> CLUSTER_DEFAULT = List.of("http", "https", "s3", "hf");

  /** The setting that sets them in a cluster. */
  public static final String SETTING = "finetune.operator.trainer-allowed-schemes";

  private UriSchemes() {}

  /**
   * A comma-separated list ({@code "https, s3://"}), lower-cased, a trailing {@code ://} dropped as
   * the trainer drops it; blank entries dropped.
   */
  public static List<String> parse(String csv) {
    return Arrays.stream(csv.split(","))
        .map(s -> s.strip().toLowerCase(java.util.Locale.ROOT).replaceAll("://$", ""))
        .filter(s -> !s.isEmpty())
        .toList();
  }

  /** The operator's setting when set and not blank, else every scheme the trainer reads. */
  public static List<String> orTrainer(Optional<String> setting) {
    List<String> parsed = setting.map(UriSchemes::parse).orElse(List.of());
    return parsed.isEmpty() ? TRAINER : parsed;
  }
}
