package dev.finetune.platform;

import static dev.finetune.platform.Manifests.find;
import static dev.finetune.platform.Manifests.kind;
import static dev.finetune.platform.Manifests.list;
import static dev.finetune.platform.Manifests.map;
import static dev.finetune.platform.Manifests.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** kubectl kustomize renders base and every overlay, and the result has the promised shape. */
class KustomizeRenderTest {
  static final List<String> TARGETS = Manifests.TARGETS;

  @ParameterizedTest
  @FieldSource("TARGETS")
  void rendersWithTheOperatorInItsNamespace(String target) {
    List<Map<String, Object>> objects = render(target);
    Map<String, Object> deployment = find(objects, "Deployment", "finetune-operator").orElseThrow();
    // deploy/overlays/namespace-scoped installs one team's operator in that team's namespace
    String namespace =
        target.equals("deploy/overlays/namespace-scoped") ? "team-a" : "finetune-system";
    assertEquals(namespace, map(deployment, "metadata").get("namespace"));
    if (Manifests.crdExists()) {
      assertTrue(
          find(objects, "CustomResourceDefinition", "finetunejobs.finetune.dev").isPresent(),
          target + " must include the FineTuneJob CRD");
    } else {
      System.err.println(
          "platform-tests: "
              + Manifests.CRD_FILE
              + " missing: not checking that "
              + target
              + " installs the CRD");
    }
    for (Map<String, Object> o : objects) {
      assertFalse(
          kind(o).equals("Secret") && target.equals("deploy/base"),
          "base must not ship credentials");
    }
  }

  /**
   * One rule for URI schemes: the list deploy/base gives trainer pods is the contract's {@code
   * UriSchemes.CLUSTER_DEFAULT}, which {@code finetune validate --cluster} applies by default (the
   * Helm chart's defaults render the same Deployment, HelmChartTest).
   */
  @Test
  void trainerSchemesAreTheContractsClusterDefault() {
    Map<String, Object> deployment =
        find(render("deploy/base"), "Deployment", "finetune-operator").orElseThrow();
    Map<String, Object> container =
        asMap(list(map(deployment, "spec", "template", "spec"), "containers").get(0));
    Object schemes =
        list(container, "env").stream()
            .map(KustomizeRenderTest::asMap)
            .filter(e -> "FINETUNE_OPERATOR_TRAINER_ALLOWED_SCHEMES".equals(e.get("name")))
            .findFirst()
            .orElseThrow()
            .get("value");
    assertEquals(String.join(",", dev.finetune.contract.UriSchemes.CLUSTER_DEFAULT), schemes);
  }

  @Test
  void operatorDeploymentIsHardened() {
    Map<String, Object> deployment =
        find(render("deploy/base"), "Deployment", "finetune-operator").orElseThrow();
    Map<String, Object> pod = map(deployment, "spec", "template", "spec");
    assertEquals("finetune-operator", pod.get("serviceAccountName"));
    assertEquals(true, map(pod, "securityContext").get("runAsNonRoot"));
    assertEquals("RuntimeDefault", map(pod, "securityContext", "seccompProfile").get("type"));
    Map<String, Object> container = asMap(list(pod, "containers").get(0));
    assertEquals("localhost/finetune-operator:0.1.0", container.get("image"));
    Map<String, Object> security = map(container, "securityContext");
    assertEquals(true, security.get("readOnlyRootFilesystem"));
    assertEquals(false, security.get("allowPrivilegeEscalation"));
    assertEquals(List.of("ALL"), list(security, "capabilities", "drop"));
    assertEquals("/q/health/live", map(container, "livenessProbe", "httpGet").get("path"));
    assertEquals("/q/health/ready", map(container, "readinessProbe", "httpGet").get("path"));
    assertFalse(map(container, "resources", "requests").isEmpty());
    assertFalse(map(container, "resources", "limits").isEmpty());
    assertTrue(
        list(container, "env").stream()
            .map(KustomizeRenderTest::asMap)
            .anyMatch(
                e ->
                    "FINETUNE_OPERATOR_TRAINER_IMAGE".equals(e.get("name"))
                        && "localhost/finetune-trainer:0.1.0-cpu".equals(e.get("value"))));
    Map<String, Object> port = asMap(list(container, "ports").get(0));
    assertEquals(8080, port.get("containerPort"));
  }

  @Test
  void rbacIsLeastPrivilege() {
    List<Map<String, Object>> objects = render("deploy/base");
    Map<String, Object> clusterRole =
        find(objects, "ClusterRole", "finetune-operator").orElseThrow();
    Map<String, Set<String>> verbs = verbsByResource(clusterRole);
    // create, delete: a FineTuneSweep's trials and baseline are FineTuneJobs the operator owns.
    assertEquals(
        Set.of("get", "list", "watch", "patch", "update", "create", "delete"),
        verbs.get("finetune.dev/finetunejobs"));
    assertEquals(
        Set.of("get", "list", "watch", "patch", "update"),
        verbs.get("finetune.dev/finetunesweeps"));
    assertEquals(Set.of("get", "patch", "update"), verbs.get("finetune.dev/finetunesweeps/status"));
    assertEquals(Set.of("get", "patch", "update"), verbs.get("finetune.dev/finetunejobs/status"));
    assertEquals(Set.of("update"), verbs.get("finetune.dev/finetunejobs/finalizers"));
    // patch: suspend marks the running Job (ClusterJobIT found it missing on a real API server)
    assertEquals(
        Set.of("create", "get", "list", "watch", "patch", "delete"), verbs.get("batch/jobs"));
    assertEquals(Set.of("get", "list", "watch", "delete"), verbs.get("/pods"));
    assertEquals(
        Set.of("create", "get", "list", "watch", "update", "delete"), verbs.get("/configmaps"));
    assertEquals(Set.of("create", "patch"), verbs.get("/events"));
    assertEquals(Set.of("create", "patch"), verbs.get("events.k8s.io/events"));
    // credentialsSecret is read by name (latestCheckpoint, lineage, artifactPolicy Delete).
    assertEquals(Set.of("get"), verbs.get("/secrets"));
    for (Map<String, Object> o : objects) {
      if (kind(o).equals("ClusterRole") || kind(o).equals("Role")) {
        for (String resource : verbsByResource(o).keySet()) {
          if (resource.endsWith("/secrets")) {
            assertEquals(
                Set.of("get"),
                verbsByResource(o).get(resource),
                "Secrets: get by name only, never list or watch");
          }
          assertFalse(resource.contains("*"), "no wildcards: " + resource);
        }
        verbsByResource(o).values().forEach(v -> assertFalse(v.contains("*"), "no wildcard verbs"));
      }
    }
    Map<String, Object> role =
        find(objects, "Role", "finetune-operator-leader-election").orElseThrow();
    assertEquals(Set.of("coordination.k8s.io/leases"), verbsByResource(role).keySet());
    // Trainer pods run as their namespace's "default" ServiceAccount with no token mounted
    // (TrainerJobResourceTest); nothing per namespace is installed.
    assertTrue(find(objects, "ServiceAccount", "finetune-trainer").isEmpty());
    for (Map<String, Object> o : objects) {
      if (kind(o).endsWith("Binding")) {
        for (Object subject : list(o, "subjects")) {
          assertEquals(
              "finetune-operator",
              asMap(subject).get("name"),
              "only the operator is bound to a role");
        }
      }
    }
  }

  @Test
  void tenantRolesAggregateIntoEditAndView() {
    List<Map<String, Object>> objects = render("deploy/base");
    Map<String, Object> edit = find(objects, "ClusterRole", "finetune-edit").orElseThrow();
    assertEquals(
        "true", map(edit, "metadata", "labels").get("rbac.authorization.k8s.io/aggregate-to-edit"));
    assertEquals(
        "true",
        map(edit, "metadata", "labels").get("rbac.authorization.k8s.io/aggregate-to-admin"));
    assertTrue(
        verbsByResource(edit)
            .get("finetune.dev/finetunejobs")
            .containsAll(Set.of("create", "delete", "patch", "update")));
    assertEquals(
        Set.of("get", "list", "watch"),
        verbsByResource(edit).get("finetune.dev/finetunejobs/status"),
        "only the operator writes status");
    assertTrue(
        verbsByResource(edit)
            .get("finetune.dev/finetunesweeps")
            .containsAll(Set.of("create", "delete")));
    assertEquals(
        Set.of("get", "list", "watch"),
        verbsByResource(edit).get("finetune.dev/finetunesweeps/status"));
    Map<String, Object> view = find(objects, "ClusterRole", "finetune-view").orElseThrow();
    assertEquals(
        "true", map(view, "metadata", "labels").get("rbac.authorization.k8s.io/aggregate-to-view"));
    verbsByResource(view).values().forEach(v -> assertEquals(Set.of("get", "list", "watch"), v));
  }

  @Test
  void everyRbacRuleIsJustifiedByAComment() throws Exception {
    for (String file : List.of("deploy/base/rbac.yaml", "deploy/base/tenant-roles.yaml")) {
      List<String> lines = java.nio.file.Files.readAllLines(Tools.root().resolve(file));
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).trim().startsWith("- apiGroups:")) {
          assertTrue(
              lines.get(i - 1).trim().startsWith("#"),
              "rule at " + file + ":" + (i + 1) + " needs a comment saying why");
        }
      }
    }
  }

  @Test
  void devOverlayAddsMinioBucketJobAndCredentials() {
    List<Map<String, Object>> objects = render("deploy/overlays/dev");
    for (String kind : List.of("Deployment", "PersistentVolumeClaim", "Service")) {
      assertTrue(
          find(objects, kind, "minio").isPresent() || find(objects, kind, "minio-data").isPresent(),
          "dev overlay lacks MinIO " + kind);
    }
    Map<String, Object> job = find(objects, "Job", "minio-create-bucket").orElseThrow();
    Map<String, Object> mc = asMap(list(job, "spec", "template", "spec", "containers").get(0));
    assertTrue(((String) mc.get("image")).contains("minio/mc"));
    Set<String> namespaces =
        objects.stream()
            .filter(o -> kind(o).equals("Secret") && Manifests.name(o).equals("s3-creds"))
            .map(o -> (String) map(o, "metadata").get("namespace"))
            .collect(Collectors.toSet());
    assertEquals(Set.of("finetune-system", "default"), namespaces);
    Map<String, Object> secret =
        objects.stream()
            .filter(o -> kind(o).equals("Secret") && Manifests.name(o).equals("s3-creds"))
            .findFirst()
            .orElseThrow();
    assertTrue(
        map(secret, "data")
            .keySet()
            .containsAll(Set.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL")));
  }

  @Test
  void monitoringOverlayScrapesWithHonorLabelsAndShipsDashboards() {
    List<Map<String, Object>> objects = render("deploy/overlays/monitoring");
    Map<String, Object> podMonitor = find(objects, "PodMonitor", "finetune-trainer").orElseThrow();
    assertEquals(
        "Exists",
        asMap(list(podMonitor, "spec", "selector", "matchExpressions").get(0)).get("operator"));
    assertEquals(
        "finetune.dev/job",
        asMap(list(podMonitor, "spec", "selector", "matchExpressions").get(0)).get("key"));
    Map<String, Object> endpoint = asMap(list(podMonitor, "spec", "podMetricsEndpoints").get(0));
    assertEquals("metrics", endpoint.get("port"));
    assertEquals(
        false,
        endpoint.get("honorLabels"),
        "namespace and job come from the pod, so a"
            + " pod cannot report under another tenant's labels");
    assertEquals(true, map(podMonitor, "spec", "namespaceSelector").get("any"));
    assertEquals(
        "finetune.dev/job",
        map(podMonitor, "spec").get("jobLabel"),
        "up{} of a trainer target carries the FineTuneJob's name (FineTuneScrapeFailing)");
    Map<String, Object> serviceMonitor =
        find(objects, "ServiceMonitor", "finetune-operator").orElseThrow();
    assertEquals("/q/metrics", asMap(list(serviceMonitor, "spec", "endpoints").get(0)).get("path"));
    assertEquals(
        true,
        asMap(list(serviceMonitor, "spec", "endpoints").get(0)).get("honorLabels"),
        "the operator's per-job series keep their namespace/job labels");
    assertTrue(find(objects, "PrometheusRule", "finetune-alerts").isPresent());
    List<Map<String, Object>> dashboards =
        objects.stream()
            .filter(
                o ->
                    kind(o).equals("ConfigMap")
                        && "1".equals(map(o, "metadata", "labels").get("grafana_dashboard")))
            .toList();
    Set<String> files =
        dashboards.stream()
            .flatMap(d -> map(d, "data").keySet().stream())
            .collect(Collectors.toSet());
    assertEquals(
        Set.of("finetune-job.json", "finetune-fleet.json", "finetune-operator.json"), files);
  }

  @Test
  void kueueOverlayHasGpuFlavorQuotaAndLocalQueue() {
    List<Map<String, Object>> objects = render("deploy/overlays/kueue");
    Map<String, Object> flavor = find(objects, "ResourceFlavor", "gpu").orElseThrow();
    assertFalse(map(flavor, "spec", "nodeLabels").isEmpty());
    Map<String, Object> queue = find(objects, "ClusterQueue", "finetune").orElseThrow();
    Map<String, Object> group = asMap(list(queue, "spec", "resourceGroups").get(0));
    assertTrue(list(group, "coveredResources").contains("nvidia.com/gpu"));
    Map<String, Object> local = find(objects, "LocalQueue", "finetune").orElseThrow();
    assertEquals("finetune", map(local, "spec").get("clusterQueue"));
  }

  @Test
  void webhookOverlayServesTheAdmissionEndpointOverCertManagerTls() {
    List<Map<String, Object>> objects = render("deploy/overlays/webhook");
    Map<String, Object> config =
        find(objects, "ValidatingWebhookConfiguration", "finetune-operator").orElseThrow();
    assertEquals(
        "finetune-system/finetune-operator-webhook",
        map(config, "metadata", "annotations").get("cert-manager.io/inject-ca-from"));
    List<Object> webhooks = list(config, "webhooks");
    assertEquals(2, webhooks.size(), "FineTuneJobs and FineTuneSweeps");
    Map<String, Object> service = null;
    List<List<String>> served =
        List.of(
            List.of("finetunejobs", "/admission/validate-finetunejob"),
            List.of("finetunesweeps", "/admission/validate-finetunesweep"));
    for (int i = 0; i < served.size(); i++) {
      Map<String, Object> webhook = asMap(webhooks.get(i));
      assertEquals("Ignore", webhook.get("failurePolicy"), "the reconciler runs the same checks");
      assertEquals("None", webhook.get("sideEffects"));
      assertEquals(List.of("v1"), webhook.get("admissionReviewVersions"));
      int timeout = (Integer) webhook.get("timeoutSeconds");
      assertTrue(timeout >= 1 && timeout <= 10, "timeoutSeconds " + timeout);
      assertFalse(map(webhook, "namespaceSelector").isEmpty());
      Map<String, Object> rule = asMap(list(webhook, "rules").get(0));
      assertEquals(List.of("finetune.dev"), rule.get("apiGroups"));
      assertEquals(List.of(served.get(i).get(0)), rule.get("resources"));
      assertEquals(List.of("CREATE"), rule.get("operations"));
      Map<String, Object> svc = map(webhook, "clientConfig", "service");
      assertEquals(served.get(i).get(1), svc.get("path"));
      if (service != null) {
        assertEquals(service.get("name"), svc.get("name"), "one Service for both");
      }
      service = svc;
    }

    // clientConfig.service -> Service -> the Deployment's https port.
    Map<String, Object> svc = find(objects, "Service", (String) service.get("name")).orElseThrow();
    assertEquals(service.get("namespace"), map(svc, "metadata").get("namespace"));
    Map<String, Object> svcPort = asMap(list(svc, "spec", "ports").get(0));
    assertEquals(service.get("port"), svcPort.get("port"));
    Map<String, Object> deployment = find(objects, "Deployment", "finetune-operator").orElseThrow();
    Map<String, Object> pod = map(deployment, "spec", "template", "spec");
    Map<String, Object> container = asMap(list(pod, "containers").get(0));
    Map<String, Object> https =
        list(container, "ports").stream()
            .map(KustomizeRenderTest::asMap)
            .filter(p -> svcPort.get("targetPort").equals(p.get("name")))
            .findFirst()
            .orElseThrow();
    Map<String, String> env =
        list(container, "env").stream()
            .map(KustomizeRenderTest::asMap)
            .filter(e -> e.get("value") != null)
            .collect(
                Collectors.toMap(e -> (String) e.get("name"), e -> String.valueOf(e.get("value"))));
    assertEquals(String.valueOf(https.get("containerPort")), env.get("QUARKUS_HTTP_SSL_PORT"));
    assertEquals(
        "localhost/finetune-trainer:0.1.0-cpu",
        env.get("FINETUNE_OPERATOR_TRAINER_IMAGE"),
        "the patch keeps base's env");
    assertEquals(true, map(container, "securityContext").get("readOnlyRootFilesystem"));

    // The certificate files Quarkus reads come from the Secret the Certificate writes, and the
    // certificate names the Service the API server calls.
    Map<String, Object> certificate =
        find(objects, "Certificate", "finetune-operator-webhook").orElseThrow();
    String secret = (String) map(certificate, "spec").get("secretName");
    Map<String, Object> volume =
        list(pod, "volumes").stream()
            .map(KustomizeRenderTest::asMap)
            .filter(v -> secret.equals(map(v, "secret").get("secretName")))
            .findFirst()
            .orElseThrow();
    String mountPath =
        (String)
            list(container, "volumeMounts").stream()
                .map(KustomizeRenderTest::asMap)
                .filter(m -> volume.get("name").equals(m.get("name")))
                .findFirst()
                .orElseThrow()
                .get("mountPath");
    assertEquals(mountPath + "/tls.crt", env.get("QUARKUS_HTTP_SSL_CERTIFICATE_FILES"));
    assertEquals(mountPath + "/tls.key", env.get("QUARKUS_HTTP_SSL_CERTIFICATE_KEY_FILES"));
    assertTrue(
        list(certificate, "spec", "dnsNames")
            .contains(service.get("name") + "." + service.get("namespace") + ".svc"));
    Map<String, Object> issuerRef = map(certificate, "spec", "issuerRef");
    assertTrue(
        find(objects, (String) issuerRef.get("kind"), (String) issuerRef.get("name")).isPresent(),
        "the Certificate's Issuer is in the overlay");
  }

  @Test
  void crdHasTheExpectedNames() {
    Tools.missing(!Manifests.crdExists(), Manifests.CRD_FILE + " not in this branch yet");
    Map<String, Object> crd = Manifests.crd();
    assertEquals("finetune.dev", map(crd, "spec").get("group"));
    assertEquals(List.of("ftj"), list(crd, "spec", "names", "shortNames"));
  }

  static Map<String, Set<String>> verbsByResource(Map<String, Object> role) {
    Map<String, Set<String>> out = new java.util.TreeMap<>();
    for (Object ruleObject : list(role, "rules")) {
      Map<String, Object> rule = asMap(ruleObject);
      for (Object group : list(rule, "apiGroups")) {
        for (Object resource : list(rule, "resources")) {
          out.computeIfAbsent(group + "/" + resource, k -> new java.util.TreeSet<>())
              .addAll(list(rule, "verbs").stream().map(String::valueOf).toList());
        }
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> asMap(Object o) {
    return (Map<String, Object>) o;
  }
}
