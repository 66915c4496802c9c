package dev.finetune.platform;

import static dev.finetune.platform.Manifests.find;
import static dev.finetune.platform.Manifests.kind;
import static dev.finetune.platform.Manifests.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * deploy/helm/finetune-operator with Helm's own code (helm-java bundles it): it lints, its defaults
 * render the same operator Deployment, Service, RBAC and CRD as deploy/base, its optional parts the
 * same objects as deploy/components, and everything it renders passes the schema and Pod Security
 * checks of the kustomize output.
 */
class HelmChartTest {
  static final Path CHART = Path.of("deploy/helm/finetune-operator");

  /** Labels only Helm adds; everything else must match kustomize. */
  static final Set<String> HELM_LABELS = Set.of("app.kubernetes.io/managed-by", "helm.sh/chart");

  static Path chart() {
    return Tools.root().resolve(CHART);
  }

  static List<Map<String, Object>> template(UnaryOperator<TemplateCommand> values) {
    TemplateCommand cmd =
        new Helm(chart()).template().withName("finetune-operator").withNamespace("finetune-system");
    return Manifests.parseYaml(values.apply(cmd).call());
  }

  @Test
  void lints() {
    LintResult result = new Helm(chart()).lint().strict().call();
    assertFalse(result.isFailed(), String.join("\n", result.getMessages()));
  }

  @Test
  void defaultsRenderWhatDeployBaseRenders() {
    List<Map<String, Object>> helm = template(c -> c);
    List<Map<String, Object>> kustomize = Manifests.render("deploy/base");
    Map<String, Map<String, Object>> helmByKey = byKey(helm);
    Map<String, Map<String, Object>> kustomizeByKey = byKey(kustomize);
    // deploy/base also creates the Namespace and the CRD (Helm: --create-namespace, crds/).
    kustomizeByKey
        .keySet()
        .removeIf(k -> k.startsWith("Namespace/") || k.startsWith("CustomResourceDefinition/"));
    assertEquals(kustomizeByKey.keySet(), helmByKey.keySet(), "the same objects");
    for (String key : kustomizeByKey.keySet()) {
      assertSame(kustomizeByKey.get(key), withoutHelmLabels(helmByKey.get(key)), key);
    }
    assertTrue(helmByKey.containsKey("Deployment/finetune-system/finetune-operator"));
    assertTrue(helmByKey.containsKey("ClusterRole//finetune-operator"));
  }

  @Test
  void crdIsTheCommittedOneInHelmsCrdsFolder() throws Exception {
    Path crd = chart().resolve("crds/finetunejobs.finetune.dev-v1.yml");
    assertEquals(Files.readString(Tools.root().resolve(Manifests.CRD_FILE)), Files.readString(crd));
    assertEquals(
        Files.readString(Tools.root().resolve(Manifests.SWEEP_CRD_FILE)),
        Files.readString(chart().resolve("crds/finetunesweeps.finetune.dev-v1.yml")),
        "the chart installs the FineTuneSweep CRD too");
    assertTrue(
        find(
                Manifests.render("deploy/base"),
                "CustomResourceDefinition",
                "finetunesweeps.finetune.dev")
            .isPresent(),
        "deploy/base installs the FineTuneSweep CRD");
    Map<String, Object> rendered =
        find(
                Manifests.render("deploy/base"),
                "CustomResourceDefinition",
                "finetunejobs.finetune.dev")
            .orElseThrow();
    Map<String, Object> fromChart = new LinkedHashMap<>(Manifests.readYaml(crd).get(0));
    assertSame(map(rendered, "spec"), map(fromChart, "spec"), "CRD spec");
  }

  @Test
  void optionalPartsRenderWhatTheComponentsRender() {
    List<Map<String, Object>> helm =
        template(
            c ->
                c.set("monitoring.enabled", "true")
                    .set("webhook.enabled", "true")
                    .set("kueue.enabled", "true")
                    .set("replicas", "2"));
    Map<String, Map<String, Object>> helmByKey = byKey(helm);
    Map<String, Map<String, Object>> production =
        byKey(Manifests.render("deploy/overlays/production"));
    production
        .keySet()
        .removeIf(k -> k.startsWith("Namespace/") || k.startsWith("CustomResourceDefinition/"));
    assertEquals(production.keySet(), helmByKey.keySet(), "the same objects as production");
    for (String key : production.keySet()) {
      assertSame(production.get(key), withoutHelmLabels(helmByKey.get(key)), key);
    }
  }

  @Test
  void networkPolicyRendersTheComponentInEachWatchedNamespace() {
    Map<String, Map<String, Object>> helm =
        byKey(template(c -> c.set("networkPolicy.enabled", "true")));
    Map<String, Map<String, Object>> kustomize =
        byKey(KustomizeComponentsTest.renderWith(List.of("network-policy")));
    String key = "NetworkPolicy/finetune-system/finetune-trainer-metrics";
    assertSame(kustomize.get(key), withoutHelmLabels(helm.get(key)), key);

    List<Map<String, Object>> scoped =
        template(
            c ->
                c.set("networkPolicy.enabled", "true")
                    .set("watchNamespaces[0]", "team-a")
                    .set("watchNamespaces[1]", "team-b"));
    Set<String> namespaces =
        scoped.stream()
            .filter(o -> kind(o).equals("NetworkPolicy"))
            .peek(
                p ->
                    assertEquals(
                        "finetune-system",
                        map(
                                KustomizeRenderTest.asMap(
                                    Manifests.list(
                                            KustomizeRenderTest.asMap(
                                                Manifests.list(p, "spec", "ingress").get(0)),
                                            "from")
                                        .get(0)),
                                "namespaceSelector",
                                "matchLabels")
                            .get("kubernetes.io/metadata.name"),
                        "admits the operator's (release) namespace"))
            .map(o -> (String) map(o, "metadata").get("namespace"))
            .collect(Collectors.toSet());
    assertEquals(Set.of("team-a", "team-b"), namespaces, "one per namespace where jobs run");
    assertTrue(
        template(c -> c).stream().noneMatch(o -> kind(o).equals("NetworkPolicy")),
        "off by default, as deploy/base");
  }

  @Test
  void watchNamespacesGrantsRolesOnlyInThoseNamespaces() {
    List<Map<String, Object>> objects =
        template(
            c ->
                c.set("watchNamespaces[0]", "team-a")
                    .set("watchNamespaces[1]", "team-b")
                    .set("tenantRoles.create", "false"));
    assertTrue(
        objects.stream().noneMatch(o -> kind(o).startsWith("Cluster")),
        "no cluster-wide objects: " + objects.stream().map(Manifests::kind).toList());
    Map<String, Object> clusterRole =
        find(Manifests.render("deploy/base"), "ClusterRole", "finetune-operator").orElseThrow();
    Set<String> namespaces =
        objects.stream()
            .filter(o -> kind(o).equals("Role") && Manifests.name(o).equals("finetune-operator"))
            .peek(
                r -> assertEquals(Manifests.list(clusterRole, "rules"), Manifests.list(r, "rules")))
            .map(o -> (String) map(o, "metadata").get("namespace"))
            .collect(Collectors.toSet());
    assertEquals(Set.of("team-a", "team-b"), namespaces);
    Map<String, String> env =
        KustomizeComponentsTest.env(KustomizeComponentsTest.container(objects));
    assertEquals(
        "team-a,team-b", env.get("QUARKUS_OPERATOR_SDK_CONTROLLERS_FINETUNEJOB_NAMESPACES"));
    assertEquals(
        "team-a,team-b", env.get("QUARKUS_OPERATOR_SDK_CONTROLLERS_FINETUNESWEEP_NAMESPACES"));
  }

  @Test
  void everyValueReachesTheDeployment() {
    List<Map<String, Object>> objects =
        template(
            c ->
                c.set("image.repository", "registry.example/op")
                    .set("image.tag", "1")
                    .set("trainer.image.repository", "registry.example/trainer")
                    .set("trainer.image.tag", "1-cpu")
                    .set("trainer.gpuImage.repository", "registry.example/trainer")
                    .set("trainer.gpuImage.tag", "1-gpu")
                    .set("replicas", "3")
                    .set("resources.limits.memory", "1Gi")
                    .set("jvmFlags", "-Xmx512m")
                    .set("trainer.allowedHosts", "huggingface.co,*.hf.co")
                    .set("trainer.allowedSchemes", "https,hf")
                    .set("trainer.serviceAccount", "trainer")
                    .set("leaderElection.leaseDuration", "30s"));
    Map<String, Object> deployment = find(objects, "Deployment", "finetune-operator").orElseThrow();
    assertEquals(3, map(deployment, "spec").get("replicas"));
    Map<String, Object> container = KustomizeComponentsTest.container(objects);
    assertEquals("registry.example/op:1", container.get("image"));
    assertEquals("1Gi", map(container, "resources", "limits").get("memory"));
    Map<String, String> env = KustomizeComponentsTest.env(container);
    assertEquals("registry.example/trainer:1-cpu", env.get("FINETUNE_OPERATOR_TRAINER_IMAGE"));
    assertEquals("registry.example/trainer:1-gpu", env.get("FINETUNE_OPERATOR_TRAINER_IMAGE_GPU"));
    assertEquals("-Xmx512m", env.get("JAVA_TOOL_OPTIONS"));
    assertEquals("huggingface.co,*.hf.co", env.get("FINETUNE_OPERATOR_TRAINER_ALLOWED_HOSTS"));
    assertEquals("https,hf", env.get("FINETUNE_OPERATOR_TRAINER_ALLOWED_SCHEMES"));
    assertEquals("trainer", env.get("FINETUNE_OPERATOR_TRAINER_SERVICE_ACCOUNT"));
    assertEquals("30s", env.get("FINETUNE_OPERATOR_LEADER_ELECTION_LEASE_DURATION"));
    assertEquals("fieldRef:metadata.name", env.get("FINETUNE_OPERATOR_LEADER_ELECTION_IDENTITY"));
  }

  @Test
  void imageTagsDefaultToTheChartsAppVersion() throws Exception {
    String appVersion =
        (String) Manifests.readYaml(chart().resolve("Chart.yaml")).get(0).get("appVersion");
    Map<String, Object> container =
        KustomizeComponentsTest.container(
            template(
                c ->
                    c.set("image.repository", "registry.example/op")
                        .set("trainer.image.repository", "registry.example/trainer")));
    assertEquals("registry.example/op:" + appVersion, container.get("image"));
    Map<String, String> env = KustomizeComponentsTest.env(container);
    assertEquals(
        "registry.example/trainer:" + appVersion + "-cpu",
        env.get("FINETUNE_OPERATOR_TRAINER_IMAGE"));
    assertEquals(
        "localhost/finetune-trainer:" + appVersion + "-cu124",
        env.get("FINETUNE_OPERATOR_TRAINER_IMAGE_GPU"));
  }

  @Test
  void schedulingPullSecretsAndServiceAccountAnnotationsReachThePod() {
    List<Map<String, Object>> objects =
        template(
            c ->
                c.set("nodeSelector.node-role\\.example/ops", "yes-please")
                    .set("tolerations[0].key", "dedicated")
                    .set("tolerations[0].operator", "Equal")
                    .set("tolerations[0].value", "ops")
                    .set("tolerations[0].effect", "NoSchedule")
                    .set(
                        "affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight",
                        "100")
                    .set(
                        "affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]"
                            + ".podAffinityTerm.topologyKey",
                        "kubernetes.io/hostname")
                    .set("imagePullSecrets[0].name", "regcred")
                    .set(
                        "serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn",
                        "arn:aws:iam::1:role/op")
                    .set("podAnnotations.example\\.com/team", "ml-platform")
                    .set("priorityClassName", "system-cluster-critical"));
    Map<String, Object> pod =
        map(
            find(objects, "Deployment", "finetune-operator").orElseThrow(),
            "spec",
            "template",
            "spec");
    assertEquals(Map.of("node-role.example/ops", "yes-please"), pod.get("nodeSelector"));
    assertEquals(
        List.of(
            Map.of(
                "key", "dedicated", "operator", "Equal", "value", "ops", "effect", "NoSchedule")),
        pod.get("tolerations"));
    assertEquals(
        "kubernetes.io/hostname",
        KustomizeRenderTest.asMap(
                KustomizeRenderTest.asMap(
                        Manifests.list(
                                pod,
                                "affinity",
                                "podAntiAffinity",
                                "preferredDuringSchedulingIgnoredDuringExecution")
                            .get(0))
                    .get("podAffinityTerm"))
            .get("topologyKey"));
    assertEquals(List.of(Map.of("name", "regcred")), pod.get("imagePullSecrets"));
    assertEquals("system-cluster-critical", pod.get("priorityClassName"));
    assertEquals(
        "ml-platform",
        map(
                find(objects, "Deployment", "finetune-operator").orElseThrow(),
                "spec",
                "template",
                "metadata",
                "annotations")
            .get("example.com/team"));
    assertEquals(
        "arn:aws:iam::1:role/op",
        map(
                find(objects, "ServiceAccount", "finetune-operator").orElseThrow(),
                "metadata",
                "annotations")
            .get("eks.amazonaws.com/role-arn"));
    ManifestSchemaTest.assertValid("schema-helm-scheduling", objects);
  }

  @Test
  void twoReplicasGetAPodDisruptionBudgetOneDoesNot() {
    Map<String, Object> pdb =
        find(template(c -> c.set("replicas", "2")), "PodDisruptionBudget", "finetune-operator")
            .orElseThrow();
    assertEquals(1, map(pdb, "spec").get("minAvailable"));
    Map<String, Object> deployment =
        find(template(c -> c), "Deployment", "finetune-operator").orElseThrow();
    assertEquals(
        map(deployment, "spec", "selector"),
        map(pdb, "spec", "selector"),
        "it selects the operator's pods");
    assertTrue(
        template(c -> c).stream().noneMatch(o -> kind(o).equals("PodDisruptionBudget")),
        "one replica: a PDB would block every node drain");
    assertTrue(
        template(c -> c.set("replicas", "2").set("podDisruptionBudget.enabled", "false")).stream()
            .noneMatch(o -> kind(o).equals("PodDisruptionBudget")));
  }

  /**
   * Two releases (team-a-ops in team-a-system watching team-a, team-b-ops in team-b-system watching
   * team-b, all optional parts on; the cluster-wide tenant roles and Kueue queues in the first
   * only) render no object twice, and each operator has its own ServiceAccount, bindings, Lease and
   * webhook.
   */
  @Test
  void twoReleasesInTwoNamespacesShareNoObject() {
    List<Map<String, Object>> a =
        templateRelease(
            "team-a-ops",
            "team-a-system",
            c ->
                c.set("watchNamespaces[0]", "team-a")
                    .set("monitoring.enabled", "true")
                    .set("webhook.enabled", "true")
                    .set("networkPolicy.enabled", "true")
                    .set("kueue.enabled", "true")
                    .set("replicas", "2"));
    List<Map<String, Object>> b =
        templateRelease(
            "team-b-ops",
            "team-b-system",
            c ->
                c.set("monitoring.enabled", "true")
                    .set("webhook.enabled", "true")
                    .set("networkPolicy.enabled", "true")
                    .set("replicas", "2")
                    .set("tenantRoles.create", "false"));
    Set<String> keysA = byKey(a).keySet();
    Set<String> both = new java.util.TreeSet<>(byKey(b).keySet());
    both.retainAll(keysA);
    assertEquals(Set.of(), both, "objects both releases would create");
    assertEquals(a.size(), keysA.size(), "no object twice within a release");
    assertFalse(
        keysA.contains("ClusterRole//team-a-ops-finetune-operator"),
        "watchNamespaces: no operator ClusterRole: " + keysA);
    assertTrue(keysA.contains("ClusterRole//finetune-edit"), "the tenant roles once: " + keysA);
    assertTrue(
        byKey(b).containsKey("ClusterRoleBinding//team-b-ops-finetune-operator"),
        byKey(b).keySet().toString());
    assertTrue(
        byKey(b).containsKey("ValidatingWebhookConfiguration//team-b-ops-finetune-operator"),
        byKey(b).keySet().toString());

    Map<String, Object> binding =
        find(b, "ClusterRoleBinding", "team-b-ops-finetune-operator").orElseThrow();
    assertEquals(
        Map.of(
            "kind",
            "ServiceAccount",
            "name",
            "team-b-ops-finetune-operator",
            "namespace",
            "team-b-system"),
        KustomizeRenderTest.asMap(Manifests.list(binding, "subjects").get(0)));
    Map<String, Object> deployment =
        find(b, "Deployment", "team-b-ops-finetune-operator").orElseThrow();
    assertEquals(
        "team-b-ops-finetune-operator",
        map(deployment, "spec", "template", "spec").get("serviceAccountName"));
    Map<String, String> env =
        KustomizeComponentsTest.env(
            KustomizeRenderTest.asMap(
                Manifests.list(deployment, "spec", "template", "spec", "containers").get(0)));
    assertEquals(
        "team-b-ops-finetune-operator", env.get("FINETUNE_OPERATOR_LEADER_ELECTION_LEASE_NAME"));
    Map<String, Object> webhook =
        find(b, "ValidatingWebhookConfiguration", "team-b-ops-finetune-operator").orElseThrow();
    assertEquals(
        "team-b-system/team-b-ops-finetune-operator-webhook",
        map(webhook, "metadata", "annotations").get("cert-manager.io/inject-ca-from"));
    Map<String, Object> service =
        KustomizeRenderTest.asMap(
            map(
                    KustomizeRenderTest.asMap(Manifests.list(webhook, "webhooks").get(0)),
                    "clientConfig")
                .get("service"));
    assertEquals("team-b-ops-finetune-operator-webhook", service.get("name"));
    assertEquals("team-b-system", service.get("namespace"));
    assertTrue(find(b, "Service", "team-b-ops-finetune-operator-webhook").isPresent());
    Map<String, Object> certificate =
        find(b, "Certificate", "team-b-ops-finetune-operator-webhook").orElseThrow();
    assertEquals(
        List.of(
            "team-b-ops-finetune-operator-webhook.team-b-system.svc",
            "team-b-ops-finetune-operator-webhook.team-b-system.svc.cluster.local"),
        Manifests.list(certificate, "spec", "dnsNames"));
    assertEquals(
        "team-b-ops-finetune-operator-webhook-tls", map(certificate, "spec").get("secretName"));
    ManifestSchemaTest.assertValid("schema-helm-two-releases", a);
    ManifestSchemaTest.assertValid("schema-helm-two-releases-b", b);
  }

  @Test
  void schemaRejectsAMisspelledOrMistypedValue() {
    for (Map.Entry<String, String> bad :
        Map.of(
                "replica",
                "2",
                "replicas",
                "two",
                "config.backoffBase",
                "ten seconds",
                "image.pullPolicy",
                "Sometimes",
                "trainer.allowedSchemes",
                "ftp")
            .entrySet()) {
      RuntimeException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              RuntimeException.class,
              () -> template(c -> c.set(bad.getKey(), bad.getValue())),
              bad.toString());
      assertTrue(e.getMessage().contains("schema"), bad + ": " + e.getMessage());
    }
  }

  /**
   * Each setting of the operator's @ConfigMapping interfaces (read from their source) is a chart
   * value that reaches its FINETUNE_OPERATOR_* variable.
   */
  @Test
  void everyOperatorSettingIsAValue() throws Exception {
    Map<String, String> valueOf =
        new TreeMap<>(
            Map.of(
                "trainerImage", "trainer.image.tag=9-cpu",
                "trainerImageGpu", "trainer.gpuImage.tag=9-gpu",
                "trainerServiceAccount", "trainer.serviceAccount=sa",
                "trainerAllowedHosts", "trainer.allowedHosts=example.com",
                "trainerAllowedSchemes", "trainer.allowedSchemes=https",
                "trainerAllowedImages", "trainer.allowedImages=registry.example/ml/*",
                "leaderElection.namespace", "(downward API)",
                "leaderElection.identity", "(downward API)"));
    List<String> settings = new ArrayList<>();
    for (String[] source :
        List.of(
            new String[] {"OperatorConfig", ""}, new String[] {"LeaseConfig", "leaderElection."})) {
      String text =
          Files.readString(
              Tools.root()
                  .resolve(
                      "operator/src/main/java/dev/finetune/operator/config/"
                          + source[0]
                          + ".java"));
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("\\n  (?:[\\w<>.]+) (\\w+)\\(\\);").matcher(text);
      while (m.find()) {
        settings.add(source[1] + m.group(1));
      }
    }
    assertTrue(settings.size() >= 24, settings.toString());
    Map<String, Object> values = Manifests.readYaml(chart().resolve("values.yaml")).get(0);
    for (String setting : settings) {
      String assignment = valueOf.get(setting);
      if (assignment == null) {
        String path = setting.startsWith("leaderElection.") ? setting : "config." + setting;
        assertTrue(
            map(values, path.split("\\.")[0]).containsKey(path.split("\\.")[1]),
            setting + " has no value " + path + " in values.yaml");
        String sample =
            setting.endsWith("Seconds")
                    || setting.startsWith("metricsThreads")
                    || setting.startsWith("metricsQueue")
                    || setting.startsWith("metricsPort")
                    || setting.equals("runAsUser")
                ? "7"
                : setting.equals("leaderElection.leaseName") ? "my-lease" : "7s";
        assignment = path + "=" + sample;
      }
      if (assignment.startsWith("(")) {
        continue;
      }
      String[] kv = assignment.split("=", 2);
      String env =
          "FINETUNE_OPERATOR_"
              + (setting.startsWith("leaderElection.")
                      ? "LEADER_ELECTION_" + setting.substring("leaderElection.".length())
                      : setting)
                  .replaceAll("([a-z])([A-Z])", "$1_$2")
                  .toUpperCase(java.util.Locale.ROOT);
      Map<String, String> rendered =
          KustomizeComponentsTest.env(
              KustomizeComponentsTest.container(template(c -> c.set(kv[0], kv[1]))));
      assertTrue(
          rendered.containsKey(env) && rendered.get(env).endsWith(kv[1]),
          setting + ": " + assignment + " must set " + env + ", got " + rendered.get(env));
    }
  }

  static List<Map<String, Object>> templateRelease(
      String release, String namespace, UnaryOperator<TemplateCommand> values) {
    TemplateCommand cmd = new Helm(chart()).template().withName(release).withNamespace(namespace);
    return Manifests.parseYaml(values.apply(cmd).call());
  }

  @Test
  void everythingRenderedPassesSchemaAndPodSecurity() {
    List<Map<String, Object>> objects =
        new ArrayList<>(
            template(
                c ->
                    c.set("monitoring.enabled", "true")
                        .set("webhook.enabled", "true")
                        .set("kueue.enabled", "true")));
    objects.addAll(
        template(c -> c.set("watchNamespaces[0]", "team-a").set("networkPolicy.enabled", "true")));
    objects.addAll(Manifests.readYaml(chart().resolve("crds/finetunejobs.finetune.dev-v1.yml")));
    assertTrue(PodSecurity.assertRestricted(objects) >= 2);
    ManifestSchemaTest.assertValid("schema-helm", objects);
  }

  /** Equal as JSON trees, numbers compared by value (kustomize writes 1e+07 for 10000000). */
  static void assertSame(Object expected, Object actual, String what) {
    JsonNode a = unordered(Manifests.JSON.valueToTree(expected));
    JsonNode b = unordered(Manifests.JSON.valueToTree(actual));
    Comparator<JsonNode> byValue =
        (x, y) ->
            x.isNumber() && y.isNumber()
                ? Double.compare(x.doubleValue(), y.doubleValue())
                : x.equals(y) ? 0 : 1;
    if (!a.equals(byValue, b)) {
      fail(what + " differs at " + firstDifference("", a, b));
    }
  }

  /**
   * A pod template's env, ports, volumeMounts and volumes sorted by name: their order means nothing
   * (no $(VAR) references), and kustomize's patches put added entries first.
   */
  static JsonNode unordered(JsonNode object) {
    JsonNode pod = object.at("/spec/template/spec");
    if (pod.isObject()) {
      sortByName((com.fasterxml.jackson.databind.node.ObjectNode) pod, "volumes");
      for (JsonNode c : pod.path("containers")) {
        for (String list : List.of("env", "ports", "volumeMounts")) {
          sortByName((com.fasterxml.jackson.databind.node.ObjectNode) c, list);
        }
      }
    }
    return object;
  }

  static void sortByName(com.fasterxml.jackson.databind.node.ObjectNode parent, String field) {
    if (parent.get(field) instanceof com.fasterxml.jackson.databind.node.ArrayNode array) {
      List<JsonNode> items = new ArrayList<>();
      array.forEach(items::add);
      items.sort(Comparator.comparing(n -> n.path("name").asText()));
      array.removeAll();
      array.addAll(items);
    }
  }

  /** The JSON path of the first difference, with both values (short). */
  static String firstDifference(String path, JsonNode a, JsonNode b) {
    if (a != null && b != null && a.isContainerNode() && a.getNodeType() == b.getNodeType()) {
      Set<String> keys = new java.util.TreeSet<>();
      if (a.isObject()) {
        a.fieldNames().forEachRemaining(keys::add);
        b.fieldNames().forEachRemaining(keys::add);
      } else {
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
          keys.add(String.valueOf(i));
        }
      }
      for (String k : keys) {
        JsonNode x = a.isObject() ? a.get(k) : a.get(Integer.parseInt(k));
        JsonNode y = b.isObject() ? b.get(k) : b.get(Integer.parseInt(k));
        if (x == null || y == null || !x.equals(y)) {
          if (x != null
              && y != null
              && x.isNumber()
              && y.isNumber()
              && x.doubleValue() == y.doubleValue()) {
            continue;
          }
          return firstDifference(path + "/" + k, x, y);
        }
      }
    }
    String left = String.valueOf(a);
    String right = String.valueOf(b);
    return path
        + ": expected "
        + left.substring(0, Math.min(300, left.length()))
        + " but was "
        + right.substring(0, Math.min(300, right.length()));
  }

  static Map<String, Map<String, Object>> byKey(List<Map<String, Object>> objects) {
    Map<String, Map<String, Object>> out = new TreeMap<>();
    for (Map<String, Object> o : objects) {
      Object ns = map(o, "metadata").get("namespace");
      out.put(kind(o) + "/" + (ns == null ? "" : ns) + "/" + Manifests.name(o), o);
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> withoutHelmLabels(Map<String, Object> object) {
    Map<String, Object> copy = Manifests.JSON.convertValue(object, LinkedHashMap.class);
    Map<String, Object> labels = (Map<String, Object>) map(copy, "metadata").get("labels");
    if (labels != null) {
      labels.keySet().removeAll(HELM_LABELS);
    }
    return copy;
  }
}
