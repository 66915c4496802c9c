package dev.finetune.platform;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Runs src/test/node/validate-manifests.mjs (kubernetes-models, @kubernetes-models/
 * prometheus-operator, ajv on CRD schemas) and then tsc over the typed copy it writes.
 */
final class SchemaCheck {
  record Entry(
      int index,
      String kind,
      String apiVersion,
      String name,
      String status,
      String schema,
      String error) {}

  record Outcome(List<Entry> entries, Tools.Result tsc) {}

  private SchemaCheck() {}

  static Path workDir(String name) {
    try {
      Path dir = Tools.root().resolve("platform-tests/target/" + name);
      Files.createDirectories(dir);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Outcome validate(
      String name, List<Map<String, Object>> objects, List<Map<String, Object>> crds) {
    Path node = Tools.node();
    Path dir = workDir(name);
    try {
      Path input = dir.resolve("input.json");
      Manifests.JSON.writeValue(input.toFile(), Map.of("objects", objects, "crds", crds));
      Path report = dir.resolve("report.json");
      Path types = dir.resolve("objects.ts");
      Tools.run(
              dir,
              300,
              node.toString(),
              Tools.root()
                  .resolve("platform-tests/src/test/node/validate-manifests.mjs")
                  .toString(),
              input.toString(),
              report.toString(),
              types.toString())
          .assertOk("validate-manifests.mjs");
      List<Entry> entries = Manifests.JSON.readValue(report.toFile(), new TypeReference<>() {});
      return new Outcome(entries, tsc(dir, List.of("objects.ts")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** tsc --noEmit, strict, over the given files of dir (node_modules found from platform-tests). */
  static Tools.Result tsc(Path dir, List<String> files) {
    Path node = Tools.node();
    try {
      Files.writeString(
          dir.resolve("tsconfig.json"),
          """
          {
            "compilerOptions": {
              "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext",
              "strict": true, "noEmit": true, "skipLibCheck": true, "types": []
            },
            "files": %s
          }
          """
              .formatted(Manifests.JSON.writeValueAsString(files)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Tools.run(
        dir,
        300,
        node.toString(),
        Tools.root().resolve("platform-tests/node_modules/typescript/bin/tsc").toString(),
        "-p",
        dir.resolve("tsconfig.json").toString(),
        "--pretty",
        "false");
  }
}
