package dev.finetune.images;

import dev.finetune.operator.cluster.PodRuntime;
import dev.finetune.operator.sim.PodSources;
import dev.finetune.operator.sim.TrainerContainer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A pod's volumes as a kubelet provides them, in host folders under the pod's folder, mounted by
 * {@code podman run --volume}:
 *
 * <ul>
 *   <li>{@code emptyDir}: a world-writable folder that lives as long as the pod (container restarts
 *       keep it); medium {@code Memory} is a tmpfs. A {@code sizeLimit} is enforced as a kubelet
 *       does, by eviction ({@link #overLimit()}).
 *   <li>{@code configMap}, {@code secret}: their keys as files (or {@code items}), read-only.
 *   <li>{@code projected} with {@code serviceAccountToken} (a TokenRequest for the pod's
 *       ServiceAccount, audience and expiry as asked, bound to the pod), {@code configMap} ({@code
 *       kube-root-ca.crt}'s {@code ca.crt}) and {@code downwardAPI} ({@code metadata.namespace}):
 *       what the ServiceAccount admission plugin adds, read-only.
 * </ul>
 *
 * Any other volume type, or a mount with {@code subPath}, is refused with its name.
 */
final class PodVolumes {
  private final Map<String, Path> sized = new LinkedHashMap<>();
  private final Map<String, Long> limits = new LinkedHashMap<>();
  private final List<String> args = new ArrayList<>();

  private PodVolumes() {}

  static PodVolumes mount(KubernetesClient client, Pod pod, Container c, Path dir) {
    PodVolumes out = new PodVolumes();
    try {
      for (VolumeMount m : c.getVolumeMounts()) {
        if (m.getSubPath() != null || m.getSubPathExpr() != null) {
          throw new PodRuntime.Refused(
              "volumeMount " + m.getName() + ": subPath is not" + " supported");
        }
        Volume v =
            pod.getSpec().getVolumes().stream()
                .filter(x -> x.getName().equals(m.getName()))
                .findFirst()
                .orElseThrow(
                    () ->
                        new PodRuntime.Refused("volumeMount " + m.getName() + " names no volume"));
        out.add(client, pod, v, m, dir.resolve("volumes").resolve(v.getName()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (TrainerContainer.Refused e) {
      throw new PodRuntime.Refused(e.getMessage());
    }
    return out;
  }

  List<String> args() {
    return args;
  }

  /**
   * The first emptyDir over its {@code sizeLimit}, as the message of a kubelet's eviction, if any.
   */
  Optional<String> overLimit() {
    for (var e : sized.entrySet()) {
      long used = size(e.getValue());
      long limit = limits.get(e.getKey());
      if (used > limit) {
        return Optional.of(
            "Usage of EmptyDir volume \""
                + e.getKey()
                + "\" exceeds the limit \""
                + limit
                + "\" ("
                + used
                + " bytes used).");
      }
    }
    return Optional.empty();
  }

  private void add(KubernetesClient client, Pod pod, Volume v, VolumeMount m, Path folder)
      throws IOException {
    String ns = pod.getMetadata().getNamespace();
    String ro = Boolean.TRUE.equals(m.getReadOnly()) ? ":ro" : "";
    if (v.getEmptyDir() != null) {
      Quantity limit = v.getEmptyDir().getSizeLimit();
      if ("Memory".equals(v.getEmptyDir().getMedium())) {
        String size =
            limit == null ? "" : ",tmpfs-size=" + limit.getNumericalAmount().toBigInteger();
        args.addAll(
            List.of(
                "--mount",
                "type=tmpfs,destination=" + m.getMountPath() + ",tmpfs-mode=1777" + size));
        return;
      }
      boolean fresh = !Files.isDirectory(folder);
      Files.createDirectories(folder);
      if (fresh) {
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxrwxrwx"));
      }
      if (limit != null) {
        sized.put(v.getName(), folder);
        limits.put(v.getName(), limit.getNumericalAmount().toBigInteger().longValueExact());
      }
      args.addAll(List.of("--volume", folder + ":" + m.getMountPath() + ro));
      return;
    }
    Map<String, String> files = new LinkedHashMap<>();
    if (v.getConfigMap() != null) {
      files.putAll(
          items(
              PodSources.configMap(client, ns, v.getConfigMap().getName()),
              v.getConfigMap().getItems(),
              v.getName()));
    } else if (v.getSecret() != null) {
      files.putAll(
          items(
              PodSources.secret(client, ns, v.getSecret().getSecretName()),
              v.getSecret().getItems(),
              v.getName()));
    } else if (v.getProjected() != null) {
      for (VolumeProjection p : v.getProjected().getSources()) {
        files.putAll(projection(client, pod, p, v.getName()));
      }
    } else {
      throw new PodRuntime.Refused(
          "volume "
              + v.getName()
              + ": only emptyDir, configMap,"
              + " secret and projected (serviceAccountToken, configMap, downwardAPI) volumes are"
              + " supported");
    }
    Files.createDirectories(folder);
    Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
    for (var f : files.entrySet()) {
      Path file = folder.resolve(f.getKey());
      Files.createDirectories(file.getParent());
      Files.writeString(file, f.getValue());
      // Readable by the container's user, as a kubelet's default mode 0644.
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    }
    // A kubelet mounts ConfigMaps, Secrets and projected volumes read-only whatever the mount.
    args.addAll(List.of("--volume", folder + ":" + m.getMountPath() + ":ro"));
  }

  private static Map<String, String> items(
      Map<String, String> data, List<KeyToPath> items, String volume) {
    if (items == null || items.isEmpty()) {
      return data;
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (KeyToPath i : items) {
      String value = data.get(i.getKey());
      if (value == null) {
        throw new PodRuntime.Refused("volume " + volume + ": key " + i.getKey() + " not found");
      }
      out.put(i.getPath(), value);
    }
    return out;
  }

  private static Map<String, String> projection(
      KubernetesClient client, Pod pod, VolumeProjection p, String volume) {
    String ns = pod.getMetadata().getNamespace();
    if (p.getServiceAccountToken() != null) {
      var t = p.getServiceAccountToken();
      TokenRequest request =
          new TokenRequestBuilder()
              .withNewSpec()
              .withAudiences(t.getAudience() == null ? List.of() : List.of(t.getAudience()))
              .withExpirationSeconds(
                  t.getExpirationSeconds() == null ? 3607L : t.getExpirationSeconds())
              .withNewBoundObjectRef()
              .withKind("Pod")
              .withApiVersion("v1")
              .withName(pod.getMetadata().getName())
              .withUid(pod.getMetadata().getUid())
              .endBoundObjectRef()
              .endSpec()
              .build();
      String sa = Optional.ofNullable(pod.getSpec().getServiceAccountName()).orElse("default");
      TokenRequest issued =
          client.serviceAccounts().inNamespace(ns).withName(sa).tokenRequest(request);
      return Map.of(t.getPath(), issued.getStatus().getToken());
    }
    if (p.getConfigMap() != null) {
      return items(
          PodSources.configMap(client, ns, p.getConfigMap().getName()),
          p.getConfigMap().getItems(),
          volume);
    }
    if (p.getSecret() != null) {
      return items(
          PodSources.secret(client, ns, p.getSecret().getName()), p.getSecret().getItems(), volume);
    }
    if (p.getDownwardAPI() != null) {
      Map<String, String> out = new LinkedHashMap<>();
      for (var item : p.getDownwardAPI().getItems()) {
        String field = item.getFieldRef() == null ? null : item.getFieldRef().getFieldPath();
        String value =
            switch (field == null ? "" : field) {
              case "metadata.namespace" -> ns;
              case "metadata.name" -> pod.getMetadata().getName();
              case "metadata.uid" -> pod.getMetadata().getUid();
              default ->
                  throw new PodRuntime.Refused(
                      "volume "
                          + volume
                          + ": downwardAPI item "
                          + item.getPath()
                          + ": only metadata.namespace, metadata.name and metadata.uid");
            };
        out.put(item.getPath(), value);
      }
      return out;
    }
    throw new PodRuntime.Refused(
        "volume "
            + volume
            + ": projected sources other than"
            + " serviceAccountToken, configMap, secret and downwardAPI are not supported");
  }

  private static long size(Path folder) {
    try (Stream<Path> files = Files.walk(folder)) {
      return files
          .filter(Files::isRegularFile)
          .mapToLong(
              f -> {
                try {
                  return Files.size(f);
                } catch (IOException e) {
                  return 0; // removed meanwhile
                }
              })
          .sum();
    } catch (IOException | UncheckedIOException e) {
      return 0;
    }
  }

  static BigInteger bytes(Quantity q) {
    return q.getNumericalAmount().toBigInteger();
  }
}
