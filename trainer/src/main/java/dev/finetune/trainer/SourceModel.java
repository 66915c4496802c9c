package dev.finetune.trainer;

import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.contract.ExitCode;
import dev.finetune.contract.StorageLayout;
import dev.finetune.trainer.base.Sha256;
import dev.finetune.trainer.data.fetch.Fetcher;
import dev.finetune.trainer.error.TrainerException;
import dev.finetune.trainer.model.WeightsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The pretrained weights a fine-tune starts from, and where they came from.
 *
 * @param uri the URI the weights were fetched from
 * @param bytes the safetensors file as read
 */
record SourceModel(String uri, byte[] bytes) {

  /**
   * The source of {@code spec.model.pretrained}: its URI, or for {@code fromJob} the URI that
   * {@code --from-job NAME=URI} gave ({@code fromJobs}). A folder (a job's output or model/) means
   * its model.safetensors, or finetune/model.safetensors. Null when the spec trains from scratch.
   */
  static SourceModel resolve(FineTuneJobSpec spec, Fetcher fetcher, Map<String, String> fromJobs) {
    if (spec.model.pretrained == null) {
      return null;
    }
    String uri = spec.model.pretrained.uri;
    String field = "spec.model.pretrained.uri";
    if (spec.model.pretrained.fromJob != null) {
      String jobName = spec.model.pretrained.fromJob;
      uri = fromJobs.get(jobName);
      field = "--from-job " + jobName;
      if (uri == null) {
        throw new TrainerException(
            ExitCode.NOT_FOUND,
            "spec.model.pretrained.fromJob: no model"
                + " known for FineTuneJob '"
                + jobName
                + "'; pass --from-job "
                + jobName
                + "=URI"
                + " (the job's model.safetensors or its output folder)");
      }
    }
    Path path = fetcher.fetch(field, uri);
    if (Files.isDirectory(path)) {
      Path candidate = path.resolve(StorageLayout.MODEL_FILE);
      if (!Files.isRegularFile(candidate)) {
        candidate = path.resolve("finetune").resolve(StorageLayout.MODEL_FILE);
      }
      path = candidate;
    }
    return new SourceModel(uri, WeightsFile.read(path, field + " " + uri, WeightsFile.limit()));
  }

  String sha256() {
    return Sha256.hex(bytes);
  }
}
