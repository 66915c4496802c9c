package dev.finetune.operator;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.CheckpointSpec;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.api.v1alpha1.spec.ImageTransformSpec;
import dev.finetune.api.v1alpha1.spec.PretrainedSpec;
import dev.finetune.api.v1alpha1.spec.ResizeSpec;
import dev.finetune.api.v1alpha1.status.FineTuneJobStatus;
import dev.finetune.operator.config.OperatorConfig;
import dev.finetune.operator.observe.Labels;
import dev.finetune.testsupport.S3Server;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/** Fluent builders for test objects: {@code Fixtures.ftj("a").suspend(true).obj()}. */
public final class Fixtures {
  private Fixtures() {}

  /**
   * The smallest FineTuneJob admission accepts: https dataset URLs that the drills' fake trainers
   * never fetch. Callers set what their test is about on the returned job's spec.
   */
  public static FineTuneJob minimalJob(String name, String namespace) {
    FineTuneJob f = new FineTuneJob();
    f.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    FineTuneJobSpec spec = new FineTuneJobSpec();
    spec.dataset.train = "https://data.example.com/train.zip";
    spec.dataset.test = "https://data.example.com/test.zip";
    f.setSpec(spec);
    return f;
  }

  /** The Secret that holds the test S3 server's credentials, as a trainer's credentialsSecret. */
  public static Secret s3Secret(String name, String namespace, S3Server s3) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .endMetadata()
        .withData(s3.secretData())
        .build();
  }

  /**
   * A FineTuneJob the real trainer finishes in seconds: a tiny ImageFolder at {@code dataset}
   * (train/ and test/, file://), 32 px, batch 8, 2 epochs, 1 CPU, checkpoints at {@code
   * checkpoints} with the S3 Secret {@code secret}, backoffLimit 2.
   */
  public static FineTuneJob trainerRun(
      String name, String namespace, Path dataset, String checkpoints, String secret) {
    FineTuneJob f = new FineTuneJob();
    f.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    FineTuneJobSpec spec = new FineTuneJobSpec();
    spec.dataset.train = dataset.resolve("train").toUri().toString();
    spec.dataset.test = dataset.resolve("test").toUri().toString();
    spec.transforms.train = new ImageTransformSpec();
    spec.transforms.train.randomResizedCrop = 32;
    spec.transforms.train.horizontalFlip = true;
    spec.transforms.test = new ImageTransformSpec();
    spec.transforms.test.resize = ResizeSpec.shorterSide(32);
    spec.training.epochs = 2;
    spec.training.batchSize = 8;
    spec.training.learningRate = 0.01;
    spec.training.momentum = 0.9;
    spec.checkpoints = new CheckpointSpec();
    spec.checkpoints.uri = checkpoints;
    spec.checkpoints.credentialsSecret = secret;
    spec.resources.cpu = "1";
    spec.resources.memory = "1Gi";
    spec.backoffLimit = 2;
    f.setSpec(spec);
    return f;
  }

  public static FtjWrapper ftj(String name) {
    return new FtjWrapper(name);
  }

  /**
   * A job as a client applies it to {@code ns} (no uid or generation yet): S3 data and checkpoints
   * with the credentials Secret "s3-creds", 2 CPUs and 4Gi. What the operator ITs and benchmarks
   * create.
   */
  public static FtjWrapper applied(String name, String ns) {
    return ftj(name)
        .sentTo(ns)
        .spec(
            s -> {
              s.checkpoints.credentialsSecret = "s3-creds";
              s.resources.cpu = "2";
              s.resources.memory = "4Gi";
            });
  }

  public static final class FtjWrapper {
    private final FineTuneJob ftj = new FineTuneJob();

    FtjWrapper(String name) {
      ftj.setMetadata(
          new ObjectMetaBuilder()
              .withName(name)
              .withNamespace("ns")
              .withUid("uid-" + name)
              .withGeneration(1L)
              .build());
      FineTuneJobSpec spec = new FineTuneJobSpec();
      spec.dataset.train = "s3://data/train.tar.gz";
      spec.dataset.test = "s3://data/test.tar.gz";
      spec.checkpoints = new CheckpointSpec();
      spec.checkpoints.uri = "s3://ckpt/" + name;
      ftj.setSpec(spec);
    }

    public FtjWrapper spec(Consumer<FineTuneJobSpec> edit) {
      edit.accept(ftj.getSpec());
      return this;
    }

    /** As a client sends it to namespace {@code ns}: no uid or generation yet. */
    public FtjWrapper sentTo(String ns) {
      ftj.getMetadata().setNamespace(ns);
      ftj.getMetadata().setUid(null);
      ftj.getMetadata().setGeneration(null);
      return this;
    }

    public FtjWrapper suspend(boolean s) {
      ftj.getSpec().suspend = s;
      return this;
    }

    public FtjWrapper fromJob(String source) {
      ftj.getSpec().model.pretrained = new PretrainedSpec();
      ftj.getSpec().model.pretrained.fromJob = source;
      return this;
    }

    public FtjWrapper status(Consumer<FineTuneJobStatus> edit) {
      if (ftj.getStatus() == null) {
        ftj.setStatus(new FineTuneJobStatus());
      }
      edit.accept(ftj.getStatus());
      return this;
    }

    public FineTuneJob obj() {
      return ftj;
    }
  }

  /** A trainer Job of attempt n as the operator creates it, without status. */
  public static JobBuilder job(String ftj, int attempt) {
    return new JobBuilder()
        .withNewMetadata()
        .withName(ftj + "-attempt-" + attempt)
        .withNamespace("ns")
        .addToLabels(Labels.JOB, ftj)
        .addToLabels(Labels.ATTEMPT, String.valueOf(attempt))
        .endMetadata()
        .withNewSpec()
        .withBackoffLimit(0)
        .withSuspend(false)
        .endSpec();
  }

  /**
   * A queued job's Job as the operator creates it: one indexed pod that the Job replaces itself
   * (TrainerJobResource#retriesInJob), with 3 retries.
   */
  public static Job inJob(Job job) {
    return new JobBuilder(job)
        .editSpec()
        .withBackoffLimit(null)
        .withCompletionMode("Indexed")
        .withCompletions(1)
        .withBackoffLimitPerIndex(3)
        .endSpec()
        .build();
  }

  public static Job failedJob(String ftj, int attempt, String at) {
    return job(ftj, attempt)
        .withNewStatus()
        .withFailed(1)
        .addNewCondition()
        .withType("Failed")
        .withStatus("True")
        .withReason("BackoffLimitExceeded")
        .withLastTransitionTime(at)
        .endCondition()
        .endStatus()
        .build();
  }

  public static Job succeededJob(String ftj, int attempt) {
    return job(ftj, attempt)
        .withNewStatus()
        .withSucceeded(1)
        .addNewCondition()
        .withType("Complete")
        .withStatus("True")
        .withLastTransitionTime("2026-01-01T00:00:00Z")
        .endCondition()
        .endStatus()
        .build();
  }

  /** A pod of attempt n whose trainer container terminated with {@code exitCode}. */
  public static PodBuilder terminatedPod(String ftj, int attempt, int exitCode, String message) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(ftj + "-attempt-" + attempt + "-x")
        .withNamespace("ns")
        .addToLabels(Labels.JOB, ftj)
        .addToLabels(Labels.ATTEMPT, String.valueOf(attempt))
        .endMetadata()
        .withNewStatus()
        .withPhase(exitCode == 0 ? "Succeeded" : "Failed")
        .addNewContainerStatus()
        .withName(Labels.TRAINER_CONTAINER)
        .withNewState()
        .withNewTerminated()
        .withExitCode(exitCode)
        .withMessage(message)
        .endTerminated()
        .endState()
        .endContainerStatus()
        .endStatus();
  }

  public static Pod runningPod(String ftj, int attempt) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(ftj + "-attempt-" + attempt + "-x")
        .withNamespace("ns")
        .addToLabels(Labels.JOB, ftj)
        .addToLabels(Labels.ATTEMPT, String.valueOf(attempt))
        .endMetadata()
        .withNewStatus()
        .withPhase("Running")
        .endStatus()
        .build();
  }

  public static OperatorConfig config() {
    return config(null, null);
  }

  /** The test config with the trainer URI allowlist set (null = unset). */
  public static OperatorConfig config(String allowedHosts, String allowedSchemes) {
    return config(allowedHosts, allowedSchemes, "trainer:test", "trainer-gpu:test");
  }

  /** The test config with these trainer images (the image tests use bin/images' names). */
  public static OperatorConfig config(
      String allowedHosts, String allowedSchemes, String trainerImage, String trainerImageGpu) {
    return new OperatorConfig() {
      public java.util.Optional<String> trainerAllowedHosts() {
        return java.util.Optional.ofNullable(allowedHosts);
      }

      public java.util.Optional<String> trainerAllowedSchemes() {
        return java.util.Optional.ofNullable(allowedSchemes);
      }

      public java.util.Optional<String> trainerAllowedImages() {
        return java.util.Optional.empty();
      }

      public String trainerImage() {
        return trainerImage;
      }

      public String trainerImageGpu() {
        return trainerImageGpu;
      }

      public String trainerServiceAccount() {
        return "default";
      }

      public Duration backoffBase() {
        return Duration.ofSeconds(10);
      }

      public Duration backoffMax() {
        return Duration.ofMinutes(5);
      }

      public Duration sourceGrace() {
        return Duration.ofMinutes(10);
      }

      @Override
      public Duration sourceRecheck() {
        return Duration.ofSeconds(30);
      }

      public long terminationGracePeriodSeconds() {
        return 60;
      }

      public long runAsUser() {
        return 185;
      }

      public Duration metricsInterval() {
        return Duration.ofSeconds(30);
      }

      public Duration metricsTimeout() {
        return Duration.ofSeconds(1);
      }

      public int metricsPort() {
        return 9400;
      }

      public int metricsThreads() {
        return 4;
      }

      public int metricsQueue() {
        return 2000;
      }

      @Override
      public Duration storageInterval() {
        return Duration.ofSeconds(60);
      }

      @Override
      public Duration storageTimeout() {
        return Duration.ofSeconds(5);
      }
    };
  }
}
