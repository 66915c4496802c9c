package dev.finetune.operator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.testsupport.Command;
import dev.finetune.operator.sim.OperatorProcess;
import dev.finetune.operator.sim.SimulatedKubelet;
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
 * cluster, cert-manager issues it); the ValidatingWebhookConfiguration is the shipped one with
 * two changes a local process needs: {@code clientConfig.url} instead of the Service (no pod
 * network here) and the CA bundle that cert-manager's cainjector would fill in. Rules, failure
 * policy, match policy and namespace selector are as shipped.
 */
class ClusterWebhookIT {
  static final String NS = "webhook-checks";
  static final String PATH = "/admission/validate-finetunejob";
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
    operator = OperatorInstall.startOperator(cluster, dir.resolve("operator.log"),
        "finetune-operator-webhook", Map.of(
            "quarkus.http.ssl-port", String.valueOf(httpsPort),
            "quarkus.http.ssl.certificate.files", dir.resolve("tls.crt").toString(),
            "quarkus.http.ssl.certificate.key-files", dir.resolve("tls.key").toString()));

    List<HasMetadata> rendered = OperatorInstall.render(cluster, "deploy/overlays/webhook");
    ValidatingWebhookConfiguration webhook = rendered.stream()
        .filter(ValidatingWebhookConfiguration.class::isInstance)
        .map(ValidatingWebhookConfiguration.class::cast).findFirst().orElseThrow();
    webhookName = webhook.getMetadata().getName();
    String caBundle = Base64.getEncoder().encodeToString(Files.readAllBytes(ca));
    webhook.getWebhooks().forEach(w -> {
      WebhookClientConfig c = w.getClientConfig();
      assertEquals(PATH, c.getService().getPath(), "the shipped webhook's path");
      c.setService(null);
      c.setUrl("https://127.0.0.1:" + httpsPort + PATH);
      c.setCaBundle(caBundle);
    });
    OperatorInstall.apply(cluster.admin(), List.of(webhook));
  }

  /** A CA and a serving certificate for 127.0.0.1 (openssl), as cert-manager would issue. */
  static Path servingCertificate(Path dir) {
    String d = dir.toString();
    RealCluster.run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
        "-keyout", d + "/ca.key", "-out", d + "/ca.crt", "-days", "1", "-subj",
        "/CN=webhook-test-ca"), 60);
    RealCluster.run(List.of("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout",
        d + "/tls.key", "-out", d + "/tls.csr", "-subj", "/CN=finetune-operator-webhook"), 60);
    try {
      Files.writeString(dir.resolve("tls.ext"), "subjectAltName=IP:127.0.0.1\n"
          + "extendedKeyUsage=serverAuth\n", StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    RealCluster.run(List.of("openssl", "x509", "-req", "-in", d + "/tls.csr", "-CA",
        d + "/ca.crt", "-CAkey", d + "/ca.key", "-CAcreateserial", "-days", "1", "-out",
        d + "/tls.crt", "-extfile", d + "/tls.ext"), 60);
    return dir.resolve("ca.crt");
  }

  @AfterAll
  static void stop() throws Exception {
    if (webhookName != null) {
      cluster.admin().admissionRegistration().v1().validatingWebhookConfigurations()
          .withName(webhookName).delete();
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
    Command.Result r = cluster.kubectlWithInput(job("frozen-fc", "freeze: [conv1, fc]"),
        "apply", "-f", "-");
    assertNotEquals(0, r.exitCode(), r.stdout());
    assertTrue(r.stderr().contains("admission webhook \"validate.finetunejobs.finetune.dev\""
        + " denied the request"), r.stderr());
    assertTrue(r.stderr().contains(
        "spec.training.freeze: 'fc' is the new output layer and cannot be frozen"), r.stderr());
    assertEquals(null, cluster.admin().genericKubernetesResources("finetune.dev/v1alpha1",
        "FineTuneJob").inNamespace(NS).withName("frozen-fc").get(), "nothing was stored");
  }

  @Test
  void aValidJobIsAdmitted() {
    cluster.kubectlWithInput(job("frozen-front", "freeze: [conv1, bn1, layer1]"), "apply",
        "-f", "-").ok();
  }

  @Test
  void aServerSideDryRunIsJudgedToo() {
    Command.Result r = cluster.kubectlWithInput(job("dry", "freeze: [fc]"), "apply",
        "--server-side", "--dry-run=server", "-f", "-");
    assertNotEquals(0, r.exitCode(), r.stdout());
    assertTrue(r.stderr().contains("'fc' is the new output layer"), r.stderr());
  }
}
