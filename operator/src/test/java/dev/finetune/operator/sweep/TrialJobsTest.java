package dev.finetune.operator.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.FineTuneSweep;
import dev.finetune.api.v1alpha1.status.FineTuneJobStatus;
import dev.finetune.api.v1alpha1.status.RunMetrics;
import dev.finetune.contract.sweep.SearchPoints;
import dev.finetune.contract.sweep.TrialNames;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The FineTuneJobs a sweep creates, and the observer reading them back. */
class TrialJobsTest {
  static FineTuneSweep example() throws Exception {
    FineTuneSweep sweep =
        Serialization.unmarshal(
            Files.readString(Path.of("../deploy/examples/hotdog-sweep.yaml")), FineTuneSweep.class);
    sweep.getMetadata().setNamespace("team-a");
    sweep.getMetadata().setUid("sweep-uid");
    return sweep;
  }

  @Test
  void trialIsOwnedLabelledAndNamedFromItsAssignment() throws Exception {
    FineTuneSweep sweep = example();
    var first = SearchPoints.trials(sweep.getSpec()).get(0);
    String name = TrialNames.trial("hotdog-sweep", first);
    FineTuneJob job = TrialJobs.of(sweep, Trial.missing(name, first));
    assertEquals(name, job.getMetadata().getName());
    assertEquals("team-a", job.getMetadata().getNamespace());
    assertEquals("hotdog-sweep", job.getMetadata().getLabels().get(TrialJobs.SWEEP_LABEL));
    assertEquals("trial", job.getMetadata().getLabels().get(TrialJobs.ROLE_LABEL));
    OwnerReference owner = job.getMetadata().getOwnerReferences().get(0);
    assertEquals("sweep-uid", owner.getUid());
    assertEquals("FineTuneSweep", owner.getKind());
    assertTrue(owner.getController());
    assertEquals(List.of(), job.getSpec().training.freeze);
    assertEquals(1.0, job.getSpec().training.headLearningRateMultiplier);
    assertEquals("s3://finetune/sweeps/hotdog/" + name, job.getSpec().checkpoints.uri);
    assertNull(job.getSpec().baseline);
  }

  @Test
  void baselineTrainsFromScratch() throws Exception {
    FineTuneSweep sweep = example();
    FineTuneJob job = TrialJobs.of(sweep, Trial.missing("hotdog-sweep-baseline", null));
    assertEquals("baseline", job.getMetadata().getLabels().get(TrialJobs.ROLE_LABEL));
    assertNull(job.getSpec().model.pretrained);
    assertEquals(5.0e-4, job.getSpec().training.learningRate);
  }

  /** Only FineTuneJobs the sweep owns are its trials; status is read as any client reads it. */
  @Test
  void observerMatchesOwnedJobsByName() throws Exception {
    FineTuneSweep sweep = example();
    var plan = SearchPoints.trials(sweep.getSpec());
    List<FineTuneJob> jobs = new ArrayList<>();
    FineTuneJob done =
        TrialJobs.of(
            sweep, Trial.missing(TrialNames.trial("hotdog-sweep", plan.get(0)), plan.get(0)));
    done.setStatus(new FineTuneJobStatus());
    done.getStatus().phase = "Succeeded";
    done.getStatus().metrics = new RunMetrics();
    done.getStatus().metrics.testAccuracy = "0.9375";
    jobs.add(done);
    FineTuneJob stranger =
        TrialJobs.of(
            sweep, Trial.missing(TrialNames.trial("hotdog-sweep", plan.get(1)), plan.get(1)));
    stranger.getMetadata().getOwnerReferences().get(0).setUid("another-sweep");
    jobs.add(stranger);
    SweepObservation o = SweepObserver.observe(sweep, jobs);
    assertEquals(9, o.trials().size());
    assertTrue(o.trials().get(0).succeeded());
    assertEquals(0.9375, o.trials().get(0).testAccuracy());
    assertEquals(false, o.trials().get(1).exists(), "not owned by this sweep");
    assertEquals("hotdog-sweep-baseline", o.baseline().name());
    assertEquals(false, o.baseline().exists());
  }
}
