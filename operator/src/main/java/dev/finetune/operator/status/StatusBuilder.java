package dev.finetune.operator.status;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.api.v1alpha1.status.FineTuneJobStatus;
import dev.finetune.api.v1alpha1.status.Progress;
import dev.finetune.api.v1alpha1.status.RunMetrics;
import dev.finetune.contract.Conditions;
import dev.finetune.contract.FinalResult;
import dev.finetune.contract.Phase;
import dev.finetune.contract.StorageLayout;
import dev.finetune.operator.observe.Attempt;
import dev.finetune.operator.observe.AttemptState;
import dev.finetune.operator.observe.Observation;
import dev.finetune.operator.observe.StorageObservation;
import dev.finetune.operator.observe.TrainerMetrics;
import dev.finetune.operator.validate.Validation;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Phase 4: the one place that builds status. Every condition comes from the observation (and the
 * previous status, which remembers attempts and terminal outcomes after Jobs are garbage
 * collected); phase is derived from the conditions. Pure: tests call it with tables of cases.
 */
public final class StatusBuilder {
  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  private StatusBuilder() {}

  /** What is true right now: which condition holds, why, and what it means. */
  record Verdict(String type, String reason, String message) {}

  public static FineTuneJobStatus build(
      FineTuneJob ftj, Observation obs, Validation validation, Instant now) {
    FineTuneJobStatus prev = ftj.getStatus() == null ? new FineTuneJobStatus() : ftj.getStatus();
    FineTuneJobSpec spec = ftj.getSpec();
    Long generation = ftj.getMetadata().getGeneration();
    if (prev.phase != null && Phase.of(prev.phase).terminal()) {
      FineTuneJobStatus frozen = copy(prev);
      frozen.observedGeneration = generation;
      // observedGeneration moves, so the conditions' does too (kstatus compares them)
      frozen.conditions.forEach(c -> c.setObservedGeneration(generation));
      if (frozen.conditions.stream().noneMatch(c -> ReadyConditions.READY.equals(c.getType()))) {
        terminalVerdict(frozen.conditions)
            .ifPresent(
                v ->
                    frozen.conditions.addAll(
                        ReadyConditions.of(v, prev.conditions, generation, now)));
      }
      applyStorage(frozen, obs.storage(), prev.conditions, generation, now);
      applyNoCredentials(frozen, spec, generation, now);
      applyFinalResult(frozen, obs); // storage may answer only after the job finished
      return frozen;
    }
    FineTuneJobStatus next = copy(prev);
    next.observedGeneration = generation;
    next.attempts = Math.max(orZero(prev.attempts), obs.highestAttempt());
    next.restarts = Math.max(orZero(prev.restarts), obs.retryableFailures());
    int preemptions = Math.max(orZero(prev.preemptions), obs.preemptions());
    next.preemptions = preemptions > 0 || prev.preemptions != null ? preemptions : null;
    Optional<Attempt> latest = obs.latest();
    next.currentJob = latest.map(Attempt::jobName).orElse(prev.currentJob);
    next.lastExitCode =
        latest
            .filter(a -> a.exitCode() != null && a.exitCode() != 0)
            .map(Attempt::exitCode)
            .orElse(prev.lastExitCode);

    obs.metrics().ifPresent(m -> applyMetrics(next, m));
    Verdict v = verdict(spec, obs, validation, next.restarts);
    if (v.type().equals(Conditions.SUCCEEDED)
        && spec.checkpoints != null
        && spec.checkpoints.uri != null) {
      next.finalModelUri = StorageLayout.finalModelUri(spec.checkpoints.uri);
      next.modelCardUri = StorageLayout.modelCardUri(spec.checkpoints.uri);
    }
    next.conditions = conditions(v, prev.conditions, generation, now);
    next.phase = phase(next.conditions).label();
    next.conditions.addAll(ReadyConditions.of(v, prev.conditions, generation, now));
    applyStorage(next, obs.storage(), prev.conditions, generation, now);
    applyNoCredentials(next, spec, generation, now);
    applyFinalResult(next, obs);
    return next;
  }

  /**
   * True when these attempts turn the job Succeeded or Failed (it was not before). Validation is
   * left out: an invalid spec never started an attempt, so there is nothing to read then.
   */
  public static boolean finishes(FineTuneJob ftj, Observation obs) {
    FineTuneJobStatus prev = ftj.getStatus() == null ? new FineTuneJobStatus() : ftj.getStatus();
    if (prev.phase != null && Phase.of(prev.phase).terminal()) {
      return false;
    }
    String type =
        verdict(ftj.getSpec(), obs, null, Math.max(orZero(prev.restarts), obs.retryableFailures()))
            .type();
    return type.equals(Conditions.SUCCEEDED) || type.equals(Conditions.FAILED);
  }

  /**
   * s3:// checkpoints without {@code credentialsSecret}: the trainer may reach them through its
   * pod's identity (IRSA, workload identity), the operator cannot, so it says so instead of going
   * quiet: StorageReachable=Unknown, reason NoCredentials, naming what is off.
   */
  static void applyNoCredentials(
      FineTuneJobStatus s, FineTuneJobSpec spec, Long generation, Instant now) {
    var c = spec.checkpoints;
    if (c == null
        || c.uri == null
        || !c.uri.startsWith("s3://")
        || (c.credentialsSecret != null && !c.credentialsSecret.isBlank())) {
      return;
    }
    List<Condition> out = new ArrayList<>(s.conditions == null ? List.of() : s.conditions);
    Optional<Condition> old =
        out.stream().filter(x -> Conditions.STORAGE_REACHABLE.equals(x.getType())).findFirst();
    if (old.filter(x -> !Conditions.STORAGE_NO_CREDENTIALS.equals(x.getReason())).isPresent()) {
      return; // a read of the storage answered or failed: that is what the condition says
    }
    out.removeIf(x -> Conditions.STORAGE_REACHABLE.equals(x.getType()));
    out.add(
        new ConditionBuilder()
            .withType(Conditions.STORAGE_REACHABLE)
            .withStatus("Unknown")
            .withReason(Conditions.STORAGE_NO_CREDENTIALS)
            .withMessage(
                "spec.checkpoints.credentialsSecret is not set: the trainer may reach "
                    + c.uri
                    + " through its pod's identity, but the operator cannot read it, so"
                    + " status.latestCheckpoint, the final numbers from model/result.json and"
                    + " artifactPolicy: Delete are off; set credentialsSecret to a Secret with"
                    + " AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to turn them on")
            .withObservedGeneration(generation)
            .withLastTransitionTime(
                old.filter(x -> "Unknown".equals(x.getStatus()))
                    .map(Condition::getLastTransitionTime)
                    .orElse(now.truncatedTo(ChronoUnit.SECONDS).toString()))
            .build());
    s.conditions = out;
  }

  /**
   * latestCheckpoint, lineage and the StorageReachable condition from a storage read. When storage
   * was not read this time, all three keep their previous values; when it did not answer, only the
   * condition changes (the last known checkpoint stays). This also runs on a finished job's frozen
   * status: the final listing may come after the job finished.
   */
  static void applyStorage(
      FineTuneJobStatus s,
      StorageObservation storage,
      List<Condition> previous,
      Long generation,
      Instant now) {
    Optional<Condition> old =
        previous == null
            ? Optional.empty()
            : previous.stream()
                .filter(c -> Conditions.STORAGE_REACHABLE.equals(c.getType()))
                .findFirst();
    List<Condition> out = new ArrayList<>(s.conditions == null ? List.of() : s.conditions);
    out.removeIf(c -> Conditions.STORAGE_REACHABLE.equals(c.getType()));
    if (!storage.observed()) {
      old.ifPresent(out::add);
      s.conditions = out;
      return;
    }
    if (storage.reachable()) {
      s.latestCheckpoint = storage.checkpoints().latest().orElse(null);
      storage.lineage().ifPresent(l -> s.lineage = l);
    }
    String status = storage.reachable() ? "True" : "False";
    String lastTransition =
        old.filter(c -> status.equals(c.getStatus()))
            .map(Condition::getLastTransitionTime)
            .orElse(now.truncatedTo(ChronoUnit.SECONDS).toString());
    out.add(
        new ConditionBuilder()
            .withType(Conditions.STORAGE_REACHABLE)
            .withStatus(status)
            .withReason(
                storage.reachable() ? Conditions.STORAGE_ANSWERED : Conditions.STORAGE_UNREACHABLE)
            .withMessage(storage.reachable() ? "" : storage.error())
            .withObservedGeneration(generation)
            .withLastTransitionTime(lastTransition)
            .build());
    s.conditions = out;
  }

  /**
   * On a Succeeded job whose final numbers were not read yet: progress (100 %), metrics, baseline
   * accuracyGain and the auto recipe's choice from the trainer's final result, the same numbers as
   * its result.json: first the container's termination message, else model/result.json in object
   * storage. resultSource says which. Values are the trainer's doubles, not rounded.
   */
  static void applyFinalResult(FineTuneJobStatus s, Observation obs) {
    if (!Phase.SUCCEEDED.label().equals(s.phase) || s.resultSource != null) {
      return;
    }
    Optional<FinalResult> fromPod =
        obs.latest()
            .filter(a -> a.state() == AttemptState.SUCCEEDED)
            .flatMap(a -> FinalResult.parse(a.message()));
    Optional<FinalResult> result = fromPod.or(() -> obs.storage().result());
    if (result.isEmpty()) {
      return;
    }
    FinalResult r = result.get();
    s.resultSource =
        fromPod.isPresent()
            ? FinalResult.SOURCE_TERMINATION_MESSAGE
            : FinalResult.SOURCE_OBJECT_STORAGE;
    s.progress = new Progress();
    s.progress.epoch = r.finetune().epoch();
    s.progress.totalEpochs = r.finetune().totalEpochs();
    s.progress.step = r.finetune().step();
    s.progress.percentage = 100;
    s.progress.estimatedRemainingSeconds = 0L;
    s.metrics = runMetrics(r.finetune());
    s.baseline = r.baseline() == null ? null : runMetrics(r.baseline());
    s.accuracyGain = exact(r.accuracyGain());
    s.recipe = r.recipe();
  }

  private static RunMetrics runMetrics(FinalResult.Run run) {
    RunMetrics m = new RunMetrics();
    m.trainLoss = exact(run.trainLoss());
    m.trainAccuracy = exact(run.trainAccuracy());
    m.testAccuracy = exact(run.testAccuracy());
    m.validationAccuracy = exact(run.validationAccuracy());
    m.validationLoss = exact(run.validationLoss());
    m.validationEpoch = run.validationEpoch();
    m.imagesPerSecond = exact(run.imagesPerSecond());
    return m;
  }

  /** The shortest decimal that reads back as the same double (Double.toString's digits). */
  static String exact(Double v) {
    return v == null ? null : java.math.BigDecimal.valueOf(v).toPlainString();
  }

  /** progress, metrics and baseline from the trainer's gauges; absent gauges keep old values. */
  static void applyMetrics(FineTuneJobStatus s, TrainerMetrics m) {
    String ft = TrainerMetrics.FINETUNE;
    if (m.get(ft, "finetune_epoch").isPresent()) {
      s.progress = s.progress == null ? new Progress() : s.progress;
      m.get(ft, "finetune_epoch").ifPresent(v -> s.progress.epoch = (int) Math.round(v));
      m.get(ft, "finetune_total_epochs")
          .ifPresent(v -> s.progress.totalEpochs = (int) Math.round(v));
      m.get(ft, "finetune_global_step").ifPresent(v -> s.progress.step = Math.round(v));
      m.get(ft, "finetune_progress_ratio")
          .ifPresent(v -> s.progress.percentage = (int) Math.floor(v * 100));
      m.get(ft, "finetune_eta_seconds")
          .ifPresent(v -> s.progress.estimatedRemainingSeconds = Math.round(v));
    }
    s.metrics = runMetrics(m, ft, s.metrics);
    s.baseline = runMetrics(m, TrainerMetrics.BASELINE, s.baseline);
  }

  private static RunMetrics runMetrics(TrainerMetrics m, String run, RunMetrics previous) {
    RunMetrics r = previous == null ? new RunMetrics() : previous;
    boolean any = false;
    for (var e :
        List.of(
            java.util.Map.entry(
                "finetune_train_epoch_loss",
                (java.util.function.Consumer<String>) v -> r.trainLoss = v),
            java.util.Map.entry(
                "finetune_train_accuracy",
                (java.util.function.Consumer<String>) v -> r.trainAccuracy = v),
            java.util.Map.entry(
                "finetune_test_accuracy",
                (java.util.function.Consumer<String>) v -> r.testAccuracy = v),
            java.util.Map.entry(
                "finetune_validation_accuracy",
                (java.util.function.Consumer<String>) v -> r.validationAccuracy = v),
            java.util.Map.entry(
                "finetune_validation_loss",
                (java.util.function.Consumer<String>) v -> r.validationLoss = v),
            java.util.Map.entry(
                "finetune_images_per_second",
                (java.util.function.Consumer<String>) v -> r.imagesPerSecond = v))) {
      Optional<Double> v = m.get(run, e.getKey());
      if (v.isPresent()) {
        e.getValue().accept(format(v.get()));
        any = true;
      }
    }
    Optional<Double> validated = m.get(run, "finetune_validation_epoch");
    if (validated.isPresent() && validated.get() >= 1) {
      r.validationEpoch = (int) Math.round(validated.get());
      any = true;
    }
    return any ? r : previous;
  }

  /** Four decimals, as strings (the CRD keeps numbers as strings to stay simple). */
  static String format(double v) {
    return java.math.BigDecimal.valueOf(v)
        .setScale(4, java.math.RoundingMode.HALF_EVEN)
        .stripTrailingZeros()
        .toPlainString();
  }

  static Verdict verdict(
      FineTuneJobSpec spec, Observation obs, Validation validation, int restarts) {
    if (validation instanceof Validation.Invalid invalid) {
      return new Verdict(Conditions.FAILED, Conditions.INVALID_SPEC, invalid.text());
    }
    Optional<Attempt> latest = obs.latest();
    AttemptState state = latest.map(Attempt::state).orElse(null);
    int limit =
        spec.backoffLimit == null ? FineTuneJobSpec.DEFAULT_BACKOFF_LIMIT : spec.backoffLimit;
    if (state == AttemptState.SUCCEEDED) {
      return new Verdict(
          Conditions.SUCCEEDED,
          Conditions.COMPLETED,
          "attempt " + latest.get().number() + " completed");
    }
    if (state == AttemptState.FAILED_PERMANENT) {
      return new Verdict(Conditions.FAILED, Conditions.PERMANENT_FAILURE, describe(latest.get()));
    }
    if (state == AttemptState.FAILED_RETRYABLE && restarts > limit) {
      return new Verdict(
          Conditions.FAILED,
          Conditions.BACKOFF_LIMIT_EXCEEDED,
          restarts
              + " retryable failures exceed spec.backoffLimit="
              + limit
              + "; last: "
              + describe(latest.get()));
    }
    if (Boolean.TRUE.equals(spec.suspend)) {
      if (latest.isPresent() && !state.finished()) {
        return new Verdict(
            Conditions.SUSPENDED,
            Conditions.SUSPENDING,
            "stopping attempt "
                + latest.get().number()
                + "; the trainer writes a checkpoint on SIGTERM");
      }
      return new Verdict(
          Conditions.SUSPENDED,
          "Suspended",
          "spec.suspend is true; set it to false" + " to resume from the newest checkpoint");
    }
    if (validation instanceof Validation.Waiting waiting) {
      return new Verdict(Conditions.RUNNING + "=False", waiting.reason(), waiting.message());
    }
    if (state == null) {
      return new Verdict(
          Conditions.RUNNING + "=False", Conditions.CREATING, "creating the first trainer attempt");
    }
    Attempt a = latest.get();
    return switch (state) {
      case RUNNING ->
          new Verdict(
              Conditions.RUNNING,
              "PodRunning",
              "attempt " + a.number() + " is running (Job " + a.jobName() + ")");
      case PENDING ->
          new Verdict(
              Conditions.RUNNING + "=False",
              a.reason(),
              a.message() != null
                  ? a.message()
                  : "attempt " + a.number() + " is waiting for its pod");
      case FAILED_RETRYABLE ->
          new Verdict(
              Conditions.RUNNING + "=False",
              Conditions.RESTARTING,
              describe(a)
                  + "; attempt "
                  + (a.number() + 1)
                  + " resumes from the newest checkpoint"
                  + " after a backoff ("
                  + restarts
                  + " of "
                  + limit
                  + " retries used"
                  + (a.preempted() ? "; a preemption does not count" : "")
                  + ")");
      case STOPPED_BY_SUSPEND ->
          new Verdict(
              Conditions.RUNNING + "=False",
              Conditions.RESUMING,
              "resuming after suspend with attempt " + (a.number() + 1));
      default -> throw new IllegalStateException("unhandled " + state);
    };
  }

  static String describe(Attempt a) {
    StringBuilder s = new StringBuilder("attempt " + a.number() + " ");
    if (a.exitCode() != null) {
      s.append("exited with code ").append(a.exitCode());
      if (!("ExitCode" + a.exitCode()).equals(a.reason())) {
        s.append(" (").append(a.reason()).append(")");
      }
    } else {
      s.append("failed (").append(a.reason()).append(")");
    }
    if (a.message() != null) {
      s.append(": ").append(a.message());
    }
    return s.toString();
  }

  /**
   * The four lifecycle condition types, always present; exactly one or none is True.
   * StorageReachable is added by {@link #applyStorage} once storage was read.
   */
  static List<Condition> conditions(
      Verdict v, List<Condition> previous, Long generation, Instant now) {
    List<Condition> out = new ArrayList<>();
    boolean runningFalse = v.type().equals(Conditions.RUNNING + "=False");
    for (String type :
        List.of(
            Conditions.RUNNING, Conditions.SUSPENDED, Conditions.SUCCEEDED, Conditions.FAILED)) {
      boolean isTrue = v.type().equals(type);
      String reason;
      String message;
      if (isTrue || (runningFalse && type.equals(Conditions.RUNNING))) {
        reason = v.reason();
        message = v.message();
      } else {
        reason = "Not" + type;
        message = "";
      }
      out.add(
          ConditionTransition.condition(type, isTrue, reason, message, previous, generation, now));
    }
    return out;
  }

  /** The True Succeeded or Failed condition of a status written before Ready existed. */
  private static Optional<Verdict> terminalVerdict(List<Condition> conditions) {
    return conditions.stream()
        .filter(
            c ->
                "True".equals(c.getStatus())
                    && (Conditions.SUCCEEDED.equals(c.getType())
                        || Conditions.FAILED.equals(c.getType())))
        .findFirst()
        .map(c -> new Verdict(c.getType(), c.getReason(), c.getMessage()));
  }

  /** Failed, then Succeeded, then Suspended, then Running; Pending when none is True. */
  public static Phase phase(List<Condition> conditions) {
    for (var pair :
        List.of(
            new Object[] {Conditions.FAILED, Phase.FAILED},
            new Object[] {Conditions.SUCCEEDED, Phase.SUCCEEDED},
            new Object[] {Conditions.SUSPENDED, Phase.SUSPENDED},
            new Object[] {Conditions.RUNNING, Phase.RUNNING})) {
      if (conditions.stream()
          .anyMatch(c -> pair[0].equals(c.getType()) && "True".equals(c.getStatus()))) {
        return (Phase) pair[1];
      }
    }
    return Phase.PENDING;
  }

  /** True when writing {@code next} would change nothing. */
  public static boolean same(FineTuneJobStatus prev, FineTuneJobStatus next) {
    return prev != null && JSON.asJson(prev).equals(JSON.asJson(next));
  }

  public static Optional<Condition> condition(FineTuneJobStatus status, String type) {
    return status == null || status.conditions == null
        ? Optional.empty()
        : status.conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  private static FineTuneJobStatus copy(FineTuneJobStatus s) {
    return JSON.unmarshal(JSON.asJson(s), FineTuneJobStatus.class);
  }

  private static int orZero(Integer i) {
    return i == null ? 0 : i;
  }
}
