package dev.finetune.operator.act;

import static dev.finetune.operator.Fixtures.ftj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import io.fabric8.kubernetes.api.model.CapabilitiesBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Drill 7 (security): every trainer pod the operator makes meets Pod Security "restricted". */
class PodSecurityRestrictedTest {
  static Stream<Arguments> specs() {
    return Stream.of(
        Arguments.of("defaults", (Consumer<FineTuneJobSpec>) s -> {}),
        Arguments.of(
            "GPU with scheduling fields",
            (Consumer<FineTuneJobSpec>)
                s -> {
                  s.resources.gpus = 1;
                  s.resources.cpu = "8";
                  s.nodeSelector = Map.of("nvidia.com/gpu.present", "true");
                  s.priorityClassName = "training";
                }),
        Arguments.of(
            "credentials secret",
            (Consumer<FineTuneJobSpec>) s -> s.checkpoints.credentialsSecret = "s3-creds"),
        Arguments.of("kueue queue", (Consumer<FineTuneJobSpec>) s -> s.queueName = "gpu"),
        Arguments.of("custom image", (Consumer<FineTuneJobSpec>) s -> s.image = "r/t:v2"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void trainerPodsAreRestricted(String name, Consumer<FineTuneJobSpec> edit) {
    PodSpec pod =
        TrainerJobResource.desired(
                ftj("exp").spec(edit).obj(), 1, dev.finetune.operator.Fixtures.config(), null)
            .getSpec()
            .getTemplate()
            .getSpec();
    assertEquals(List.of(), PodSecurityRestricted.violations(pod));
  }

  /** The checker can fail: each loosened field of a trainer pod is named. */
  @Test
  void aLoosenedPodIsRejectedFieldByField() {
    PodSpec good =
        TrainerJobResource.desired(
                ftj("exp").obj(), 1, dev.finetune.operator.Fixtures.config(), null)
            .getSpec()
            .getTemplate()
            .getSpec();
    KubernetesSerialization json = new KubernetesSerialization();
    PodSpec bad = json.unmarshal(json.asJson(good), PodSpec.class);
    bad.setHostNetwork(true);
    bad.getVolumes().add(new VolumeBuilder().withName("host").withNewHostPath("/", null).build());
    var sc = bad.getContainers().get(0).getSecurityContext();
    sc.setPrivileged(true);
    sc.setAllowPrivilegeEscalation(true);
    sc.setRunAsUser(0L);
    sc.setCapabilities(new CapabilitiesBuilder().withAdd("SYS_ADMIN").build());
    sc.setSeccompProfile(new io.fabric8.kubernetes.api.model.SeccompProfile(null, "Unconfined"));
    bad.getContainers()
        .get(0)
        .setPorts(
            List.of(new ContainerPortBuilder().withContainerPort(9400).withHostPort(9400).build()));
    List<String> v = PodSecurityRestricted.violations(bad);
    for (String field :
        List.of(
            "hostNetwork",
            "volumes[host]",
            "privileged",
            "allowPrivilegeEscalation",
            "runAsUser",
            "capabilities.drop",
            "capabilities.add",
            "seccompProfile",
            "hostPort")) {
      assertTrue(v.stream().anyMatch(m -> m.contains(field)), field + " not reported in " + v);
    }
  }
}
