package dev.finetune.images;

import java.time.Duration;
import java.util.List;

/**
 * The images under test, built once per test JVM by {@code bin/images --no-package}: from the jars
 * this Maven build packaged, never running Maven inside Maven. The base and podman's layer cache
 * make a re-run take seconds.
 */
record Images(String trainer, String operator) {
  private static Images built;

  static synchronized Images build() {
    if (built == null) {
      long t0 = System.nanoTime();
      Podman.Result r =
          Podman.exec(
                  List.of(Podman.ROOT.resolve("bin/images").toString(), "--no-package"),
                  Duration.ofMinutes(20))
              .check("bin/images");
      List<String> names = r.output().lines().filter(l -> l.startsWith("localhost/")).toList();
      built = new Images(names.get(0), names.get(1));
      System.out.printf(
          "IMAGES built in %d s: %s%n%s",
          (System.nanoTime() - t0) / 1_000_000_000L, names, r.output());
    }
    return built;
  }
}
