package dev.finetune.operator.it;

import dev.finetune.operator.observe.Labels;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Plays the Job controller and the kubelet, which the mock API server does not have: starts a
 * trainer Job's pod and writes how it ended.
 */
final class FakeKubelet {
  private final KubernetesClient client;
  private final String ns;

  FakeKubelet(KubernetesClient client, String ns) {
    this.client = client;
    this.ns = ns;
  }

  Job job(String name) {
    return client.batch().v1().jobs().inNamespace(ns).withName(name).get();
  }

  /** The Job's pod is scheduled and its trainer runs. */
  Pod run(String jobName) {
    Job job = job(jobName);
    Pod pod = new PodBuilder()
        .withMetadata(dev.finetune.operator.sim.JobOutcome.podMetadata(job, jobName + "-pod"))
        .withSpec(job.getSpec().getTemplate().getSpec())
        .withNewStatus().withPhase("Running").withPodIP("127.0.0.1").endStatus().build();
    client.pods().inNamespace(ns).resource(pod).create();
    client.batch().v1().jobs().inNamespace(ns).withName(jobName)
        .editStatus(j -> {
          j.setStatus(new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder()
              .withActive(1).build());
          return j;
        });
    return pod;
  }

  /** The trainer exits with {@code code}; the Job fails (backoffLimit 0) unless it is 0. */
  void exit(String jobName, int code, String terminationMessage) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    client.pods().inNamespace(ns).withName(jobName + "-pod").editStatus(p -> {
      p.getStatus().setPhase(code == 0 ? "Succeeded" : "Failed");
      p.getStatus().setContainerStatuses(java.util.List.of(
          new io.fabric8.kubernetes.api.model.ContainerStatusBuilder()
              .withName(Labels.TRAINER_CONTAINER).withNewState().withNewTerminated()
              .withExitCode(code).withMessage(terminationMessage).withFinishedAt(now)
              .endTerminated().endState().build()));
      return p;
    });
    finish(jobName, code == 0);
  }

  /** The Job controller notices its pod ended (or vanished) and records the outcome. */
  void finish(String jobName, boolean succeeded) {
    dev.finetune.operator.sim.JobOutcome.write(client, ns, jobName, succeeded);
  }
}
