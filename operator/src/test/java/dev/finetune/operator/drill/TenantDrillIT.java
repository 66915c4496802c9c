package dev.finetune.operator.drill;

import static dev.finetune.operator.drill.LeaderElectionDrillIT.TIMEOUT;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.operator.Fixtures;
import dev.finetune.operator.sim.InstantKubelet;
import dev.finetune.operator.sim.MockApiServer;
import dev.finetune.operator.sim.OperatorProcess;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tenants, with the packaged operator against the mock API server.
 *
 * <p>A fresh namespace: nothing in it but the "default" ServiceAccount that Kubernetes creates in
 * every namespace; the kubelet enforces ServiceAccount admission, so a pod naming any other
 * ServiceAccount would never start. The job runs and succeeds.
 *
 * <p>Namespace-scoped: the operator as deploy/components/namespace-scoped configures it
 * (JOSDK_WATCH_CURRENT) ignores another namespace's job, and every request it sends is allowed by
 * the Roles that component and deploy/base grant (parsed from those files). The mock API server
 * enforces no RBAC, so this checks each request against the rules here instead of being refused by
 * a real API server; a rule that Kubernetes evaluates differently (aggregation, resourceNames,
 * non-resource URLs beyond discovery) is not covered.
 */
class TenantDrillIT {
  static final String TEST_AGENT = "finetune-tenant-drill";
  static final Pattern PATH =
      Pattern.compile(
          "^/(?:api/v1|apis/([^/]+)/[^/]+)(?:/namespaces/([^/]+))?/([^/?]+)(?:/([^/?]+))?(?:/([^/?]+))?");

  @Test
  void jobInAFreshNamespaceRunsWithNoSetup(@TempDir Path tmp) throws Exception {
    String ns = "team-fresh";
    try (MockApiServer api = MockApiServer.start();
        KubernetesClient client = api.client(TEST_AGENT);
        InstantKubelet kubelet =
            new InstantKubelet(client, ns, 500, j -> 0).requireServiceAccounts()) {
      // What the namespace controller and ServiceAccount controller create, nothing more.
      client
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .create();
      client
          .serviceAccounts()
          .inNamespace(ns)
          .resource(
              new ServiceAccountBuilder()
                  .withNewMetadata()
                  .withName("default")
                  .withNamespace(ns)
                  .endMetadata()
                  .build())
          .create();
      try (OperatorProcess op =
          OperatorProcess.start(
              api, "256m", LeaderElectionDrillIT.props(), tmp.resolve("operator.log"))) {
        op.awaitReady(Duration.ofSeconds(120));
        create(client, ns, "fresh");
        awaitPhase(client, ns, "fresh", "Succeeded");
      }
      Job job = client.batch().v1().jobs().inNamespace(ns).withName("fresh-attempt-1").get();
      var pod = job.getSpec().getTemplate().getSpec();
      assertEquals("default", pod.getServiceAccountName());
      assertEquals(false, pod.getAutomountServiceAccountToken(), "no API token in trainer pods");
      assertEquals(1, kubelet.jobsOf("fresh").size());
    }
  }

  @Test
  void namespaceScopedOperatorStaysInsideItsRoles(@TempDir Path tmp) throws Exception {
    String ns = "finetune-system";
    String other = "team-other";
    try (MockApiServer api = MockApiServer.start();
        KubernetesClient client = api.client(TEST_AGENT);
        InstantKubelet kubelet = new InstantKubelet(client, ns, 500, j -> 0)) {
      api.takeRequests(); // the CRD, created before any operator runs
      Map<String, String> props = new java.util.HashMap<>(LeaderElectionDrillIT.props());
      props.put("quarkus.kubernetes-client.namespace", ns);
      props.put("quarkus.operator-sdk.controllers.finetunejob.namespaces", "JOSDK_WATCH_CURRENT");
      props.put("quarkus.operator-sdk.controllers.finetunesweep.namespaces", "JOSDK_WATCH_CURRENT");
      try (OperatorProcess op =
          OperatorProcess.start(api, "256m", props, tmp.resolve("operator.log"))) {
        op.awaitReady(Duration.ofSeconds(120));
        create(client, other, "elsewhere");
        create(client, ns, "inside");
        awaitPhase(client, ns, "inside", "Succeeded");
        Thread.sleep(2000); // time enough to have reconciled "elsewhere" too, were it watched
      }
      FineTuneJob elsewhere =
          client.resources(FineTuneJob.class).inNamespace(other).withName("elsewhere").get();
      assertNull(elsewhere.getStatus(), "a job outside the watched namespace is ignored");
      assertTrue(client.batch().v1().jobs().inNamespace(other).list().getItems().isEmpty());

      List<PolicyRule> rules = new ArrayList<>();
      rules.addAll(
          role(client, "../deploy/components/namespace-scoped/rbac.yaml", "finetune-operator")
              .getRules());
      rules.addAll(
          role(client, "../deploy/base/rbac.yaml", "finetune-operator-leader-election").getRules());
      Set<String> seen = new TreeSet<>();
      List<String> denied = new ArrayList<>();
      for (RecordedRequest r : api.takeRequests()) {
        String agent = r.getHeader("User-Agent");
        if (agent != null && agent.startsWith(TEST_AGENT)) {
          continue;
        }
        String verdict = authorize(r, ns, rules);
        seen.add(r.getMethod() + " " + r.getPath().replaceAll("\\?.*", "") + " -> " + verdict);
        if (verdict.startsWith("DENY")) {
          denied.add(r.getMethod() + " " + r.getPath() + ": " + verdict);
        }
      }
      seen.forEach(s -> System.out.println("DRILL tenant request " + s));
      assertTrue(seen.stream().anyMatch(s -> s.contains("/jobs ")), "the drill saw Job requests");
      assertEquals(List.of(), denied, "requests the namespace-scoped Roles do not allow");
    }
  }

  /** ALLOW/DENY for one request under the namespaced rules, as RBAC would decide it. */
  static String authorize(RecordedRequest r, String ns, List<PolicyRule> rules) {
    String path = r.getPath();
    String raw = path.replaceAll("\\?.*", "");
    if (Set.of("/version", "/api", "/apis", "/api/v1").contains(raw)
        || raw.matches("/apis/[^/]+(/[^/]+)?")) {
      return "ALLOW discovery (system:discovery)";
    }
    if (raw.equals("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        && r.getMethod().equals("POST")) {
      return "ALLOW selfsubjectrulesreviews (system:basic-user)";
    }
    Matcher m = PATH.matcher(raw);
    if (!m.find()) {
      return "DENY unparsed path";
    }
    String group = m.group(1) == null ? "" : m.group(1);
    String namespace = m.group(2);
    String resource = m.group(3) + (m.group(5) == null ? "" : "/" + m.group(5));
    boolean named = m.group(4) != null;
    if (namespace == null) {
      return "DENY cluster-wide " + group + "/" + resource + " (a Role cannot grant it)";
    }
    if (!namespace.equals(ns)) {
      return "DENY namespace " + namespace;
    }
    String verb =
        switch (r.getMethod()) {
          case "GET" -> named ? "get" : path.contains("watch=true") ? "watch" : "list";
          case "POST" -> "create";
          case "PUT" -> "update";
          case "PATCH" -> "patch";
          case "DELETE" -> named ? "delete" : "deletecollection";
          default -> r.getMethod();
        };
    for (PolicyRule rule : rules) {
      if (rule.getApiGroups().contains(group)
          && rule.getResources().contains(resource)
          && rule.getVerbs().contains(verb)) {
        return "ALLOW " + verb + " " + group + "/" + resource;
      }
    }
    return "DENY " + verb + " " + group + "/" + resource;
  }

  static Role role(KubernetesClient client, String file, String name) throws Exception {
    try (InputStream in = Files.newInputStream(Path.of(file))) {
      return client.load(in).items().stream()
          .filter(o -> o instanceof Role)
          .map(Role.class::cast)
          .filter(r -> name.equals(r.getMetadata().getName()))
          .findFirst()
          .orElseThrow();
    }
  }

  static void create(KubernetesClient client, String ns, String name) {
    client.resource(Fixtures.minimalJob(name, ns)).create();
  }

  static void awaitPhase(KubernetesClient client, String ns, String name, String phase) {
    await(name + " " + phase)
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              FineTuneJob f =
                  client.resources(FineTuneJob.class).inNamespace(ns).withName(name).get();
              assertNotNull(f);
              return f.getStatus() != null && phase.equals(f.getStatus().phase);
            });
  }
}
