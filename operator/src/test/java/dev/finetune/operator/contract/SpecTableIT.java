package dev.finetune.operator.contract;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.api.v1alpha1.spec.NormalizeSpec;
import dev.finetune.api.v1alpha1.spec.PretrainedSpec;
import dev.finetune.contract.Conditions;
import dev.finetune.contract.UriSchemes;
import dev.finetune.operator.Fixtures;
import dev.finetune.operator.act.TrainerJobResource;
import dev.finetune.operator.it.CrdSetup;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One fixture list of valid and invalid FineTuneJobs, run through the three entry points that judge
 * a spec: the admission webhook over HTTP, the reconciler (its Failed condition, or the trainer Job
 * it creates), and {@code finetune validate --cluster} as a process (the trainer jar). All three
 * must accept the same specs and reject the others with the same message, so a rule added to one
 * and not the others fails here.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = CrdSetup.class)
@TestProfile(SpecTableIT.AsDeployBase.class)
class SpecTableIT {
  /** The operator's URI allowlist as deploy/base sets it; validate --cluster's default. */
  public static class AsDeployBase implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(UriSchemes.SETTING, String.join(",", UriSchemes.CLUSTER_DEFAULT));
    }
  }

  static final String NS = "table";
  static final String WEBHOOK = "/admission/validate-finetunejob";

  @Inject KubernetesClient client;

  @TempDir Path dir;

  static FineTuneJob job(String name, Consumer<FineTuneJobSpec> edit) {
    return Fixtures.ftj(name)
        .sentTo(NS)
        .spec(
            s -> {
              s.resources.cpu = "2";
              s.resources.memory = "4Gi";
            })
        .spec(edit)
        .obj();
  }

  static void pretrained(FineTuneJobSpec s) {
    s.model.pretrained = new PretrainedSpec();
    s.model.pretrained.uri = "hf://timm/resnet18.a1_in1k";
  }

  static void mlflow(FineTuneJobSpec s, String uri, String modelName, String secret) {
    s.registry = new dev.finetune.api.v1alpha1.spec.RegistrySpec();
    s.registry.mlflow = new dev.finetune.api.v1alpha1.spec.MlflowRegistrySpec();
    s.registry.mlflow.uri = uri;
    s.registry.mlflow.modelName = modelName;
    s.registry.mlflow.credentialsSecret = secret;
  }

  /** name, job, the expected "field: problem" (null: valid). */
  static Stream<Arguments> table() {
    String longName = "n".repeat(49);
    return Stream.of(
        Arguments.of("valid", job("t-valid", s -> {}), null),
        Arguments.of(
            "valid with freeze",
            job(
                "t-freeze-ok",
                s -> {
                  pretrained(s);
                  s.training.freeze = List.of("conv1", "bn1", "layer1", "layer2.0.bn1");
                }),
            null),
        Arguments.of("longest name", job("m".repeat(48), s -> {}), null),
        Arguments.of(
            "valid MLflow registry",
            job(
                "t-mlflow-ok",
                s -> mlflow(s, "http://mlflow.mlflow.svc:5000", "resnet18-cats", "mlflow-creds")),
            null),
        Arguments.of(
            "MLflow URL without a host",
            job("t-mlflow-host", s -> mlflow(s, "http:///api", null, null)),
            "spec.registry.mlflow.uri: 'http:///api' is not a URL"
                + " with a host; use http://HOST[:PORT][/PATH] or https://HOST[:PORT][/PATH]"),
        Arguments.of(
            "MLflow model name with a slash",
            job("t-mlflow-name", s -> mlflow(s, "https://mlflow.example.com", "team/cats", null)),
            "spec.registry.mlflow.modelName: must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$, got"
                + " 'team/cats'"),
        Arguments.of(
            "valid auto recipe",
            job(
                "t-auto-ok",
                s -> {
                  pretrained(s);
                  s.training.recipe = dev.finetune.api.v1alpha1.spec.RecipeMode.AUTO;
                }),
            null),
        Arguments.of(
            "auto recipe with a freeze list",
            job(
                "t-auto-freeze",
                s -> {
                  pretrained(s);
                  s.training.recipe = dev.finetune.api.v1alpha1.spec.RecipeMode.AUTO;
                  s.training.freeze = List.of("conv1");
                }),
            "spec.training.freeze: must be empty with training.recipe: auto, which picks the"
                + " depth itself (none, layer1, layer2 or layer3); remove freeze or set recipe:"
                + " fixed"),
        Arguments.of(
            "auto recipe without a source model",
            job(
                "t-auto-scratch",
                s -> s.training.recipe = dev.finetune.api.v1alpha1.spec.RecipeMode.AUTO),
            "spec.training.recipe: auto chooses how to fine-tune a source model and needs"
                + " spec.model.pretrained; use fixed to train from scratch"),
        Arguments.of(
            "freeze fc",
            job(
                "t-freeze-fc",
                s -> {
                  pretrained(s);
                  s.training.freeze = List.of("fc");
                }),
            "spec.training.freeze: 'fc' is the new output layer and cannot be frozen"),
        Arguments.of(
            "freeze unknown module",
            job(
                "t-freeze-x",
                s -> {
                  pretrained(s);
                  s.training.freeze = List.of("layer5");
                }),
            "spec.training.freeze: unknown module 'layer5'; allowed: conv1, bn1, layer1..layer4,"
                + " or a block/module inside them such as layer3.1 or layer2.0.bn1"),
        Arguments.of(
            "name of 49 characters",
            job(longName, s -> {}),
            "metadata.name: must be a DNS-1123 label of at most 48 characters (lower case"
                + " letters, digits and '-'), so that trainer Job names (NAME-attempt-N) stay"
                + " 63-character labels, got '"
                + longName
                + "'"),
        Arguments.of(
            "name with a dot",
            job("t.dot", s -> {}),
            "metadata.name: must be a DNS-1123 label of at most 48 characters (lower case"
                + " letters, digits and '-'), so that trainer Job names (NAME-attempt-N) stay"
                + " 63-character labels, got 't.dot'"),
        Arguments.of(
            "file checkpoints",
            job("t-file-ckpt", s -> s.checkpoints.uri = "file:///c"),
            "spec.checkpoints.uri: scheme 'file' is not supported in a cluster (the trainer pod"
                + " has no persistent disk); use s3://BUCKET/PREFIX"),
        Arguments.of(
            "ftp dataset",
            job("t-ftp", s -> s.dataset.train = "ftp://h/t.zip"),
            "spec.dataset.train: scheme 'ftp' is not allowed in this cluster; allowed: http,"
                + " https, s3, hf (finetune.operator.trainer-allowed-schemes)"),
        Arguments.of(
            "file dataset: the pod would refuse it",
            job("t-file-data", s -> s.dataset.test = "file:///data/test"),
            "spec.dataset.test: scheme 'file' is not allowed in this cluster; allowed: http,"
                + " https, s3, hf (finetune.operator.trainer-allowed-schemes)"),
        Arguments.of(
            "http dataset: the pod admits it",
            job("t-http-data", s -> s.dataset.train = "http://data.example.com/train.zip"),
            null),
        Arguments.of(
            "file source model",
            job(
                "t-file-model",
                s -> {
                  pretrained(s);
                  s.model.pretrained.uri = "file:///models/resnet18.safetensors";
                }),
            "spec.model.pretrained.uri: scheme 'file' is not allowed in this cluster; allowed:"
                + " http, https, s3, hf (finetune.operator.trainer-allowed-schemes)"),
        Arguments.of(
            "duplicate classes",
            job("t-classes", s -> s.dataset.classes = List.of("cat", "cat", "dog")),
            "spec.dataset.classes: class names must be non-empty and unique, got 'cat'"),
        Arguments.of(
            "normalize std zero",
            job(
                "t-norm",
                s -> {
                  s.transforms.normalize = new NormalizeSpec();
                  s.transforms.normalize.mean = List.of(0.5, 0.5, 0.5);
                  s.transforms.normalize.std = List.of(0.5, 0.0, 0.5);
                }),
            "spec.transforms.normalize.std: every value must be > 0, got [0.5, 0.0, 0.5]"),
        Arguments.of(
            "uri and fromJob",
            job(
                "t-both",
                s -> {
                  pretrained(s);
                  s.model.pretrained.fromJob = "src";
                }),
            "spec.model.pretrained: set exactly one of uri or fromJob"),
        Arguments.of(
            "fromJob names itself",
            job(
                "t-self",
                s -> {
                  s.model.pretrained = new PretrainedSpec();
                  s.model.pretrained.fromJob = "t-self";
                }),
            "spec.model.pretrained.fromJob: a job cannot start from its own model"),
        Arguments.of(
            "epochs out of range",
            job("t-epochs", s -> s.training.epochs = 0),
            "spec.training.epochs: must be in [1, 10000], got 0"),
        Arguments.of(
            "cpu not a quantity",
            job("t-cpu", s -> s.resources.cpu = "four"),
            "spec.resources.cpu: 'four' is not a Kubernetes quantity (e.g. \"4\", \"500m\","
                + " \"8Gi\")"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void allEntryPointsAgree(String name, FineTuneJob job, String expected) throws Exception {
    assertEquals(expected, webhook(job), "admission webhook");
    assertEquals(expected, cli(job), "finetune validate --cluster");
    assertEquals(expected, reconciler(job), "reconciler");
  }

  /** The webhook's denial message, or null when it allows the object. */
  String webhook(FineTuneJob job) {
    Map<String, Object> request = new LinkedHashMap<>();
    request.put("uid", "u-" + job.getMetadata().getName());
    request.put(
        "kind", Map.of("group", "finetune.dev", "version", "v1alpha1", "kind", "FineTuneJob"));
    request.put(
        "resource",
        Map.of("group", "finetune.dev", "version", "v1alpha1", "resource", "finetunejobs"));
    request.put("name", job.getMetadata().getName());
    request.put("namespace", NS);
    request.put("operation", "CREATE");
    request.put("object", client.getKubernetesSerialization().convertValue(job, Map.class));
    JsonPath response =
        given()
            .contentType(ContentType.JSON)
            .body(
                Map.of(
                    "apiVersion",
                    "admission.k8s.io/v1",
                    "kind",
                    "AdmissionReview",
                    "request",
                    request))
            .when()
            .post(WEBHOOK)
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
    return response.getBoolean("response.allowed")
        ? null
        : response.getString("response.status.message");
  }

  /** The first problem {@code finetune validate --cluster} reports, or null on exit 0. */
  String cli(FineTuneJob job) throws Exception {
    Path yaml = dir.resolve(job.getMetadata().getName() + ".yaml");
    Files.writeString(yaml, client.getKubernetesSerialization().asYaml(job));
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true",
                "-cp",
                System.getProperty("finetune.trainer.classpath"),
                "dev.finetune.trainer.cli.Main",
                "validate",
                "--cluster",
                yaml.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "finetune validate did not finish");
    if (p.exitValue() == 0) {
      return null;
    }
    assertEquals(3, p.exitValue(), out);
    String prefix = "error: " + yaml + ": ";
    String line =
        out.lines()
            .filter(l -> l.startsWith(prefix))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no '" + prefix + "' line in:\n" + out));
    String first = line.substring(prefix.length());
    int more = first.indexOf(" (and ");
    return more < 0 ? first : first.substring(0, more);
  }

  /** The reconciler's InvalidSpec message, or null once it created the first trainer Job. */
  String reconciler(FineTuneJob job) {
    String name = job.getMetadata().getName();
    client.resource(job).create();
    String[] verdict = new String[1];
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              FineTuneJob f =
                  client.resources(FineTuneJob.class).inNamespace(NS).withName(name).get();
              var failed =
                  f.getStatus() == null || f.getStatus().conditions == null
                      ? null
                      : f.getStatus().conditions.stream()
                          .filter(
                              c ->
                                  Conditions.FAILED.equals(c.getType())
                                      && Conditions.INVALID_SPEC.equals(c.getReason()))
                          .findFirst()
                          .orElse(null);
              if (failed != null) {
                verdict[0] = failed.getMessage();
                return true;
              }
              Job attempt =
                  client
                      .batch()
                      .v1()
                      .jobs()
                      .inNamespace(NS)
                      .withName(TrainerJobResource.name(f, 1))
                      .get();
              return attempt != null;
            });
    return verdict[0];
  }
}
