package dev.finetune.trainer.data.fetch;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.error.TrainerException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code hf://ORG/REPO[/FILE]}: reads {@code ${HF_ENDPOINT:-https://huggingface.co}/ORG/REPO/
 * resolve/main/FILE} over {@link HttpSource} (FILE defaults to model.safetensors; HF_TOKEN, when
 * set, is sent as a bearer token to that origin only). Cached under the hf:// URI.
 */
final class HuggingFaceSource implements UriSource {
  private static final String HF_DEFAULT = "https://huggingface.co";

  private final HttpSource http;
  private final Map<String, String> env;

  HuggingFaceSource(HttpSource http, Map<String, String> env) {
    this.http = http;
    this.env = Map.copyOf(env);
  }

  @Override
  public Path fetch(String field, String base) throws IOException {
    String rest = base.substring("hf://".length());
    String[] parts = rest.split("/", 3);
    if (parts.length < 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
      throw new TrainerException(
          ExitCode.INVALID_SPEC,
          "hf URI '" + base + "' must look like" + " hf://ORG/REPO or hf://ORG/REPO/FILE");
    }
    String file = parts.length == 3 && !parts[2].isEmpty() ? parts[2] : "model.safetensors";
    String endpoint = env.getOrDefault("HF_ENDPOINT", HF_DEFAULT);
    if (endpoint.isBlank()) {
      endpoint = HF_DEFAULT;
    }
    while (endpoint.endsWith("/")) {
      endpoint = endpoint.substring(0, endpoint.length() - 1);
    }
    String url = endpoint + "/" + parts[0] + "/" + parts[1] + "/resolve/main/" + file;
    return http.download(field, url, base, env.get("HF_TOKEN"));
  }
}
