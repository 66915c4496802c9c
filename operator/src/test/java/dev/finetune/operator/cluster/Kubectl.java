package dev.finetune.operator.cluster;

import dev.finetune.testsupport.Command;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs the real {@code kubectl} binary against a kubeconfig. */
public final class Kubectl {
  private Kubectl() {}

  static Command.Result run(Path kubectl, Path kubeconfig, String stdin, String... args) {
    List<String> cmd =
        new ArrayList<>(List.of(kubectl.toString(), "--kubeconfig", kubeconfig.toString()));
    cmd.addAll(List.of(args));
    Map<String, String> env = new HashMap<>();
    env.put("KUBECONFIG", null);
    return Command.run(cmd, env, stdin, Duration.ofSeconds(120));
  }
}
