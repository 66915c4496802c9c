package dev.finetune.images;

import dev.finetune.operator.cluster.PodRuntime;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A pod's and its container's securityContext as {@code podman run} flags, as a kubelet applies
 * them: user and group (the container's over the pod's; else the image's own user), runAsNonRoot
 * checked against the user that will run, fsGroup as a supplementary group, readOnlyRootFilesystem
 * with nothing writable added, capabilities dropped and added, no privilege escalation, seccomp
 * RuntimeDefault (podman's default profile). Privileged containers and other seccomp or SELinux
 * settings are refused.
 */
final class SecurityArgs {
  private SecurityArgs() {}

  static List<String> of(PodSecurityContext pod, SecurityContext c, String image) {
    PodSecurityContext p = pod == null ? new PodSecurityContext() : pod;
    SecurityContext s = c == null ? new SecurityContext() : c;
    if (Boolean.TRUE.equals(s.getPrivileged())) {
      throw new PodRuntime.Refused("securityContext.privileged: privileged containers are not run");
    }
    if (s.getSeLinuxOptions() != null || p.getSeLinuxOptions() != null) {
      throw new PodRuntime.Refused("securityContext.seLinuxOptions is not supported");
    }
    var seccomp = s.getSeccompProfile() != null ? s.getSeccompProfile() : p.getSeccompProfile();
    if (seccomp != null && !"RuntimeDefault".equals(seccomp.getType())) {
      throw new PodRuntime.Refused(
          "securityContext.seccompProfile.type "
              + seccomp.getType()
              + ": only RuntimeDefault (podman's default profile)");
    }
    List<String> args = new ArrayList<>();
    Long uid = s.getRunAsUser() != null ? s.getRunAsUser() : p.getRunAsUser();
    Long group = s.getRunAsGroup() != null ? s.getRunAsGroup() : p.getRunAsGroup();
    boolean nonRoot =
        Boolean.TRUE.equals(s.getRunAsNonRoot()) || Boolean.TRUE.equals(p.getRunAsNonRoot());
    if (nonRoot) {
      long effective = uid != null ? uid : imageUser(image);
      if (effective == 0) {
        throw new PodRuntime.Refused(
            "runAsNonRoot is set but the container would run as" + " root (uid 0)");
      }
    }
    if (uid != null) {
      args.addAll(List.of("--user", uid + (group == null ? "" : ":" + group)));
    } else if (group != null) {
      throw new PodRuntime.Refused(
          "securityContext.runAsGroup without runAsUser is not" + " supported");
    }
    if (p.getFsGroup() != null) {
      args.addAll(List.of("--group-add", p.getFsGroup().toString()));
    }
    for (Long g : p.getSupplementalGroups()) {
      args.addAll(List.of("--group-add", g.toString()));
    }
    if (Boolean.TRUE.equals(s.getReadOnlyRootFilesystem())) {
      // Podman would add writable /tmp, /var/tmp and /run; a kubelet adds nothing.
      args.addAll(List.of("--read-only", "--read-only-tmpfs=false"));
    }
    Capabilities caps = s.getCapabilities();
    if (caps != null) {
      for (String d : caps.getDrop()) {
        args.add("--cap-drop=" + d.toLowerCase(java.util.Locale.ROOT));
      }
      for (String a : caps.getAdd()) {
        args.add("--cap-add=" + a.toLowerCase(java.util.Locale.ROOT));
      }
    }
    if (Boolean.FALSE.equals(s.getAllowPrivilegeEscalation())) {
      args.add("--security-opt=no-new-privileges");
    }
    return args;
  }

  /** The numeric user the image runs as ({@code USER} of its Containerfile); 0 when unset. */
  private static long imageUser(String image) {
    String user =
        Podman.run(
                Duration.ofSeconds(30), "image", "inspect", "--format", "{{.Config.User}}", image)
            .check("podman image inspect")
            .output()
            .strip();
    String name = user.contains(":") ? user.substring(0, user.indexOf(':')) : user;
    if (name.isEmpty() || name.equals("root")) {
      return 0;
    }
    try {
      return Long.parseLong(name);
    } catch (NumberFormatException e) {
      throw new PodRuntime.Refused(
          "runAsNonRoot: the image's user \""
              + user
              + "\" is not"
              + " numeric, so it cannot be verified as non-root (set runAsUser)");
    }
  }
}
