package dev.finetune.operator.sim;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * What a node reads from the API server to start a pod's container: its env ({@code envFrom}
 * Secrets and ConfigMaps, then {@code env} values, fieldRefs, secretKeyRef and configMapKeyRef) and
 * the data of Secrets and ConfigMaps. A reference it cannot resolve (a missing object or key, an
 * unsupported fieldRef) is a {@link TrainerContainer.Refused} naming it.
 */
public final class PodSources {
  private PodSources() {}

  /**
   * The container's environment as a kubelet builds it: {@code envFrom} first (a ConfigMap's keys
   * with the source's prefix), then {@code env}, whose values pass through {@code values}.
   */
  public static Map<String, String> env(
      KubernetesClient client,
      String ns,
      String podName,
      Container c,
      UnaryOperator<String> values) {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvFromSource from : c.getEnvFrom()) {
      String prefix = from.getPrefix() == null ? "" : from.getPrefix();
      Map<String, String> data;
      if (from.getSecretRef() != null) {
        data = secret(client, ns, from.getSecretRef().getName());
      } else if (from.getConfigMapRef() != null) {
        data = configMap(client, ns, from.getConfigMapRef().getName());
      } else {
        throw new TrainerContainer.Refused("envFrom: only secretRef and configMapRef");
      }
      data.forEach((k, v) -> env.put(prefix + k, v));
    }
    for (EnvVar e : c.getEnv()) {
      env.put(
          e.getName(),
          e.getValueFrom() == null
              ? values.apply(e.getValue() == null ? "" : e.getValue())
              : valueFrom(client, ns, podName, e));
    }
    return env;
  }

  public static String valueFrom(KubernetesClient client, String ns, String podName, EnvVar e) {
    var from = e.getValueFrom();
    if (from.getFieldRef() != null) {
      String path = from.getFieldRef().getFieldPath();
      java.util.regex.Matcher keyed =
          java.util.regex.Pattern.compile("metadata\\.(annotations|labels)\\['([^']+)'\\]")
              .matcher(path);
      if (keyed.matches()) {
        // As a kubelet does: the pod's own annotation or label, "" when it has none.
        var pod = client.pods().inNamespace(ns).withName(podName).get();
        var map =
            pod == null
                ? null
                : "annotations".equals(keyed.group(1))
                    ? pod.getMetadata().getAnnotations()
                    : pod.getMetadata().getLabels();
        return map == null ? "" : map.getOrDefault(keyed.group(2), "");
      }
      return switch (path) {
        case "metadata.namespace" -> ns;
        case "metadata.name" -> podName;
        default ->
            throw new TrainerContainer.Refused(
                "env "
                    + e.getName()
                    + ": fieldRef "
                    + from.getFieldRef().getFieldPath()
                    + " is not supported");
      };
    } else if (from.getSecretKeyRef() != null) {
      return key(
          secret(client, ns, from.getSecretKeyRef().getName()),
          from.getSecretKeyRef().getKey(),
          e.getName());
    } else if (from.getConfigMapKeyRef() != null) {
      return key(
          configMap(client, ns, from.getConfigMapKeyRef().getName()),
          from.getConfigMapKeyRef().getKey(),
          e.getName());
    }
    throw new TrainerContainer.Refused("env " + e.getName() + ": this valueFrom is not supported");
  }

  public static String key(Map<String, String> data, String key, String env) {
    String v = data.get(key);
    if (v == null) {
      throw new TrainerContainer.Refused("env " + env + ": key " + key + " not found");
    }
    return v;
  }

  public static Map<String, String> secret(KubernetesClient client, String ns, String name) {
    Secret s = client.secrets().inNamespace(ns).withName(name).get();
    if (s == null) {
      throw new TrainerContainer.Refused("secret \"" + name + "\" not found");
    }
    Map<String, String> out = new HashMap<>();
    if (s.getData() != null) {
      s.getData()
          .forEach(
              (k, v) ->
                  out.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
    }
    if (s.getStringData() != null) {
      out.putAll(s.getStringData());
    }
    return out;
  }

  public static Map<String, String> configMap(KubernetesClient client, String ns, String name) {
    ConfigMap cm = client.configMaps().inNamespace(ns).withName(name).get();
    if (cm == null) {
      throw new TrainerContainer.Refused("configmap \"" + name + "\" not found");
    }
    return cm.getData() == null ? Map.of() : cm.getData();
  }
}
