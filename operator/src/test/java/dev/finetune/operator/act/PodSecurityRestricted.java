package dev.finetune.operator.act;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The checks of the Kubernetes Pod Security Standard "restricted" (which includes "baseline"), as
 * the PodSecurity admission controller of Kubernetes 1.32 applies them to a pod spec. Returns the
 * violations, each naming the field, so a test can show exactly what a namespace labelled {@code
 * pod-security.kubernetes.io/enforce: restricted} would reject.
 */
public final class PodSecurityRestricted {
  static final Set<String> VOLUME_TYPES =
      Set.of(
          "configMap",
          "csi",
          "downwardAPI",
          "emptyDir",
          "ephemeral",
          "persistentVolumeClaim",
          "projected",
          "secret");
  static final Set<String> SAFE_SYSCTLS =
      Set.of(
          "kernel.shm_rmid_forced",
          "net.ipv4.ip_local_port_range",
          "net.ipv4.ip_unprivileged_port_start",
          "net.ipv4.tcp_syncookies",
          "net.ipv4.ping_group_range",
          "net.ipv4.ip_local_reserved_ports",
          "net.ipv4.tcp_keepalive_time",
          "net.ipv4.tcp_fin_timeout",
          "net.ipv4.tcp_keepalive_intvl",
          "net.ipv4.tcp_keepalive_probes");

  private PodSecurityRestricted() {}

  public static List<String> violations(PodSpec pod) {
    List<String> v = new ArrayList<>();
    PodSecurityContext psc = pod.getSecurityContext();
    if (Boolean.TRUE.equals(pod.getHostNetwork())
        || Boolean.TRUE.equals(pod.getHostPID())
        || Boolean.TRUE.equals(pod.getHostIPC())) {
      v.add("spec.hostNetwork/hostPID/hostIPC must be unset or false");
    }
    for (Volume vol : pod.getVolumes()) {
      String type = volumeType(vol);
      if (!VOLUME_TYPES.contains(type)) {
        v.add("spec.volumes[" + vol.getName() + "]: type " + type + " is not allowed");
      }
    }
    if (psc != null && psc.getSysctls() != null) {
      psc.getSysctls().stream()
          .filter(s -> !SAFE_SYSCTLS.contains(s.getName()))
          .forEach(s -> v.add("spec.securityContext.sysctls: " + s.getName() + " is unsafe"));
    }
    if (psc != null && psc.getRunAsUser() != null && psc.getRunAsUser() == 0) {
      v.add("spec.securityContext.runAsUser must not be 0");
    }
    boolean podNonRoot = psc != null && Boolean.TRUE.equals(psc.getRunAsNonRoot());
    boolean podSeccomp = psc != null && seccompOk(psc.getSeccompProfile());
    if (psc != null && psc.getSeccompProfile() != null && !podSeccomp) {
      v.add("spec.securityContext.seccompProfile.type must be RuntimeDefault or Localhost");
    }
    List<Container> containers =
        Stream.concat(pod.getInitContainers().stream(), pod.getContainers().stream()).toList();
    for (Container c : containers) {
      String at = "container " + c.getName() + ": ";
      SecurityContext sc = c.getSecurityContext();
      if (c.getPorts() != null
          && c.getPorts().stream().anyMatch(p -> p.getHostPort() != null && p.getHostPort() != 0)) {
        v.add(at + "ports[].hostPort must be unset or 0");
      }
      if (sc == null) {
        v.add(at + "securityContext is required (allowPrivilegeEscalation, capabilities)");
        continue;
      }
      if (Boolean.TRUE.equals(sc.getPrivileged())) {
        v.add(at + "securityContext.privileged must be false");
      }
      if (!Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
        v.add(at + "securityContext.allowPrivilegeEscalation must be false");
      }
      Capabilities caps = sc.getCapabilities();
      if (caps == null || caps.getDrop() == null || !caps.getDrop().contains("ALL")) {
        v.add(at + "securityContext.capabilities.drop must include ALL");
      }
      if (caps != null
          && caps.getAdd() != null
          && caps.getAdd().stream().anyMatch(a -> !a.equals("NET_BIND_SERVICE"))) {
        v.add(at + "securityContext.capabilities.add may only hold NET_BIND_SERVICE");
      }
      if (!(podNonRoot && sc.getRunAsNonRoot() == null)
          && !Boolean.TRUE.equals(sc.getRunAsNonRoot())) {
        v.add(at + "runAsNonRoot must be true (pod or container)");
      }
      if (sc.getRunAsUser() != null && sc.getRunAsUser() == 0) {
        v.add(at + "securityContext.runAsUser must not be 0");
      }
      if (sc.getSeccompProfile() != null ? !seccompOk(sc.getSeccompProfile()) : !podSeccomp) {
        v.add(at + "seccompProfile.type must be RuntimeDefault or Localhost (pod or container)");
      }
      if (sc.getProcMount() != null && !"Default".equals(sc.getProcMount())) {
        v.add(at + "securityContext.procMount must be Default");
      }
      if (sc.getSeLinuxOptions() != null
          && (sc.getSeLinuxOptions().getUser() != null
              || sc.getSeLinuxOptions().getRole() != null)) {
        v.add(at + "securityContext.seLinuxOptions user/role must be unset");
      }
      if (sc.getAppArmorProfile() != null
          && "Unconfined".equals(sc.getAppArmorProfile().getType())) {
        v.add(at + "securityContext.appArmorProfile must not be Unconfined");
      }
    }
    return v;
  }

  private static boolean seccompOk(SeccompProfile p) {
    return p != null && ("RuntimeDefault".equals(p.getType()) || "Localhost".equals(p.getType()));
  }

  private static String volumeType(Volume v) {
    if (v.getConfigMap() != null) {
      return "configMap";
    } else if (v.getCsi() != null) {
      return "csi";
    } else if (v.getDownwardAPI() != null) {
      return "downwardAPI";
    } else if (v.getEmptyDir() != null) {
      return "emptyDir";
    } else if (v.getEphemeral() != null) {
      return "ephemeral";
    } else if (v.getPersistentVolumeClaim() != null) {
      return "persistentVolumeClaim";
    } else if (v.getProjected() != null) {
      return "projected";
    } else if (v.getSecret() != null) {
      return "secret";
    } else if (v.getHostPath() != null) {
      return "hostPath";
    }
    return "other";
  }
}
