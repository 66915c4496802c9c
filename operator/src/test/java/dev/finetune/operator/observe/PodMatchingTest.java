package dev.finetune.operator.observe;

import static dev.finetune.operator.Fixtures.job;
import static dev.finetune.operator.Fixtures.runningPod;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pods belong to a Job by its uid (controller-uid), never by name or labels alone. */
class PodMatchingTest {
  static Job jobWithUid(String uid) {
    return new JobBuilder(job("a", 1).build()).editMetadata().withUid(uid).endMetadata().build();
  }

  static Pod ownedBy(String uid) {
    return new PodBuilder(runningPod("a", 1))
        .editMetadata()
        .withName("a-attempt-1-" + uid)
        .addNewOwnerReference()
        .withKind("Job")
        .withName("a-attempt-1")
        .withUid(uid)
        .withController(true)
        .endOwnerReference()
        .endMetadata()
        .build();
  }

  static Pod labelled(String uid) {
    return new PodBuilder(runningPod("a", 1))
        .editMetadata()
        .withName("a-attempt-1-l" + uid)
        .addToLabels(Labels.CONTROLLER_UID, uid)
        .endMetadata()
        .build();
  }

  @Test
  void aPreviousIncarnationsPodWithTheSameLabelsIsNotOurs() {
    Job current = jobWithUid("new");
    List<Pod> pods =
        List.of(
            ownedBy("old"), ownedBy("new"), labelled("old"), labelled("new"), runningPod("a", 1));
    assertEquals(
        List.of("a-attempt-1-new", "a-attempt-1-lnew"),
        JobObserver.podsOf(current, pods).stream().map(p -> p.getMetadata().getName()).toList());
  }

  @Test
  void theOwnerReferenceWinsOverALabel() {
    Pod both =
        new PodBuilder(ownedBy("new"))
            .editMetadata()
            .addToLabels(Labels.CONTROLLER_UID, "old")
            .endMetadata()
            .build();
    assertEquals(1, JobObserver.podsOf(jobWithUid("new"), List.of(both)).size());
    assertEquals(0, JobObserver.podsOf(jobWithUid("old"), List.of(both)).size());
  }

  @Test
  void aJobWithoutUidHasNoPods() {
    assertEquals(List.of(), JobObserver.podsOf(job("a", 1).build(), List.of(ownedBy("x"))));
  }
}
