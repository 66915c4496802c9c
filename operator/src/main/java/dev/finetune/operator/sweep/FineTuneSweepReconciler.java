package dev.finetune.operator.sweep;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.FineTuneSweep;
import dev.finetune.api.v1alpha1.sweep.BestTrial;
import dev.finetune.api.v1alpha1.sweep.FineTuneSweepStatus;
import dev.finetune.contract.SpecValidator.Placement;
import dev.finetune.contract.UriSchemes;
import dev.finetune.contract.Violation;
import dev.finetune.contract.sweep.Objectives;
import dev.finetune.contract.sweep.SweepValidator;
import dev.finetune.operator.config.OperatorConfig;
import dev.finetune.operator.metrics.SweepGauge;
import dev.finetune.operator.status.EventRecorder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Runs a FineTuneSweep as FineTuneJobs it owns, in the same four phases as the FineTuneJob
 * controller (docs/controller-flow.md, "FineTuneSweep"): (1) observe the owned FineTuneJobs from
 * the informer cache, read like any client reads them; (2) validate with the contract's {@link
 * SweepValidator} and check that the objective can be measured; (3) act: create the trials and the
 * baseline the {@link SweepPlanner} asks for, delete those it stops; (4) Events and the status,
 * written only when it changed. It uses nothing of the FineTuneJob controller: a trial is a
 * FineTuneJob, and that controller trains it.
 */
@ControllerConfiguration(name = "finetunesweep")
public class FineTuneSweepReconciler implements Reconciler<FineTuneSweep> {
  private static final Logger LOG = Logger.getLogger(FineTuneSweepReconciler.class);

  @Inject OperatorConfig config;

  @Inject KubernetesClient client;

  @Inject SweepGauge sweepGauge;

  /** Every trial's curve, the status table's 50 rows and beyond. */
  private final CurveMemory curveMemory = new CurveMemory();

  @Override
  public List<EventSource<?, FineTuneSweep>> prepareEventSources(
      EventSourceContext<FineTuneSweep> context) {
    var trials =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(FineTuneJob.class, FineTuneSweep.class)
                .withName("sweep-trials")
                .withLabelSelector(TrialJobs.SWEEP_LABEL)
                .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(FineTuneSweep.class))
                .build(),
            context);
    return List.of(trials);
  }

  @Override
  public UpdateControl<FineTuneSweep> reconcile(
      FineTuneSweep sweep, Context<FineTuneSweep> context) {
    Instant now = Instant.now();
    FineTuneSweepStatus previous = sweep.getStatus();
    sweepGauge.watch(() -> context.getPrimaryCache().list());

    // (1) Observe: the FineTuneJobs this sweep owns, from the cache (read only).
    Set<FineTuneJob> owned = context.getSecondaryResources(FineTuneJob.class);

    // (2) Validate: the contract's rules (each trial's spec included), then the objective.
    Optional<String> invalid =
        SweepValidator.firstProblem(
                sweep, Placement.CLUSTER, UriSchemes.orTrainer(config.trainerAllowedSchemes()))
            .map(Violation::text);
    SweepObservation observation =
        invalid.isPresent()
            ? new SweepObservation(List.of(), Trial.missing("", null))
            : SweepObserver.observe(sweep, owned);
    SweepPlan plan =
        SweepPlanner.plan(
            sweep.getSpec(),
            observation,
            invalid,
            Objectives.unmeasurable(sweep.getSpec()),
            previousVerdict(previous));

    // (3) Act: the only writes to children.
    for (Trial t : plan.create()) {
      create(sweep, t);
    }
    String uid = sweep.getMetadata().getUid();
    Map<String, List<Double>> curves = EarlyStopping.curves(observation, previous);
    curveMemory.fill(uid, curves);
    if (sweep.getSpec().earlyStopping != null) {
      for (Trial t : observation.trials()) {
        if (t.succeeded()
            && !succeededBefore(previous, t.name())
            && !curveMemory.wasRead(uid, t.name())) {
          TrialCurves.read(client, sweep, t.name(), config.storageTimeout())
              .ifPresent(
                  c -> {
                    curves.put(t.name(), c);
                    curveMemory.markRead(uid, t.name());
                  });
        }
      }
    }
    if (plan.verdict().ended()) {
      curveMemory.forget(uid);
    } else {
      curveMemory.remember(uid, curves);
    }
    curveMemory.retain(
        context.getPrimaryCache().list().map(s -> s.getMetadata().getUid()).toList());
    if (invalid.isEmpty() && !plan.verdict().ended() && plan.stop().isEmpty()) {
      for (EarlyStopping.Stop stop : EarlyStopping.stops(sweep.getSpec(), observation, curves)) {
        stopEarly(sweep, stop);
      }
    }
    for (Trial t : plan.suspend()) {
      setSuspend(sweep, t, true);
    }
    for (Trial t : plan.resume()) {
      setSuspend(sweep, t, false);
    }
    for (Trial t : plan.stop()) {
      client
          .resources(FineTuneJob.class)
          .inNamespace(sweep.getMetadata().getNamespace())
          .withName(t.name())
          .delete();
      EventRecorder.normal(
          client, sweep, "TrialStopped", "deleted " + t.name() + ": " + plan.verdict().message());
    }

    // The best trial so far; an ended sweep whose trials were deleted keeps the one it had.
    Optional<BestTrial> best =
        invalid.isPresent()
            ? Optional.empty()
            : BestTrials.best(observation, sweep.getSpec().objective);
    if (best.isEmpty() && plan.verdict().ended() && previous != null) {
      best = Optional.ofNullable(previous.bestTrial);
    }
    // Promotion, once the sweep succeeded: decided once (only StorageUnavailable is retried).
    PromotionOutcome promotion = null;
    if (plan.verdict().succeeded()) {
      Optional<BestTrial> winner = best;
      promotion =
          previousPromotion(previous)
              .filter(p -> !p.retry())
              .orElseGet(
                  () ->
                      PromotionOutcome.decide(sweep.getSpec(), winner)
                          .orElseGet(
                              () ->
                                  ModelPromoter.promote(
                                      client, sweep, winner.get(), config.storageTimeout())));
      PromotionOutcome before = previousPromotion(previous).orElse(null);
      if (before == null || !before.reason().equals(promotion.reason())) {
        if (promotion.promoted()) {
          EventRecorder.normal(client, sweep, promotion.reason(), promotion.message());
        } else {
          EventRecorder.warning(client, sweep, promotion.reason(), promotion.message());
        }
      }
    }

    // (4) Status: Events on transitions, then the status if it changed.
    FineTuneSweepStatus status =
        SweepStatusBuilder.build(
            observation,
            plan.verdict(),
            previous,
            sweep.getMetadata().getGeneration(),
            now,
            best.orElse(null),
            promotion,
            curves);
    String before = previous == null ? null : previous.phase;
    String reasonBefore = previous == null ? null : readyReason(previous);
    if (!Objects.equals(before, status.phase)
        || !Objects.equals(reasonBefore, readyReason(status))) {
      if (plan.verdict().stalled()) {
        EventRecorder.warning(client, sweep, plan.verdict().reason(), plan.verdict().message());
      } else {
        EventRecorder.normal(client, sweep, plan.verdict().reason(), plan.verdict().message());
      }
    }
    Duration retry = promotion != null && promotion.retry() ? config.storageInterval() : null;
    if (SweepStatusBuilder.same(previous, status)) {
      return retry == null
          ? UpdateControl.noUpdate()
          : UpdateControl.<FineTuneSweep>noUpdate().rescheduleAfter(retry);
    }
    sweep.setStatus(status);
    return retry == null
        ? UpdateControl.patchStatus(sweep)
        : UpdateControl.patchStatus(sweep).rescheduleAfter(retry);
  }

  /** Whether the last written status's table already had the trial as Succeeded. */
  private static boolean succeededBefore(FineTuneSweepStatus s, String trial) {
    return s != null
        && s.trials != null
        && s.trials.stream().anyMatch(r -> trial.equals(r.name) && "Succeeded".equals(r.phase));
  }

  /** What promotion did, as the last written status's Promoted condition says. */
  private static Optional<PromotionOutcome> previousPromotion(FineTuneSweepStatus s) {
    if (s == null || s.conditions == null) {
      return Optional.empty();
    }
    return s.conditions.stream()
        .filter(c -> PromotionOutcome.CONDITION.equals(c.getType()))
        .findFirst()
        .map(
            c ->
                new PromotionOutcome(
                    "True".equals(c.getStatus()),
                    c.getReason(),
                    c.getMessage(),
                    s.promotedModelUri));
  }

  /**
   * The median rule stops a trial: suspended (the trainer is stopped and the trial keeps its
   * checkpoint) and annotated with why, so it is counted EarlyStopped and never resumed.
   */
  private void stopEarly(FineTuneSweep sweep, EarlyStopping.Stop stop) {
    suspendTrial(sweep, stop.trial().name(), true, Trial.EARLY_STOPPED, stop.why());
    EventRecorder.normal(
        client, sweep, "TrialEarlyStopped", "suspended " + stop.trial().name() + ": " + stop.why());
  }

  /**
   * Suspends a trial (its trainer stops after a checkpoint) or resumes it from its checkpoint: the
   * FineTuneJob's spec.suspend, the one field of its spec that may change, and the annotation
   * {@value Trial#SUSPENDED_BY_SWEEP} that says the sweep, not a user, suspended it.
   */
  private void setSuspend(FineTuneSweep sweep, Trial t, boolean suspend) {
    suspendTrial(
        sweep,
        t.name(),
        suspend,
        Trial.SUSPENDED_BY_SWEEP,
        suspend ? sweep.getMetadata().getName() : null);
    EventRecorder.normal(
        client,
        sweep,
        suspend ? "TrialSuspended" : "TrialResumed",
        (suspend ? "suspended " : "resumed ")
            + t.name()
            + ": the sweep's spec.suspend is "
            + suspend);
  }

  /** A trial's spec.suspend, with the annotation that says why (a null value removes it). */
  private void suspendTrial(
      FineTuneSweep sweep, String trial, boolean suspend, String annotation, String value) {
    client
        .resources(FineTuneJob.class)
        .inNamespace(sweep.getMetadata().getNamespace())
        .withName(trial)
        .edit(
            j -> {
              Map<String, String> annotations = new java.util.HashMap<>();
              if (j.getMetadata().getAnnotations() != null) {
                annotations.putAll(j.getMetadata().getAnnotations());
              }
              if (value == null) {
                annotations.remove(annotation);
              } else {
                annotations.put(annotation, value);
              }
              j.getMetadata().setAnnotations(annotations);
              j.getSpec().suspend = suspend;
              return j;
            });
  }

  private void create(FineTuneSweep sweep, Trial t) {
    FineTuneJob job = TrialJobs.of(sweep, t);
    try {
      client.resource(job).create();
      EventRecorder.normal(
          client,
          sweep,
          "TrialCreated",
          "created "
              + t.name()
              + (t.assignment() == null
                  ? " (the from-scratch baseline)"
                  : ": " + t.assignment().text()));
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      // It exists already and the cache has not seen it yet: the next event brings it.
      LOG.debugf("%s/%s exists already", sweep.getMetadata().getNamespace(), t.name());
    }
  }

  /** The verdict the last written status holds (phase, and the Ready condition's reason). */
  private static SweepVerdict previousVerdict(FineTuneSweepStatus s) {
    if (s == null || s.phase == null || s.conditions == null) {
      return null;
    }
    return s.conditions.stream()
        .filter(c -> "Ready".equals(c.getType()))
        .findFirst()
        .map(
            c ->
                new SweepVerdict(
                    s.phase,
                    "Succeeded".equals(s.phase) ? SweepVerdict.COMPLETED : c.getReason(),
                    c.getMessage()))
        .orElse(null);
  }

  private static String readyReason(FineTuneSweepStatus s) {
    return s.conditions == null
        ? null
        : s.conditions.stream()
            .filter(c -> "Ready".equals(c.getType()))
            .map(c -> c.getReason())
            .findFirst()
            .orElse(null);
  }
}
