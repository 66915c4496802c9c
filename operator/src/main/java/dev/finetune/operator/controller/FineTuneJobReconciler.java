package dev.finetune.operator.controller;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.status.FineTuneJobStatus;
import dev.finetune.operator.act.AttemptPlanner;
import dev.finetune.operator.act.Plan;
import dev.finetune.operator.act.SpecConfigMapResource;
import dev.finetune.operator.act.TrainerJobResource;
import dev.finetune.operator.config.OperatorConfig;
import dev.finetune.operator.metrics.PhaseGauge;
import dev.finetune.operator.observe.JobObserver;
import dev.finetune.operator.observe.Labels;
import dev.finetune.operator.observe.MetricsScraper;
import dev.finetune.operator.observe.Observation;
import dev.finetune.operator.status.EventRecorder;
import dev.finetune.operator.status.Phase;
import dev.finetune.operator.status.StatusBuilder;
import dev.finetune.operator.validate.SpecValidator;
import dev.finetune.operator.validate.Validation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import io.quarkiverse.operatorsdk.annotations.RBACRule;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Turns a FineTuneJob into trainer Jobs, one per attempt, in four phases:
 * (1) observe, (2) validate, (3) act, (4) status. See docs/controller-flow.md.
 */
@ControllerConfiguration(name = "finetunejob")
@RBACRule(apiGroups = "batch", resources = "jobs",
    verbs = {"get", "list", "watch", "create", "delete", "patch"})
@RBACRule(apiGroups = "", resources = "pods", verbs = {"get", "list", "watch", "delete"})
@RBACRule(apiGroups = "", resources = "configmaps", verbs = {"get", "list", "watch", "create"})
@RBACRule(apiGroups = "", resources = "events", verbs = {"create"})
public class FineTuneJobReconciler implements Reconciler<FineTuneJob> {
  private static final Logger LOG = Logger.getLogger(FineTuneJobReconciler.class);

  @Inject
  OperatorConfig config;

  @Inject
  KubernetesClient client;

  @Inject
  PhaseGauge phaseGauge;

  private MetricsScraper scraper;

  @jakarta.annotation.PostConstruct
  void init() {
    scraper = MetricsScraper.http(config.metricsTimeout());
  }

  @Override
  public List<EventSource<?, FineTuneJob>> prepareEventSources(
      EventSourceContext<FineTuneJob> context) {
    var jobs = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Job.class, FineTuneJob.class)
            .withName("trainer-jobs")
            .withLabelSelector(Labels.JOB)
            .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(FineTuneJob.class))
            .build(),
        context);
    var pods = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Pod.class, FineTuneJob.class)
            .withName("trainer-pods")
            .withLabelSelector(Labels.JOB)
            .withSecondaryToPrimaryMapper((Pod p) -> Set.of(new ResourceID(
                p.getMetadata().getLabels().get(Labels.JOB), p.getMetadata().getNamespace())))
            .build(),
        context);
    return List.of(jobs, pods);
  }

  @Override
  public UpdateControl<FineTuneJob> reconcile(FineTuneJob ftj, Context<FineTuneJob> context) {
    phaseGauge.watch(() -> context.getPrimaryCache().list());
    Instant now = Instant.now();
    String ns = ftj.getMetadata().getNamespace();
    FineTuneJobStatus previous = ftj.getStatus();

    // (1) Observe: read-only.
    Observation observation = JobObserver.observe(ftj, context, scraper, config.metricsPort());

    // (2) Validate what the schema cannot.
    Validation validation = SpecValidator.validate(ftj,
        name -> context.getPrimaryCache().get(new ResourceID(name, ns)), now,
        config.sourceGrace());

    // The status is a function of what was observed; it is written in (4).
    FineTuneJobStatus status = StatusBuilder.build(ftj, observation, validation, now);

    // (3) Act: create the next attempt, stop one, or wait.
    Plan plan = AttemptPlanner.plan(ftj, observation, validation, status, now,
        config.backoffBase(), config.backoffMax());
    Duration reschedule = act(ftj, plan, validation);
    if (validation instanceof Validation.Waiting) {
      reschedule = config.sourceRecheck();
    } else if (reschedule == null && Phase.of(status.phase) == Phase.RUNNING) {
      reschedule = config.metricsInterval(); // refresh progress and accuracy from the trainer
    }

    // (4) Status: events for transitions, write only when something changed.
    recordTransition(ftj, previous, status);
    UpdateControl<FineTuneJob> control;
    if (StatusBuilder.same(previous, status)) {
      control = UpdateControl.noUpdate();
    } else {
      ftj.setStatus(status);
      control = UpdateControl.patchStatus(ftj);
    }
    return reschedule == null ? control : control.rescheduleAfter(reschedule);
  }

  private Duration act(FineTuneJob ftj, Plan plan, Validation validation) {
    String ns = ftj.getMetadata().getNamespace();
    if (plan instanceof Plan.CreateAttempt create) {
      SpecConfigMapResource.create(client, ftj);
      String fromJobUri = ((Validation.Valid) validation).fromJobModelUri();
      Job job = TrainerJobResource.desired(ftj, create.number(), config, fromJobUri);
      if (TrainerJobResource.create(client, job)) {
        LOG.infof("%s/%s: created %s", ns, ftj.getMetadata().getName(), job.getMetadata().getName());
        EventRecorder.normal(client, ftj, "AttemptCreated", "created trainer Job "
            + job.getMetadata().getName());
      }
    } else if (plan instanceof Plan.StopAttempt stop) {
      LOG.infof("%s/%s: suspending, stopping %s", ns, ftj.getMetadata().getName(),
          stop.attempt().jobName());
      TrainerJobResource.stop(client, ns, stop.attempt());
      EventRecorder.normal(client, ftj, "Suspending", "stopping trainer Job "
          + stop.attempt().jobName() + "; it checkpoints on SIGTERM");
    } else if (plan instanceof Plan.WaitBackoff wait) {
      return wait.delay();
    }
    return null;
  }

  private void recordTransition(FineTuneJob ftj, FineTuneJobStatus previous,
      FineTuneJobStatus status) {
    String before = previous == null ? null : previous.phase;
    if (status.phase.equals(before)) {
      return;
    }
    Phase phase = Phase.of(status.phase);
    String message = status.conditions.stream()
        .filter(c -> "True".equals(c.getStatus()) || "Running".equals(c.getType()))
        .filter(c -> c.getMessage() != null && !c.getMessage().isEmpty())
        .map(c -> c.getMessage()).findFirst().orElse(phase.description());
    if (phase == Phase.FAILED) {
      EventRecorder.warning(client, ftj, status.phase, message);
    } else {
      EventRecorder.normal(client, ftj, status.phase, message);
    }
  }
}
