package dev.finetune.operator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.operator.sim.OperatorProcess;
import dev.finetune.operator.sim.SimulatedKubelet;
import dev.finetune.testsupport.Command;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admission webhook of {@code deploy/overlays/webhook} called by the real kube-apiserver over
 * TLS. The operator serves HTTPS with a certificate for 127.0.0.1 signed by a test CA (in a
 * cluster, cert-manager issues it); the ValidatingWebhookConfiguration is the shipped one with two
 * changes a local process needs: {@code clientConfig.url} instead of the Service (no pod network
 * here) and the CA bundle that cert-manager's cainjector would fill in. Rules, failure policy,
 * match policy and namespace selector are as shipped.
 */
class ClusterWebhookIT {
  static final String NS = "webhook-checks";
  static final String PATH = "/admission/validate-finetunejob";
  static final String SWEEP_PATH = "/admission/validate-finetunesweep";
  static RealCluster cluster;
  static Path dir;
  static OperatorProcess operator;
  static String webhookName;

  @BeforeAll
  static void install() throws Exception {
    cluster = OperatorInstall.withBase(NS);
    dir = Files.createTempDirectory("cluster-webhook-it-");
    Path ca = servingCertificate(dir);
    int httpsPort = SimulatedKubelet.freePort();
    operator =
        OperatorInstall.startOperator(
            cluster,
            dir.resolve("operator.log"),
            "finetune-operator-webhook",
            Map.of(
                "quarkus.http.ssl-port", String.valueOf(httpsPort),
                "quarkus.http.ssl.certificate.files", dir.resolve("tls.crt").toString(),
                "quarkus.http.ssl.certificate.key-files", dir.resolve("tls.key").toString()));

    List<HasMetadata> rendered = OperatorInstall.render(cluster, "deploy/overlays/webhook");
    ValidatingWebhookConfiguration webhook =
        rendered.stream()
            .filter(ValidatingWebhookConfiguration.class::isInstance)
            .map(ValidatingWebhookConfiguration.class::cast)
            .findFirst()
            .orElseThrow();
    webhookName = webhook.getMetadata().getName();
    String caBundle = Base64.getEncoder().encodeToString(Files.readAllBytes(ca));
    assertEquals(
        List.of(PATH, SWEEP_PATH),
        webhook.getWebhooks().stream()
            .map(w -> w.getClientConfig().getService().getPath())
            .toList(),
        "the shipped paths");
    webhook
        .getWebhooks()
        .forEach(
            w -> {
              WebhookClientConfig c = w.getClientConfig();
              String path = c.getService().getPath();
              c.setService(null);
              c.setUrl("https://127.0.0.1:" + httpsPort + path);
              c.setCaBundle(caBundle);
            });
    OperatorInstall.apply(cluster.admin(), List.of(webhook));
  }

  /** A CA and a serving certificate for 127.0.0.1 (openssl), as cert-manager would issue. */
  static Path servingCertificate(Path dir) {
    String d = dir.toString();
    RealCluster.run(
        List.of(
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            d + "/ca.key",
            "-out",
            d + "/ca.crt",
            "-days",
            "1",
            "-subj",
            "/CN=webhook-test-ca"),
        60);
    RealCluster.run(
        List.of(
            "openssl",
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            d + "/tls.key",
            "-out",
            d + "/tls.csr",
            "-subj",
            "/CN=finetune-operator-webhook"),
        60);
    try {
      Files.writeString(
          dir.resolve("tls.ext"),
          "subjectAltName=IP:127.0.0.1\n" + "extendedKeyUsage=serverAuth\n",
          StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    RealCluster.run(
        List.of(
            "openssl",
            "x509",
            "-req",
            "-in",
            d + "/tls.csr",
            "-CA",
            d + "/ca.crt",
            "-CAkey",
            d + "/ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-out",
            d + "/tls.crt",
            "-extfile",
            d + "/tls.ext"),
        60);
    return dir.resolve("ca.crt");
  }

  @AfterAll
  static void stop() throws Exception {
    if (webhookName != null) {
      cluster
          .admin()
          .admissionRegistration()
          .v1()
          .validatingWebhookConfigurations()
          .withName(webhookName)
          .delete();
    }
    if (operator != null) {
      operator.close();
    }
  }

  static String job(String name, String training) {
    return ApiJobs.yaml(name, NS, training);
  }

  @Test
  void kubectlApplyOfAFrozenOutputLayerIsRefusedWithTheValidatorsMessage() {
    Command.Result r =
        cluster.kubectlWithInput(job("frozen-fc", "freeze: [conv1, fc]"), "apply", "-f", "-");
    assertNotEquals(0, r.exitCode(), r.stdout());
    assertTrue(
        r.stderr()
            .contains(
                "admission webhook \"validate.finetunejobs.finetune.dev\"" + " denied the request"),
        r.stderr());
    assertTrue(
        r.stderr()
            .contains("spec.training.freeze: 'fc' is the new output layer and cannot be frozen"),
        r.stderr());
    assertEquals(
        null,
        cluster
            .admin()
            .genericKubernetesResources("finetune.dev/v1alpha1", "FineTuneJob")
            .inNamespace(NS)
            .withName("frozen-fc")
            .get(),
        "nothing was stored");
  }

  @Test
  void aValidJobIsAdmitted() {
    cluster
        .kubectlWithInput(job("frozen-front", "freeze: [conv1, bn1, layer1]"), "apply", "-f", "-")
        .ok();
  }

  @Test
  void aServerSideDryRunIsJudgedToo() {
    Command.Result r =
        cluster.kubectlWithInput(
            job("dry", "freeze: [fc]"), "apply", "--server-side", "--dry-run=server", "-f", "-");
    assertNotEquals(0, r.exitCode(), r.stdout());
    assertTrue(r.stderr().contains("'fc' is the new output layer"), r.stderr());
  }

  /** The example sweep renamed, with one line of its YAML replaced. */
  static String sweep(String name, String line, String replacement) throws Exception {
    String yaml =
        Files.readString(RealCluster.ROOT.resolve("deploy/examples/hotdog-sweep.yaml"))
            .replace("name: hotdog-sweep", "name: " + name + "\n  namespace: " + NS);
    assertTrue(line.isEmpty() || yaml.contains(line), line);
    return line.isEmpty() ? yaml : yaml.replace(line, replacement);
  }

  Command.Result refused(String yaml) {
    Command.Result r = cluster.kubectlWithInput(yaml, "apply", "-f", "-");
    assertNotEquals(0, r.exitCode(), r.stdout());
    return r;
  }

  /** Hostile sweeps: the webhook (or the CRD's schema) answers each with one line. */
  @Test
  void hostileSweepsAreRefusedWithOneLineEach() throws Exception {
    String byWebhook =
        "admission webhook \"validate.finetunesweeps.finetune.dev\" denied the" + " request: ";
    Command.Result unknown =
        refused(sweep("unknown-path", "- name: training.freeze", "- name: training.frozen"));
    assertTrue(
        unknown
            .stderr()
            .contains(
                byWebhook
                    + "spec.parameters[0].name: 'training.frozen'"
                    + " is not a sweepable FineTuneJob spec field; allowed: "),
        unknown.stderr());
    Command.Result wrongType =
        refused(
            sweep(
                "wrong-type",
                "- name: training.headLearningRateMultiplier",
                "- name: training.epochs"));
    assertTrue(
        wrongType
            .stderr()
            .contains(
                byWebhook
                    + "spec.parameters[1].searchSpace.logUniform:"
                    + " needs a real-number field; training.epochs is an integer: use integer"),
        wrongType.stderr());
    Command.Result empty =
        refused(
            sweep(
                "empty-space",
                "choices: [\"\", \"conv1,bn1,layer1\", \"conv1,bn1,layer1,layer2\"]",
                "choices: []"));
    assertTrue(
        empty
            .stderr()
            .contains(byWebhook + "spec.parameters[0].searchSpace.categorical.choices: is empty"),
        empty.stderr());
    Command.Result huge =
        refused(
            sweep(
                "huge-grid",
                "{min: 1, max: 100, gridPoints: 3}",
                "{min: 1, max: 100, gridPoints: 1000}\n    - name: training.seed\n      searchSpace:"
                    + " {integer: {min: 0, max: 999}}"));
    assertTrue(
        huge.stderr()
            .contains(
                byWebhook
                    + "spec.parameters: the grid has 3000000 points;"
                    + " at most 1000 allowed"),
        huge.stderr());
    // parallelTrials 0 never reaches the webhook: the CRD's schema refuses it.
    Command.Result zero = refused(sweep("no-parallel", "parallelTrials: 2", "parallelTrials: 0"));
    assertTrue(zero.stderr().contains("spec.parallelTrials: Invalid value: 0"), zero.stderr());
    for (String name :
        List.of("unknown-path", "wrong-type", "empty-space", "huge-grid", "no-parallel")) {
      assertEquals(
          null,
          cluster
              .admin()
              .genericKubernetesResources("finetune.dev/v1alpha1", "FineTuneSweep")
              .inNamespace(NS)
              .withName(name)
              .get(),
          name + " was stored");
    }
  }

  /**
   * A valid sweep whose template has no dataset.validation is admitted, and the operator, as its
   * ServiceAccount under the shipped RBAC, reports that it cannot measure the objective and starts
   * no trial; its spec is immutable except spec.suspend.
   */
  @Test
  void aValidSweepIsAdmittedAndReportsWhyNoTrialRuns() throws Exception {
    cluster
        .kubectlWithInput(sweep("admitted", "validation: {fraction: 0.2}", ""), "apply", "-f", "-")
        .ok();
    var sweeps =
        cluster.admin().resources(dev.finetune.api.v1alpha1.FineTuneSweep.class).inNamespace(NS);
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(60))
        .until(
            () -> {
              var s = sweeps.withName("admitted").get();
              return s.getStatus() != null
                  && s.getStatus().conditions.stream()
                      .anyMatch(
                          c ->
                              "Stalled".equals(c.getType())
                                  && "ObjectiveUnavailable".equals(c.getReason()));
            });
    String table = cluster.kubectl("get", "fts", "admitted", "-n", NS).ok().stdout();
    assertTrue(table.startsWith("NAME       TRIALS   BEST   GAIN   PHASE     AGE"), table);
    assertEquals(
        List.of("admitted", "0", "Pending"),
        List.of(table.lines().toList().get(1).split(" +")).subList(0, 3),
        table);
    assertEquals(
        List.of(),
        cluster
            .admin()
            .resources(dev.finetune.api.v1alpha1.FineTuneJob.class)
            .inNamespace(NS)
            .withLabel("finetune.dev/sweep", "admitted")
            .list()
            .getItems());
    Command.Result edit =
        cluster.kubectl(
            "patch",
            "fts",
            "admitted",
            "-n",
            NS,
            "--type=merge",
            "-p",
            "{\"spec\":{\"parallelTrials\":3}}");
    assertNotEquals(0, edit.exitCode(), edit.stdout());
    assertTrue(
        edit.stderr().contains("spec is immutable except spec.suspend: create a new FineTuneSweep"),
        edit.stderr());
    // spec.suspend alone may change, both ways.
    for (String suspend : List.of("true", "false")) {
      cluster
          .kubectl(
              "patch",
              "fts",
              "admitted",
              "-n",
              NS,
              "--type=merge",
              "-p",
              "{\"spec\":{\"suspend\":" + suspend + "}}")
          .ok();
    }
  }
}
