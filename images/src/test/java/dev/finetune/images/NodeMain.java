package dev.finetune.images;

import dev.finetune.operator.cluster.NodeAgent;
import dev.finetune.testsupport.S3Server;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeMap;

/**
 * {@code bin/cluster node [DIR]}: this machine as the cluster's node, for a person walking the
 * install. In one process, until SIGTERM ({@code bin/cluster down}):
 *
 * <ul>
 *   <li>the {@link NodeAgent} with the {@link PodmanRuntime}: Nodes {@code cpu-0} and {@code
 *       gpu-0}, pods from the images {@code bin/images} built;
 *   <li>the {@code kubernetes} Service's endpoint for pods ({@link ApiForwarder});
 *   <li>an S3 server (s3proxy, bucket {@code finetune}) on the host's address of the pod network,
 *       its objects as files in {@code DIR/s3/finetune/}, its settings in {@code DIR/s3.env} for
 *       {@code kubectl create secret generic s3-creds --from-env-file}.
 * </ul>
 *
 * Arguments: the cluster folder of {@code bin/cluster up}, and an image to keep the pod network's
 * bridge up with (the trainer image).
 */
public final class NodeMain {
  private NodeMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: NodeMain CLUSTER_DIR IMAGE");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    Podman.require();
    InetAddress host = Podman.host(args[1]);
    KubernetesClient admin = admin(dir);
    int apiPort = Integer.parseInt(Files.readString(dir.resolve("apiserver.port")).trim());
    ApiForwarder forwarder = ApiForwarder.start(host, apiPort);
    S3Server s3 = S3Server.start("finetune", host, dir.resolve("s3"));
    NodeAgent agent =
        new NodeAgent(
            admin,
            Files.createDirectories(dir.resolve("nodes")),
            new PodmanRuntime(admin, host.getHostAddress(), forwarder.port()));
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("node: stopping (containers are removed)");
                  try {
                    agent.close();
                  } catch (RuntimeException e) {
                    System.out.println("node: " + e);
                  }
                  s3.close();
                  try {
                    forwarder.close();
                  } catch (java.io.IOException ignored) {
                    // closing
                  }
                },
                "node-stop"));
    StringBuilder env = new StringBuilder();
    new TreeMap<>(s3.env()).forEach((k, v) -> env.append(k).append('=').append(v).append('\n'));
    Path envFile = dir.resolve("s3.env");
    Files.writeString(dir.resolve("s3.env.tmp"), env);
    Files.move(dir.resolve("s3.env.tmp"), envFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    System.out.printf(
        "node: cpu-0 and gpu-0 Ready, pods run under podman on %s (%s)%n"
            + "node: kubernetes.default.svc -> %s:%d -> API server 127.0.0.1:%d%n"
            + "node: S3 %s, bucket finetune, objects in %s%n",
        Podman.NETWORK,
        host.getHostAddress(),
        host.getHostAddress(),
        forwarder.port(),
        apiPort,
        s3.endpoint(),
        s3.root());
    while (true) {
      Thread.sleep(2000);
      try {
        agent.check();
      } catch (RuntimeException e) {
        System.out.println("node: " + e);
      }
    }
  }

  /** The admin client of {@code bin/cluster up}'s folder (client certificate, system:masters). */
  static KubernetesClient admin(Path dir) throws java.io.IOException {
    String port = Files.readString(dir.resolve("apiserver.port")).trim();
    return new KubernetesClientBuilder()
        .withConfig(
            new ConfigBuilder(Config.empty())
                .withMasterUrl("https://127.0.0.1:" + port)
                .withCaCertFile(dir.resolve("pki/ca.crt").toString())
                .withClientCertFile(dir.resolve("pki/admin.crt").toString())
                .withClientKeyFile(dir.resolve("pki/admin.key").toString())
                .withRequestTimeout(30_000)
                .build())
        .build();
  }
}
