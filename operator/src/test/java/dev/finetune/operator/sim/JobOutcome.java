package dev.finetune.operator.sim;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The status the Job controller writes when a trainer Job's only pod ended (backoffLimit 0):
 * Complete with a completion time, or Failed with reason BackoffLimitExceeded. Shared by the test
 * kubelets.
 */
public final class JobOutcome {
  private JobOutcome() {}

  /** Writes the ended status of Job {@code name}, keeping its start time. */
  public static void write(KubernetesClient client, String ns, String name, boolean succeeded) {
    write(client, ns, name, succeeded, succeeded ? "Completed" : "BackoffLimitExceeded", null);
  }

  /**
   * The Job failed by a podFailurePolicy FailJob rule on the trainer's exit code, with the Job
   * controller's message; otherwise as {@link #write(KubernetesClient, String, String, boolean)}.
   */
  public static void write(KubernetesClient client, String ns, Job job, String pod, int code) {
    var policy = job.getSpec().getPodFailurePolicy();
    if (code != 0 && policy != null) {
      for (int i = 0; i < policy.getRules().size(); i++) {
        var codes = policy.getRules().get(i).getOnExitCodes();
        if (codes != null && "In".equals(codes.getOperator()) && codes.getValues().contains(code)) {
          write(
              client,
              ns,
              job.getMetadata().getName(),
              false,
              "PodFailurePolicy",
              "Container "
                  + codes.getContainerName()
                  + " for pod "
                  + ns
                  + "/"
                  + pod
                  + " failed with exit code "
                  + code
                  + " matching "
                  + policy.getRules().get(i).getAction()
                  + " rule at index "
                  + i);
          return;
        }
      }
    }
    write(client, ns, job.getMetadata().getName(), code == 0);
  }

  private static void write(
      KubernetesClient client,
      String ns,
      String name,
      boolean succeeded,
      String reason,
      String message) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(ns)
        .withName(name)
        .editStatus(
            j -> {
              var status =
                  new JobStatusBuilder()
                      .withActive(0)
                      .withSucceeded(succeeded ? 1 : 0)
                      .withFailed(succeeded ? 0 : 1)
                      .withStartTime(startTime(j))
                      .withConditions(
                          new JobConditionBuilder()
                              .withType(succeeded ? "Complete" : "Failed")
                              .withStatus("True")
                              .withReason(reason)
                              .withMessage(message)
                              .withLastTransitionTime(now)
                              .build());
              if (succeeded) {
                status.withCompletionTime(now);
              }
              j.setStatus(status.build());
              return j;
            });
  }

  /**
   * A pod's metadata as the Job controller writes it: the template's labels and annotations, {@code
   * job-name}, the Job's uid in {@code batch.kubernetes.io/controller-uid} and {@code
   * controller-uid}, and a controller ownerReference to the Job.
   */
  public static io.fabric8.kubernetes.api.model.ObjectMeta podMetadata(Job job, String podName) {
    var template = job.getSpec().getTemplate().getMetadata();
    String uid = job.getMetadata().getUid();
    return new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
        .withName(podName)
        .withNamespace(job.getMetadata().getNamespace())
        .withLabels(template.getLabels())
        .addToLabels("job-name", job.getMetadata().getName())
        .addToLabels("batch.kubernetes.io/controller-uid", uid)
        .addToLabels("controller-uid", uid)
        .withAnnotations(template.getAnnotations())
        .addNewOwnerReference()
        .withApiVersion("batch/v1")
        .withKind("Job")
        .withName(job.getMetadata().getName())
        .withUid(uid)
        .withController(true)
        .withBlockOwnerDeletion(true)
        .endOwnerReference()
        .build();
  }

  private static String startTime(Job j) {
    return j.getStatus() == null ? null : j.getStatus().getStartTime();
  }
}
