package dev.finetune.operator.controller;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.status.FineTuneJobStatus;
import dev.finetune.contract.Conditions;
import dev.finetune.contract.Phase;
import dev.finetune.contract.UriSchemes;
import dev.finetune.operator.act.ArtifactCleanup;
import dev.finetune.operator.act.AttemptPlanner;
import dev.finetune.operator.act.Creation;
import dev.finetune.operator.act.Expiry;
import dev.finetune.operator.act.Plan;
import dev.finetune.operator.act.SpecConfigMapResource;
import dev.finetune.operator.act.StorageArtifacts;
import dev.finetune.operator.act.TrainerJobResource;
import dev.finetune.operator.config.OperatorConfig;
import dev.finetune.operator.metrics.JobGauges;
import dev.finetune.operator.metrics.PhaseGauge;
import dev.finetune.operator.observe.JobObserver;
import dev.finetune.operator.observe.Labels;
import dev.finetune.operator.observe.MetricsScraper;
import dev.finetune.operator.observe.Observation;
import dev.finetune.operator.observe.ProgressScraper;
import dev.finetune.operator.observe.StorageObserver;
import dev.finetune.operator.observe.StorageSchedule;
import dev.finetune.operator.observe.TrainerMetrics;
import dev.finetune.operator.registry.ModelRegistrar;
import dev.finetune.operator.registry.Registration;
import dev.finetune.operator.status.EventRecorder;
import dev.finetune.operator.status.InvalidCheckpointEvents;
import dev.finetune.operator.status.StatusBuilder;
import dev.finetune.operator.storage.S3Storage;
import dev.finetune.operator.validate.ImagePolicy;
import dev.finetune.operator.validate.Validation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import io.quarkiverse.operatorsdk.annotations.RBACRule;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Turns a FineTuneJob into trainer Jobs, one per attempt, in four phases: (1) observe, (2)
 * validate, (3) act, (4) status. See docs/controller-flow.md. As a {@link Cleaner} it holds a
 * finalizer on every FineTuneJob: on deletion, artifactPolicy Delete removes the job's objects from
 * storage first; Retain lets it go without touching storage.
 */
@ControllerConfiguration(name = "finetunejob")
@RBACRule(
    apiGroups = "batch",
    resources = "jobs",
    verbs = {"get", "list", "watch", "create", "delete", "patch"})
@RBACRule(
    apiGroups = "",
    resources = "pods",
    verbs = {"get", "list", "watch", "delete"})
@RBACRule(
    apiGroups = "",
    resources = "configmaps",
    verbs = {"get", "list", "watch", "create"})
@RBACRule(
    apiGroups = "",
    resources = "events",
    verbs = {"create"})
// Only get, of the one Secret named in spec.checkpoints.credentialsSecret: the operator reads
// checkpoint manifests (latestCheckpoint, lineage) and deletes artifacts with the same
// credentials the trainer gets; and the one named in spec.registry.mlflow.credentialsSecret, to
// register the final model in MLflow. No list or watch: Secrets are never cached by the operator.
@RBACRule(
    apiGroups = "",
    resources = "secrets",
    verbs = {"get"})
public class FineTuneJobReconciler implements Reconciler<FineTuneJob>, Cleaner<FineTuneJob> {
  private static final Logger LOG = Logger.getLogger(FineTuneJobReconciler.class);

  @Inject OperatorConfig config;

  @Inject KubernetesClient client;

  @Inject PhaseGauge phaseGauge;

  @Inject JobGauges jobGauges;

  @Inject io.micrometer.core.instrument.MeterRegistry registry;

  /** Trainer /metrics scrapes off the reconcile thread; a changed snapshot triggers a reconcile. */
  private ProgressScraper progress;

  private final SimpleInboundEventSource<FineTuneJob> progressEvents =
      new SimpleInboundEventSource<>("trainer-progress");

  /** When each job's storage was last listed (by uid); throttles listing. */
  private final Map<String, Instant> lastListed = new ConcurrentHashMap<>();

  /** A Warning per invalid checkpoint, once each. */
  private InvalidCheckpointEvents invalidCheckpoints;

  /** Registers final models in MLflow (spec.registry), with its own retry schedule. */
  private ModelRegistrar registrar;

  /** artifactPolicy Delete on deletion. */
  private ArtifactCleanup artifactCleanup;

  @jakarta.annotation.PostConstruct
  void init() {
    invalidCheckpoints = new InvalidCheckpointEvents(client);
    registrar = new ModelRegistrar(client, config);
    artifactCleanup = new ArtifactCleanup(client, config);
    progress =
        new ProgressScraper(
            MetricsScraper.http(config.metricsTimeout()),
            config.metricsInterval(),
            config.metricsThreads(),
            config.metricsQueue(),
            java.time.Clock.systemUTC(),
            registry,
            owner -> {
              int slash = owner.indexOf('/');
              progressEvents.propagateEvent(
                  new ResourceID(owner.substring(slash + 1), owner.substring(0, slash)));
            });
  }

  @jakarta.annotation.PreDestroy
  void close() {
    progress.close();
  }

  /** The running pod's latest cached /metrics snapshot; queues a scrape when one is due. */
  private Optional<TrainerMetrics> progressOf(Pod pod) {
    var labels = pod.getMetadata().getLabels();
    if (labels == null || labels.get(Labels.JOB) == null) {
      return Optional.empty();
    }
    String uid =
        pod.getMetadata().getUid() != null
            ? pod.getMetadata().getUid()
            : pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    return progress.latest(
        new ProgressScraper.Target(
            uid,
            pod.getStatus().getPodIP(),
            JobObserver.metricsPort(pod, config.metricsPort()),
            pod.getMetadata().getNamespace() + "/" + labels.get(Labels.JOB)));
  }

  @Override
  public List<EventSource<?, FineTuneJob>> prepareEventSources(
      EventSourceContext<FineTuneJob> context) {
    var jobs =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Job.class, FineTuneJob.class)
                .withName("trainer-jobs")
                .withLabelSelector(Labels.JOB)
                .withItemStore(new LeanItemStore<>())
                .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(FineTuneJob.class))
                .build(),
            context);
    var pods =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Pod.class, FineTuneJob.class)
                .withName("trainer-pods")
                .withLabelSelector(Labels.JOB)
                .withItemStore(new LeanItemStore<>())
                .withSecondaryToPrimaryMapper(
                    (Pod p) ->
                        Set.of(
                            new ResourceID(
                                p.getMetadata().getLabels().get(Labels.JOB),
                                p.getMetadata().getNamespace())))
                .build(),
            context);
    return List.of(jobs, pods, progressEvents);
  }

  @Override
  public UpdateControl<FineTuneJob> reconcile(FineTuneJob ftj, Context<FineTuneJob> context) {
    phaseGauge.watch(() -> context.getPrimaryCache().list());
    jobGauges.watch(() -> context.getPrimaryCache().list());
    Instant now = Instant.now();
    String ns = ftj.getMetadata().getNamespace();
    FineTuneJobStatus previous = ftj.getStatus();

    // (1) Observe: read-only. Trainer Jobs and pods from the caches, then object storage when
    // it is due (throttled; once more when the job finishes).
    Observation observation = JobObserver.observe(ftj, context, this::progressOf);
    observation = observeStorage(ftj, observation, now);

    // (2) Validate: the contract's object rules, then the fromJob lookup.
    Validation validation =
        Validation.of(
            ftj,
            name -> context.getPrimaryCache().get(new ResourceID(name, ns)),
            now,
            config.sourceGrace(),
            ImagePolicy.parse(config.trainerAllowedImages()),
            UriSchemes.orTrainer(config.trainerAllowedSchemes()));

    // The status is a function of what was observed; it is written in (4).
    FineTuneJobStatus status = StatusBuilder.build(ftj, observation, validation, now);

    // (3) Act: create the next attempt, stop one, or wait.
    Plan plan =
        AttemptPlanner.plan(
            ftj, observation, validation, status, now, config.backoffBase(), config.backoffMax());
    Duration reschedule = act(ftj, plan, validation, status);
    // A job that a GitOps tool keeps in sync is not deleted by its TTL: the tool would re-create
    // it and train again (docs/OPERATOR.md, "GitOps").
    Optional<Instant> deleteAt =
        Expiry.heldBy(ftj.getMetadata().getLabels(), ftj.getMetadata().getAnnotations()).isPresent()
            ? Optional.empty()
            : Expiry.deleteAt(status, ftj.getSpec().ttlSecondsAfterFinished);
    if (deleteAt.isPresent() && !now.isBefore(deleteAt.get())) {
      LOG.infof(
          "%s/%s: deleting, %d s after it finished (spec.ttlSecondsAfterFinished)",
          ns, ftj.getMetadata().getName(), ftj.getSpec().ttlSecondsAfterFinished);
      client.resource(ftj).delete();
      return UpdateControl.noUpdate();
    }
    if (deleteAt.isPresent()) {
      reschedule = Duration.between(now, deleteAt.get());
    } else if (validation instanceof Validation.Waiting) {
      reschedule = config.sourceRecheck();
    } else if (reschedule == null && Phase.of(status.phase) == Phase.RUNNING) {
      reschedule = config.metricsInterval(); // refresh progress and accuracy from the trainer
    }
    if (Phase.of(status.phase).terminal()
        && S3Storage.configured(ftj)
        && StatusBuilder.condition(status, Conditions.STORAGE_REACHABLE)
            .map(c -> !"True".equals(c.getStatus()))
            .orElse(false)) {
      // the final listing failed: try again until storage answers once
      reschedule =
          reschedule == null || reschedule.compareTo(config.storageInterval()) > 0
              ? config.storageInterval()
              : reschedule;
    }

    // (3b) Act: register the final model in the model registry (spec.registry), once the job
    // succeeded with its final numbers; a failure is retried with backoff and never changes
    // the phase.
    if (Registration.wanted(ftj, status, S3Storage.configured(ftj))) {
      Duration next =
          registrar.register(ftj, status, TrainerJobResource.image(ftj.getSpec(), config), now);
      if (next != null && (reschedule == null || reschedule.compareTo(next) > 0)) {
        reschedule = next;
      }
    }

    // (4) Status: events for transitions, write only when something changed.
    recordTransition(ftj, previous, status);
    invalidCheckpoints.report(ftj, observation.storage());
    UpdateControl<FineTuneJob> control;
    if (StatusBuilder.same(previous, status)) {
      control = UpdateControl.noUpdate();
    } else {
      ftj.setStatus(status);
      control = UpdateControl.patchStatus(ftj);
    }
    return reschedule == null ? control : control.rescheduleAfter(reschedule);
  }

  private Observation observeStorage(FineTuneJob ftj, Observation observation, Instant now) {
    if (!S3Storage.configured(ftj)) {
      return observation;
    }
    String uid = ftj.getMetadata().getUid();
    FineTuneJobStatus prev = ftj.getStatus();
    boolean finished = prev != null && prev.phase != null && Phase.of(prev.phase).terminal();
    boolean answered =
        StatusBuilder.condition(prev, Conditions.STORAGE_REACHABLE)
            .map(c -> "True".equals(c.getStatus()))
            .orElse(false);
    boolean started =
        observation.highestAttempt() > 0
            || (prev != null && prev.attempts != null && prev.attempts > 0);
    if (!StorageSchedule.due(
        started,
        StatusBuilder.finishes(ftj, observation),
        finished,
        answered,
        lastListed.get(uid),
        now,
        config.storageInterval())) {
      return observation;
    }
    lastListed.put(uid, now);
    return observation.withStorage(StorageObserver.observe(client, ftj, config.storageTimeout()));
  }

  /**
   * Deletion. Retain (or no storage the operator can open): the finalizer goes at once. Delete:
   * {@link ArtifactCleanup} stops the trainer pods, then deletes every object under
   * spec.checkpoints.uri, keeping the finalizer while storage fails.
   */
  @Override
  public DeleteControl cleanup(FineTuneJob ftj, Context<FineTuneJob> context) {
    if (!StorageArtifacts.deleteOnCleanup(ftj)) {
      forget(ftj);
      return DeleteControl.defaultDelete();
    }
    List<String> active =
        JobObserver.observe(ftj, context, p -> Optional.empty()).attempts().stream()
            .flatMap(a -> a.activePods().stream())
            .toList();
    DeleteControl control = artifactCleanup.run(ftj, active);
    if (control.isRemoveFinalizer()) {
      forget(ftj);
    }
    return control;
  }

  private void forget(FineTuneJob ftj) {
    lastListed.remove(ftj.getMetadata().getUid());
    registrar.forget(ftj.getMetadata().getUid());
    invalidCheckpoints.forget(ftj.getMetadata().getUid());
  }

  private Duration act(
      FineTuneJob ftj, Plan plan, Validation validation, FineTuneJobStatus status) {
    String ns = ftj.getMetadata().getNamespace();
    if (plan instanceof Plan.CreateAttempt create) {
      if (SpecConfigMapResource.create(client, ftj) == Creation.STALE) {
        LOG.infof(
            "%s/%s: %s belongs to a previous FineTuneJob of this name; deleted it, waiting",
            ns, ftj.getMetadata().getName(), SpecConfigMapResource.name(ftj));
        return config.backoffBase();
      }
      String fromJobUri = ((Validation.Valid) validation).fromJobModelUri();
      Job job =
          TrainerJobResource.desired(
              ftj,
              create.number(),
              config,
              fromJobUri,
              status.restarts == null ? 0 : status.restarts);
      Creation created = TrainerJobResource.create(client, job, ftj.getMetadata().getUid());
      if (created == Creation.CREATED) {
        LOG.infof(
            "%s/%s: created %s", ns, ftj.getMetadata().getName(), job.getMetadata().getName());
        EventRecorder.normal(
            client, ftj, "AttemptCreated", "created trainer Job " + job.getMetadata().getName());
      } else if (created == Creation.STALE) {
        LOG.infof(
            "%s/%s: %s belongs to a previous FineTuneJob of this name; deleted it, waiting",
            ns, ftj.getMetadata().getName(), job.getMetadata().getName());
        return config.backoffBase();
      }
    } else if (plan instanceof Plan.StopAttempt stop) {
      LOG.infof(
          "%s/%s: suspending, stopping %s",
          ns, ftj.getMetadata().getName(), stop.attempt().jobName());
      TrainerJobResource.stop(
          client, ns, stop.attempt(), TrainerJobResource.retriesInJob(ftj.getSpec()));
      EventRecorder.normal(
          client,
          ftj,
          "Suspending",
          "stopping trainer Job " + stop.attempt().jobName() + "; it checkpoints on SIGTERM");
    } else if (plan instanceof Plan.WaitBackoff wait) {
      return wait.delay();
    }
    return null;
  }

  private void recordTransition(
      FineTuneJob ftj, FineTuneJobStatus previous, FineTuneJobStatus status) {
    String before = previous == null ? null : previous.phase;
    if (status.phase.equals(before)) {
      return;
    }
    Phase phase = Phase.of(status.phase);
    String message =
        status.conditions.stream()
            .filter(c -> !Conditions.STORAGE_REACHABLE.equals(c.getType()))
            .filter(c -> "True".equals(c.getStatus()) || "Running".equals(c.getType()))
            .filter(c -> c.getMessage() != null && !c.getMessage().isEmpty())
            .map(c -> c.getMessage())
            .findFirst()
            .orElse(phase.description());
    if (phase == Phase.FAILED) {
      EventRecorder.warning(client, ftj, status.phase, message);
    } else {
      EventRecorder.normal(client, ftj, status.phase, message);
    }
  }
}
