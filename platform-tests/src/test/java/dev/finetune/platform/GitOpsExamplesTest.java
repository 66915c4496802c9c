package dev.finetune.platform;

import static dev.finetune.platform.Manifests.find;
import static dev.finetune.platform.Manifests.kind;
import static dev.finetune.platform.Manifests.list;
import static dev.finetune.platform.Manifests.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/gitops: the experiments chart names each job after a hash of its spec (so an edited recipe
 * is a new object, never an update that the immutable spec rejects, which is why Replace=true would
 * not help), its jobs pass the CRD schema and CEL rules, and the Argo CD and Flux examples point at
 * folders that exist and render, with the sync options the docs promise.
 */
class GitOpsExamplesTest {
  static final Path EXPERIMENTS = Path.of("deploy/gitops/experiments");
  static final Path ARGO = Path.of("deploy/gitops/argocd");

  static List<Map<String, Object>> renderExperiments(Path chart, String team) {
    assertFalse(new Helm(chart).lint().strict().call().isFailed(), "helm lint " + chart);
    return Manifests.parseYaml(
        new Helm(chart)
            .template()
            .withName("experiments")
            .withNamespace(team)
            .set("team", team)
            .call());
  }

  @Test
  void everyTeamFolderRendersValidJobsNamedAfterTheirSpec() {
    Path chart = Tools.root().resolve(EXPERIMENTS);
    List<Map<String, Object>> all = new ArrayList<>();
    for (String team : teams()) {
      List<Map<String, Object>> jobs = renderExperiments(chart, team);
      assertFalse(jobs.isEmpty(), team);
      for (Map<String, Object> job : jobs) {
        assertEquals("FineTuneJob", kind(job));
        String recipe = (String) map(job, "metadata", "labels").get("finetune.dev/recipe");
        assertTrue(Manifests.name(job).matches(recipe + "-[0-9a-f]{10}"), Manifests.name(job));
        assertEquals(team, map(job, "metadata").get("namespace"));
      }
      assertEquals(jobs, renderExperiments(chart, team), "names are stable");
      all.addAll(jobs);
    }
    ManifestSchemaTest.assertValid("schema-gitops", all);
  }

  /**
   * Editing a recipe gives a new name; a rename-free edit would be an update of the old object, and
   * the CRD's spec rule refuses it whether it is sent as apply/patch or as Argo CD's Replace=true
   * (both are updates: oldSelf is the stored spec).
   */
  @Test
  void anEditedRecipeIsANewJobBecauseUpdatesAreRefused(@TempDir Path tmp) throws IOException {
    Path chart = tmp.resolve("experiments");
    copy(Tools.root().resolve(EXPERIMENTS), chart);
    String team = teams().get(0);
    Map<String, Object> before = renderExperiments(chart, team).get(0);
    String recipe = (String) map(before, "metadata", "labels").get("finetune.dev/recipe");
    Path file = chart.resolve("recipes/" + team + "/" + recipe + ".yaml");
    Files.writeString(file, Files.readString(file).replace("epochs: 5", "epochs: 6"));
    Map<String, Object> after =
        renderExperiments(chart, team).stream()
            .filter(j -> recipe.equals(map(j, "metadata", "labels").get("finetune.dev/recipe")))
            .findFirst()
            .orElseThrow();
    assertEquals(6, map(after, "spec", "training").get("epochs"));
    assertNotEquals(Manifests.name(before), Manifests.name(after), "a new experiment");

    CrdCelRulesTest.compileEveryRule();
    CrdCelRulesTest.Rule rule = CrdCelRulesTest.specRule();
    assertTrue(
        CrdCelRulesTest.eval(rule, map(before, "spec"), map(before, "spec")),
        "re-applying an unchanged recipe is allowed");
    assertFalse(
        CrdCelRulesTest.eval(rule, map(after, "spec"), map(before, "spec")),
        "updating the old object to the edited spec is refused");
  }

  @Test
  void argoCdExamplesSyncTheExperimentsChartWithPruneAndSelfHeal() {
    Map<String, Object> app =
        Manifests.readYaml(Tools.root().resolve(ARGO.resolve("experiments-application.yaml")))
            .get(0);
    Map<String, Object> set =
        Manifests.readYaml(Tools.root().resolve(ARGO.resolve("experiments-applicationset.yaml")))
            .get(0);
    assertEquals("Application", kind(app));
    assertEquals("ApplicationSet", kind(set));
    for (Map<String, Object> spec :
        List.of(map(app, "spec"), map(set, "spec", "template", "spec"))) {
      assertEquals(EXPERIMENTS.toString(), map(spec, "source").get("path"));
      assertTrue(map(spec, "source", "helm", "valuesObject").containsKey("team"));
      Map<String, Object> automated = map(spec, "syncPolicy", "automated");
      assertEquals(true, automated.get("prune"), "edited recipes prune the old job");
      assertEquals(true, automated.get("selfHeal"));
      List<Object> options = list(map(spec, "syncPolicy"), "syncOptions");
      assertTrue(options.contains("PruneLast=true"), options.toString());
      assertTrue(
          options.stream().noneMatch(o -> o.toString().startsWith("Replace=")),
          "Replace=true is an update too: the immutable spec refuses it");
    }
    Map<String, Object> generator = map(list(map(set, "spec"), "generators").get(0), "git");
    String pattern = (String) map(list(generator, "directories").get(0)).get("path");
    assertEquals(EXPERIMENTS + "/recipes/*", pattern);
    assertEquals(
        map(app, "spec", "source", "helm", "valuesObject").get("team"),
        map(app, "spec", "destination").get("namespace"),
        "a team folder deploys to its namespace");
  }

  @Test
  void fluxKustomizationsPointAtRenderableFoldersAndCheckWhatTheyInstall() {
    List<Map<String, Object>> docs =
        Manifests.readYaml(Tools.root().resolve("deploy/gitops/flux/operator.yaml"));
    List<Map<String, Object>> kustomizations =
        docs.stream().filter(d -> kind(d).equals("Kustomization")).toList();
    assertEquals(2, kustomizations.size());
    Map<String, Object> operator =
        find(kustomizations, "Kustomization", "finetune-operator").orElseThrow();
    String path = ((String) map(operator, "spec").get("path")).replaceFirst("^\\./", "");
    List<Map<String, Object>> rendered = Manifests.render(path);
    for (Object check : list(map(operator, "spec"), "healthChecks")) {
      Map<String, Object> c = KustomizeRenderTest.asMap(check);
      assertTrue(
          rendered.stream()
              .anyMatch(
                  o ->
                      kind(o).equals(c.get("kind"))
                          && Manifests.name(o).equals(c.get("name"))
                          && java.util.Objects.equals(
                              map(o, "metadata").get("namespace"), c.get("namespace"))),
          "health check on an object " + path + " installs: " + c);
    }
    Map<String, Object> sweep =
        find(kustomizations, "Kustomization", "finetune-sweep").orElseThrow();
    assertEquals(true, map(sweep, "spec").get("force"), "immutable spec: re-create on change");
    Path folder = Tools.root().resolve(((String) map(sweep, "spec").get("path")).substring(2));
    Set<String> names = new HashSet<>();
    try (Stream<Path> files = Files.list(folder)) {
      files.forEach(f -> Manifests.readYaml(f).forEach(d -> names.add(Manifests.name(d))));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    for (Object check : list(map(sweep, "spec"), "healthChecks")) {
      assertTrue(names.contains(KustomizeRenderTest.asMap(check).get("name")), check.toString());
    }
  }

  static List<String> teams() {
    try (Stream<Path> dirs = Files.list(Tools.root().resolve(EXPERIMENTS.resolve("recipes")))) {
      return dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path p : paths.sorted().toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
