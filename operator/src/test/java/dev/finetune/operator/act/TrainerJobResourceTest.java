package dev.finetune.operator.act;

import static dev.finetune.operator.Fixtures.config;
import static dev.finetune.operator.Fixtures.ftj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.contract.TrainerHeap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TrainerJobResourceTest {
  static Job job(FineTuneJob f) {
    return TrainerJobResource.desired(f, 2, config(), null);
  }

  static Container trainer(Job j) {
    return j.getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  @Test
  void aQueuedJobsRetriesLeftAreWhatStatusRestartsLeaves() {
    var f = ftj("exp").spec(s -> s.queueName = "q").spec(s -> s.backoffLimit = 5).obj();
    assertEquals(
        3, TrainerJobResource.desired(f, 4, config(), null, 2).getSpec().getBackoffLimitPerIndex());
    assertEquals(
        0, TrainerJobResource.desired(f, 9, config(), null, 7).getSpec().getBackoffLimitPerIndex());
  }

  @Test
  void defaultTemplate() {
    Job j = job(ftj("exp").obj());
    assertEquals("exp-attempt-2", j.getMetadata().getName());
    assertEquals(
        Map.of("finetune.dev/job", "exp", "finetune.dev/attempt", "2"),
        j.getMetadata().getLabels());
    assertEquals("uid-exp", j.getMetadata().getOwnerReferences().get(0).getUid());
    assertTrue(j.getMetadata().getOwnerReferences().get(0).getController());
    assertEquals(0, j.getSpec().getBackoffLimit());
    assertFalse(j.getSpec().getSuspend());
    // A disruption and a SIGTERM (exit 143) are recorded in the Job's Failed condition.
    var rules = j.getSpec().getPodFailurePolicy().getRules();
    assertEquals(2, rules.size(), rules.toString());
    assertEquals("FailJob", rules.get(0).getAction());
    assertEquals("DisruptionTarget", rules.get(0).getOnPodConditions().get(0).getType());
    assertEquals(List.of(143), rules.get(1).getOnExitCodes().getValues());
    var template = j.getSpec().getTemplate();
    assertEquals("exp", template.getMetadata().getLabels().get("finetune.dev/job"));
    assertEquals("true", template.getMetadata().getAnnotations().get("prometheus.io/scrape"));
    assertEquals("9400", template.getMetadata().getAnnotations().get("prometheus.io/port"));
    PodSpec pod = template.getSpec();
    assertEquals("Never", pod.getRestartPolicy());
    assertTrue(pod.getSecurityContext().getRunAsNonRoot());
    assertEquals("default", pod.getServiceAccountName());
    assertFalse(pod.getAutomountServiceAccountToken());
    assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());
    Container c = trainer(j);
    assertEquals("trainer:test", c.getImage());
    assertEquals(
        List.of(
            "train",
            "/etc/finetune/job.yaml",
            "--output",
            "/work/out",
            "--metrics-port",
            "9400",
            "--no-progress",
            "--termination-log",
            "/dev/termination-log"),
        c.getArgs());
    assertEquals("/dev/termination-log", c.getTerminationMessagePath());
    assertEquals("FallbackToLogsOnError", c.getTerminationMessagePolicy());
    var sc = c.getSecurityContext();
    assertTrue(sc.getRunAsNonRoot());
    assertTrue(sc.getReadOnlyRootFilesystem());
    assertFalse(sc.getAllowPrivilegeEscalation());
    assertEquals(List.of("ALL"), sc.getCapabilities().getDrop());
    assertEquals("RuntimeDefault", sc.getSeccompProfile().getType());
    assertEquals(
        Map.of("/etc/finetune", "spec", "/work", "work", "/tmp", "tmp"),
        c.getVolumeMounts().stream()
            .collect(java.util.stream.Collectors.toMap(m -> m.getMountPath(), m -> m.getName())));
    assertEquals(
        "exp-spec",
        pod.getVolumes().stream()
            .filter(v -> v.getName().equals("spec"))
            .findFirst()
            .orElseThrow()
            .getConfigMap()
            .getName());
    assertTrue(
        pod.getVolumes().stream()
            .filter(v -> !v.getName().equals("spec"))
            .allMatch(v -> v.getEmptyDir() != null));
    assertEquals("2", env(c, "FINETUNE_ATTEMPT"));
    // the JVM's young generation from the spec (TrainerHeap), read by the java launcher
    assertEquals(
        TrainerHeap.javaOptions(ftj("exp").obj().getSpec()).orElseThrow(),
        env(c, "JDK_JAVA_OPTIONS"));
    assertTrue(env(c, "JDK_JAVA_OPTIONS").matches("-Xmn[0-9]+m"), env(c, "JDK_JAVA_OPTIONS"));
    assertEquals(c.getImage(), env(c, "FINETUNE_IMAGE"), "the model card names the image");
    assertEquals(
        "metadata.namespace",
        c.getEnv().stream()
            .filter(e -> e.getName().equals("FINETUNE_NAMESPACE"))
            .findFirst()
            .orElseThrow()
            .getValueFrom()
            .getFieldRef()
            .getFieldPath());
    assertTrue(c.getEnvFrom().isEmpty(), "no credentials unless a secret is named");
    assertTrue(c.getEnv().stream().noneMatch(e -> e.getName().startsWith("AWS_")));
  }

  static String env(Container c, String name) {
    return c.getEnv().stream()
        .filter(e -> e.getName().equals(name))
        .findFirst()
        .orElseThrow()
        .getValue();
  }

  static Stream<Arguments> specCases() {
    return Stream.of(
        Arguments.of(
            "cpu and memory: requests = limits, --cpus = cpu",
            (Consumer<FineTuneJobSpec>)
                s -> {
                  s.resources.cpu = "4";
                  s.resources.memory = "8Gi";
                },
            (Consumer<Job>)
                j -> {
                  var r = trainer(j).getResources();
                  assertEquals(r.getRequests(), r.getLimits());
                  assertEquals(new Quantity("4"), r.getLimits().get("cpu"));
                  assertEquals(new Quantity("8Gi"), r.getLimits().get("memory"));
                  assertEquals(List.of("--cpus", "4"), trainer(j).getArgs().subList(9, 11));
                }),
        Arguments.of(
            "no memory named, CPU: the estimate as a request, no limit",
            (Consumer<FineTuneJobSpec>) s -> s.resources.cpu = "2",
            (Consumer<Job>)
                j -> {
                  var r = trainer(j).getResources();
                  assertEquals(new Quantity("2432Mi"), r.getRequests().get("memory"));
                  assertFalse(r.getLimits().containsKey("memory"), r.toString());
                  assertEquals(new Quantity("2"), r.getLimits().get("cpu"));
                }),
        Arguments.of(
            "no memory named, GPU: no memory default (host memory not measured)",
            (Consumer<FineTuneJobSpec>) s -> s.resources.gpus = 1,
            (Consumer<Job>)
                j -> {
                  var r = trainer(j).getResources();
                  assertFalse(r.getRequests().containsKey("memory"), r.toString());
                  assertFalse(r.getLimits().containsKey("memory"), r.toString());
                }),
        Arguments.of(
            "fractional cpu rounds --cpus up",
            (Consumer<FineTuneJobSpec>) s -> s.resources.cpu = "1500m",
            (Consumer<Job>) j -> assertEquals("2", trainer(j).getArgs().get(10))),
        Arguments.of(
            "gpus become nvidia.com/gpu limits",
            (Consumer<FineTuneJobSpec>) s -> s.resources.gpus = 2,
            (Consumer<Job>)
                j -> {
                  assertEquals(
                      new Quantity("2"),
                      trainer(j).getResources().getLimits().get("nvidia.com/gpu"));
                  // G1 sizes the young generation itself on a GPU (TrainerHeap)
                  assertTrue(
                      trainer(j).getEnv().stream()
                          .noneMatch(e -> e.getName().equals("JDK_JAVA_OPTIONS")));
                }),
        Arguments.of(
            "credentials only by envFrom secretRef",
            (Consumer<FineTuneJobSpec>) s -> s.checkpoints.credentialsSecret = "s3-creds",
            (Consumer<Job>)
                j ->
                    assertEquals(
                        "s3-creds", trainer(j).getEnvFrom().get(0).getSecretRef().getName())),
        Arguments.of(
            "kueue: queue label and suspended Job",
            (Consumer<FineTuneJobSpec>) s -> s.queueName = "gpu-queue",
            (Consumer<Job>)
                j -> {
                  assertEquals(
                      "gpu-queue", j.getMetadata().getLabels().get("kueue.x-k8s.io/queue-name"));
                  assertTrue(j.getSpec().getSuspend());
                  // One Job across retries (one Workload, its place in the queue kept): one
                  // indexed pod that the Job replaces, up to spec.backoffLimit (default 3).
                  assertEquals(null, j.getSpec().getBackoffLimit());
                  assertEquals("Indexed", j.getSpec().getCompletionMode());
                  assertEquals(1, j.getSpec().getCompletions());
                  assertEquals(1, j.getSpec().getParallelism());
                  assertEquals(3, j.getSpec().getBackoffLimitPerIndex());
                  // A disruption and SIGTERM (how Kueue's suspension stops the pod) do not count,
                  // a permanent exit code ends the Job, 128/129/137 count.
                  var rules = j.getSpec().getPodFailurePolicy().getRules();
                  assertEquals(3, rules.size(), rules.toString());
                  assertEquals("Ignore", rules.get(0).getAction());
                  assertEquals(
                      "DisruptionTarget", rules.get(0).getOnPodConditions().get(0).getType());
                  assertEquals("Ignore", rules.get(1).getAction());
                  assertEquals(List.of(143), rules.get(1).getOnExitCodes().getValues());
                  assertEquals("FailJob", rules.get(2).getAction());
                  assertEquals("NotIn", rules.get(2).getOnExitCodes().getOperator());
                  assertEquals(
                      List.of(128, 129, 137, 143), rules.get(2).getOnExitCodes().getValues());
                  // the pods it replaced, for the trainer's attempt number
                  assertEquals(
                      "metadata.annotations['batch.kubernetes.io/job-index-failure-count']",
                      trainer(j).getEnv().stream()
                          .filter(e -> e.getName().equals("FINETUNE_JOB_FAILURES"))
                          .findFirst()
                          .orElseThrow()
                          .getValueFrom()
                          .getFieldRef()
                          .getFieldPath());
                }),
        Arguments.of(
            "scheduling fields go to the pod",
            (Consumer<FineTuneJobSpec>)
                s -> {
                  s.nodeSelector = Map.of("gpu", "a100");
                  s.tolerations =
                      List.of(
                          new TolerationBuilder()
                              .withKey("nvidia.com/gpu")
                              .withOperator("Exists")
                              .withEffect("NoSchedule")
                              .build());
                  s.priorityClassName = "low";
                  s.ttlSecondsAfterFinished = 600;
                },
            (Consumer<Job>)
                j -> {
                  PodSpec p = j.getSpec().getTemplate().getSpec();
                  assertEquals(Map.of("gpu", "a100"), p.getNodeSelector());
                  assertEquals("nvidia.com/gpu", p.getTolerations().get(0).getKey());
                  assertEquals("low", p.getPriorityClassName());
                  assertEquals(600, j.getSpec().getTtlSecondsAfterFinished());
                }),
        Arguments.of(
            "spec.image overrides the configured image",
            (Consumer<FineTuneJobSpec>) s -> s.image = "registry/trainer:v2",
            (Consumer<Job>) j -> assertEquals("registry/trainer:v2", trainer(j).getImage())),
        Arguments.of(
            "no gpus: the CPU image, no GPU toleration",
            (Consumer<FineTuneJobSpec>) s -> s.resources.gpus = 0,
            (Consumer<Job>)
                j -> {
                  assertEquals("trainer:test", trainer(j).getImage());
                  assertEquals(List.of(), j.getSpec().getTemplate().getSpec().getTolerations());
                }),
        Arguments.of(
            "gpus >= 1: the GPU image and the nvidia.com/gpu:NoSchedule toleration",
            (Consumer<FineTuneJobSpec>) s -> s.resources.gpus = 1,
            (Consumer<Job>)
                j -> {
                  assertEquals("trainer-gpu:test", trainer(j).getImage());
                  var t = j.getSpec().getTemplate().getSpec().getTolerations();
                  assertEquals(1, t.size());
                  assertEquals(
                      List.of("nvidia.com/gpu", "Exists", "NoSchedule"),
                      List.of(t.get(0).getKey(), t.get(0).getOperator(), t.get(0).getEffect()));
                }),
        Arguments.of(
            "gpus >= 1 keeps the spec's own GPU toleration and image",
            (Consumer<FineTuneJobSpec>)
                s -> {
                  s.resources.gpus = 2;
                  s.image = "registry/trainer:cuda";
                  s.tolerations =
                      List.of(
                          new TolerationBuilder()
                              .withKey("nvidia.com/gpu")
                              .withOperator("Equal")
                              .withValue("a100")
                              .withEffect("NoSchedule")
                              .build(),
                          new TolerationBuilder().withKey("spot").withOperator("Exists").build());
                },
            (Consumer<Job>)
                j -> {
                  assertEquals("registry/trainer:cuda", trainer(j).getImage());
                  var t = j.getSpec().getTemplate().getSpec().getTolerations();
                  assertEquals(
                      List.of("nvidia.com/gpu", "spot"), t.stream().map(x -> x.getKey()).toList());
                  assertEquals("a100", t.get(0).getValue());
                }),
        Arguments.of(
            "natives come with the image: no DJL_CACHE_DIR volume path",
            (Consumer<FineTuneJobSpec>) s -> {},
            (Consumer<Job>)
                j ->
                    assertTrue(
                        trainer(j).getEnv().stream()
                            .noneMatch(e -> e.getName().equals("DJL_CACHE_DIR")))),
        Arguments.of(
            "no resources: no --cpus flag",
            (Consumer<FineTuneJobSpec>) s -> {},
            (Consumer<Job>) j -> assertFalse(trainer(j).getArgs().contains("--cpus"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specCases")
  void template(String name, Consumer<FineTuneJobSpec> spec, Consumer<Job> check) {
    check.accept(job(ftj("exp").spec(spec).obj()));
  }

  @Test
  void uriAllowlistFromOperatorConfigBecomesTrainerEnv() {
    Container c =
        trainer(
            TrainerJobResource.desired(
                ftj("exp").obj(),
                1,
                dev.finetune.operator.Fixtures.config("huggingface.co,*.hf.co", "https,s3,hf"),
                null));
    assertEquals("huggingface.co,*.hf.co", env(c, "FINETUNE_ALLOWED_HOSTS"));
    assertEquals("https,s3,hf", env(c, "FINETUNE_ALLOWED_SCHEMES"));
    assertTrue(
        trainer(job(ftj("exp").obj())).getEnv().stream()
            .noneMatch(e -> e.getName().startsWith("FINETUNE_ALLOWED_")),
        "unset: no variables");
  }

  @Test
  void fromJobResolvesToTheSourceModel() {
    FineTuneJob f = ftj("target").fromJob("source").obj();
    Job j = TrainerJobResource.desired(f, 1, config(), "s3://ckpt/source/model/model.safetensors");
    assertEquals(
        List.of("--from-job", "source=s3://ckpt/source/model/model.safetensors"),
        trainer(j).getArgs().subList(9, 11));
  }

  @Test
  void specConfigMapHoldsOnlyTheTrainersFields() {
    FineTuneJob f =
        ftj("exp")
            .spec(
                s -> {
                  s.queueName = "q";
                  s.nodeSelector = Map.of("a", "b");
                  s.suspend = true;
                })
            .obj();
    var cm = SpecConfigMapResource.desired(f);
    assertEquals("exp-spec", cm.getMetadata().getName());
    String yaml = cm.getData().get("job.yaml");
    assertTrue(yaml.contains("kind: \"FineTuneJob\"") || yaml.contains("kind: FineTuneJob"), yaml);
    assertTrue(yaml.contains("s3://data/train.tar.gz"), yaml);
    assertFalse(yaml.contains("queueName"), yaml);
    assertFalse(yaml.contains("nodeSelector"), yaml);
    assertFalse(yaml.contains("suspend"), yaml);
    assertFalse(yaml.contains("uid"), yaml);
    assertEquals("uid-exp", cm.getMetadata().getOwnerReferences().get(0).getUid());
  }
}
