package dev.finetune.operator.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.api.v1alpha1.FineTuneSweep;
import dev.finetune.contract.StorageLayout;
import dev.finetune.contract.sweep.Objectives;
import dev.finetune.operator.storage.S3Storage;
import dev.finetune.operator.storage.StorageException;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Read only: a succeeded trial's whole objective curve, one value per epoch, from the result.json
 * next to its final model ({@code <template checkpoints.uri>/<trial>/model/result.json}), read once
 * when the sweep first sees it succeeded. Scrapes can miss epochs; the median rule compares with
 * completed trials at every epoch, so their curves come from the trainer's own record. Empty when
 * storage cannot be read (the scraped points stay).
 */
final class TrialCurves {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TrialCurves() {}

  static Optional<List<Double>> read(
      KubernetesClient client, FineTuneSweep sweep, String trial, Duration timeout) {
    var checkpoints = sweep.getSpec().template.checkpoints;
    if (checkpoints == null
        || checkpoints.uri == null
        || !checkpoints.uri.startsWith("s3://")
        || checkpoints.credentialsSecret == null) {
      return Optional.empty();
    }
    try (S3Storage s3 =
        S3Storage.open(
            client,
            sweep.getMetadata().getNamespace(),
            checkpoints.uri,
            checkpoints.credentialsSecret,
            timeout)) {
      Optional<byte[]> bytes = s3.read(trial + "/" + StorageLayout.RESULT);
      if (bytes.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(
          curve(JSON.readTree(bytes.get()), Objectives.metric(sweep.getSpec().objective)));
    } catch (StorageException | IOException e) {
      return Optional.empty();
    }
  }

  /** The metric of each epoch of result.json's fine-tune run; null where it was not validated. */
  static List<Double> curve(JsonNode result, String metric) {
    List<Double> out = new ArrayList<>();
    for (JsonNode e : result.path("finetune").path("epochs")) {
      JsonNode v = e.path(metric);
      out.add(v.isNumber() && Double.isFinite(v.doubleValue()) ? v.doubleValue() : null);
    }
    return out;
  }
}
