package dev.finetune.trainer.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.contract.ExitCode;
import dev.finetune.contract.StorageLayout;
import dev.finetune.trainer.error.TrainerException;
import dev.finetune.trainer.model.WeightsFile;
import dev.finetune.trainer.storage.ObjectStore;
import dev.finetune.trainer.storage.ObjectStores;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A final model's two files, model.json and model.safetensors, read from where {@code train} left
 * them: a final-model folder, a {@code train} output folder (its {@code finetune/}), or a
 * checkpoint location (its {@code model/}); local or through the trainer's object stores ({@code
 * file://}, {@code s3://}). A location naming model.safetensors itself (a job's {@code
 * status.finalModelUri}) means its folder.
 *
 * @param uri where the files were found
 * @param metadata model.json
 * @param weights model.safetensors
 */
public record ModelFiles(String uri, JsonNode metadata, byte[] weights) {
  /** The folders under a location that may hold the model, in the order they are tried. */
  static final List<String> PLACES = List.of("", "finetune/", StorageLayout.MODEL);

  /** Reads the model at {@code location} (a path or URI), with S3 settings from {@code env}. */
  public static ModelFiles read(String location, Map<String, String> env) {
    // status.finalModelUri names the weights file: its folder holds the rest.
    String folder =
        location.endsWith("/" + StorageLayout.MODEL_FILE)
            ? location.substring(0, location.length() - StorageLayout.MODEL_FILE.length())
            : location;
    String uri = folder.contains("://") ? folder : toFileUri(folder);
    try (ObjectStore store = ObjectStores.open(uri, env)) {
      for (String place : PLACES) {
        Optional<byte[]> json = store.read(place + StorageLayout.MODEL_METADATA);
        if (json.isEmpty()) {
          continue;
        }
        String where = store.uri() + "/" + place;
        JsonNode meta = parse(json.get(), where + StorageLayout.MODEL_METADATA);
        Optional<InputStream> weights = store.open(place + StorageLayout.MODEL_FILE);
        if (weights.isEmpty()) {
          throw new TrainerException(
              ExitCode.NOT_FOUND,
              where
                  + StorageLayout.MODEL_FILE
                  + " not found next to its "
                  + StorageLayout.MODEL_METADATA);
        }
        // Read at most one byte past the limit, so an oversized file is refused without being
        // held in memory whole.
        long limit = WeightsFile.limit();
        byte[] bytes;
        try (InputStream in = weights.get()) {
          bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        }
        if (bytes.length > limit) {
          throw new TrainerException(
              ExitCode.WEIGHTS_INVALID,
              where + StorageLayout.MODEL_FILE + " is larger than " + limit + " bytes");
        }
        return new ModelFiles(where, meta, bytes);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new TrainerException(
        ExitCode.NOT_FOUND,
        "no final model at "
            + location
            + ": expected "
            + StorageLayout.MODEL_METADATA
            + " and "
            + StorageLayout.MODEL_FILE
            + " there, under"
            + " finetune/ (a train output folder) or under model/ (a checkpoint location)");
  }

  private static String toFileUri(String path) {
    Path p = Path.of(path).toAbsolutePath().normalize();
    if (!Files.isDirectory(p)) {
      throw new TrainerException(
          ExitCode.NOT_FOUND,
          "MODEL "
              + path
              + " is not a folder: give"
              + " a train output folder, a final-model folder or a file:// or s3:// URI");
    }
    return p.toUri().toString();
  }

  private static JsonNode parse(byte[] json, String where) {
    try {
      JsonNode node = new ObjectMapper().readTree(json);
      if (node == null || !node.isObject()) {
        throw new TrainerException(ExitCode.WEIGHTS_INVALID, where + " is not a JSON object");
      }
      return node;
    } catch (IOException e) {
      throw new TrainerException(
          ExitCode.WEIGHTS_INVALID,
          where
              + " is not valid JSON: "
              + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
    }
  }
}
