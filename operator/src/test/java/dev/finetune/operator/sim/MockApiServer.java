package dev.finetune.operator.sim;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceRule;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceRuleBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.TimeUnit;

/**
 * fabric8's Kubernetes mock API server in CRUD mode, on its own loopback port, for drills that run
 * the operator as a separate process (so it can be SIGKILLed and restarted while the "cluster"
 * keeps its state). The committed CRD is applied first, so FineTuneJob has its status subresource.
 *
 * <p>It enforces no RBAC. The one authorization call the operator makes, JOSDK's
 * SelfSubjectRulesReview before leader election, is answered with the rules of the shipped
 * leader-election Role ({@code deploy/base/rbac.yaml}), so a Role that lacks a verb the elector
 * needs fails the drills.
 */
public final class MockApiServer implements AutoCloseable {
  /** The committed CRD; modules are siblings, so this works from operator/ and platform-tests/. */
  static final Path CRD = Path.of("../crds/finetunejobs.finetune.dev-v1.yml");

  static final Path SWEEP_CRD = Path.of("../crds/finetunesweeps.finetune.dev-v1.yml");

  /** The operator's RBAC as shipped; its leader-election Role answers SelfSubjectRulesReviews. */
  static final Path RBAC = Path.of("../deploy/base/rbac.yaml");

  static final String LEASE_ROLE = "finetune-operator-leader-election";

  private final KubernetesMockServer server;
  private final KubernetesClient client;

  private MockApiServer(InetAddress host) {
    Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
    server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            expectations,
            new KubernetesMixedDispatcher(expectations),
            false);
    server.init(host, 0);
    client = server.createClient();
    server
        .expect()
        .post()
        .withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(201, rulesReview(client))
        .always();
    for (Path file : new Path[] {CRD, SWEEP_CRD}) {
      try (InputStream in = Files.newInputStream(file)) {
        var crd = client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
        client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** A SelfSubjectRulesReview whose status grants what the shipped leader-election Role does. */
  static SelfSubjectRulesReview rulesReview(KubernetesClient client) {
    try (InputStream in = Files.newInputStream(RBAC)) {
      Role role =
          client.load(in).items().stream()
              .filter(o -> o instanceof Role)
              .map(Role.class::cast)
              .filter(r -> LEASE_ROLE.equals(r.getMetadata().getName()))
              .findFirst()
              .orElseThrow(() -> new IllegalStateException(LEASE_ROLE + " not in " + RBAC));
      List<ResourceRule> rules =
          role.getRules().stream()
              .map(
                  r ->
                      new ResourceRuleBuilder()
                          .withApiGroups(r.getApiGroups())
                          .withResources(r.getResources())
                          .withResourceNames(r.getResourceNames())
                          .withVerbs(r.getVerbs())
                          .build())
              .toList();
      return new SelfSubjectRulesReviewBuilder()
          .withNewStatus()
          .withResourceRules(rules)
          .withIncomplete(false)
          .endStatus()
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static MockApiServer start() {
    return new MockApiServer(InetAddress.getLoopbackAddress());
  }

  /** Listens on {@code host} instead of loopback (containers reach it on a bridge address). */
  public static MockApiServer start(InetAddress host) {
    return new MockApiServer(host);
  }

  /** The API server URL an operator process is pointed at. */
  public String url() {
    return "http://" + server.getHostName() + ":" + server.getPort();
  }

  public KubernetesClient client() {
    return client;
  }

  /**
   * A client of its own whose requests carry {@code userAgent}, so {@link #takeRequests()} can tell
   * them from the operator's.
   */
  public KubernetesClient client(String userAgent) {
    return new KubernetesClientBuilder()
        .withConfig(
            new ConfigBuilder()
                .withMasterUrl(url())
                .withTrustCerts(true)
                .withNamespace("default")
                .withUserAgent(userAgent)
                .build())
        .build();
  }

  /** Every request received since the last call (method, path with query, headers). */
  public List<RecordedRequest> takeRequests() throws InterruptedException {
    List<RecordedRequest> out = new ArrayList<>();
    for (RecordedRequest r; (r = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null; ) {
      out.add(r);
    }
    return out;
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
