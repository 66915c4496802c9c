package dev.finetune.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Writes target/classes/META-INF/fabric8/finetunejobs.finetune.dev-v1.yml with fabric8's
 * CRDGenerator (the API behind crd-generator-maven-plugin, same settings as the plugin's defaults),
 * run by exec-maven-plugin in process-test-classes.
 *
 * <p>Why not the plugin: fabric8 7.5.2 sorts printer columns by jsonPath
 * (AbstractCustomResourceHandler#handlePrinterColumns puts them in a case-insensitive TreeMap), so
 * kubectl would show Age, Baseline-Acc, Test-Acc, Phase, Epoch, and neither the annotations nor the
 * plugin's parameters can change that. The generator's {@link CRDPostProcessor} hook can: it puts
 * the columns back in the order the {@link AdditionalPrinterColumn} annotations are declared on the
 * class. {@link ResizeEitherForm} gives {@code transforms.*.resize} the schema of its two forms (an
 * integer or a list), which the generator cannot derive from {@link
 * dev.finetune.api.v1alpha1.spec.ResizeSpec}. Both kinds are written: FineTuneJob and FineTuneSweep
 * (whose spec.template is a FineTuneJob spec and gets the same resize schema).
 */
public final class GenerateCrd {
  private GenerateCrd() {}

  public static void main(String[] args) {
    File out = new File(args.length > 0 ? args[0] : "target/classes/META-INF/fabric8");
    if (!out.isDirectory() && !out.mkdirs()) {
      throw new IllegalStateException("cannot create " + out);
    }
    new CRDGenerator()
        .customResourceClasses(FineTuneJob.class, FineTuneSweep.class)
        .withParallelGenerationEnabled(true)
        .withImplicitPreserveUnknownFields(false)
        .withMinQuotes(false)
        .withPostProcessor(new Both())
        .inOutputDir(out)
        .detailedGenerate()
        .getCRDDetailsPerNameAndVersion()
        .forEach(
            (name, versions) ->
                versions.forEach(
                    (v, info) ->
                        System.out.println(
                            "Generated CRD " + name + " " + v + " -> " + info.getFilePath())));
  }

  /**
   * The schema fabric8's Condition class cannot express, made that of Kubernetes' metav1.Condition:
   * required fields, the status enum, date-time format, the reason and type patterns and lengths,
   * and a list-type map keyed by type (so a server-side apply merges conditions by type). Also the
   * descriptions of the kind, spec and status, for kubectl explain.
   */
  static final class ConditionSchema implements CRDPostProcessor {
    @Override
    public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
      if (!(crd instanceof CustomResourceDefinition v1)) {
        return crd;
      }
      boolean sweep = isSweep(v1);
      for (var version : v1.getSpec().getVersions()) {
        var root = version.getSchema().getOpenAPIV3Schema();
        root.setDescription(sweep ? FineTuneSweep.DESCRIPTION : FineTuneJob.DESCRIPTION);
        root.getProperties()
            .get("spec")
            .setDescription(sweep ? FineTuneSweep.SPEC_DESCRIPTION : FineTuneJob.SPEC_DESCRIPTION);
        var status = root.getProperties().get("status");
        status.setDescription(
            sweep ? FineTuneSweep.STATUS_DESCRIPTION : FineTuneJob.STATUS_DESCRIPTION);
        var conditions = status.getProperties().get("conditions");
        conditions.setXKubernetesListType("map");
        conditions.setXKubernetesListMapKeys(List.of("type"));
        var item = conditions.getItems().getSchema();
        item.setRequired(List.of("lastTransitionTime", "message", "reason", "status", "type"));
        var p = item.getProperties();
        p.get("lastTransitionTime").setFormat("date-time");
        p.get("lastTransitionTime")
            .setDescription("When the condition last changed from one" + " status to another.");
        p.get("message").setMaxLength(32768L);
        p.get("message")
            .setDescription("Human-readable details of the transition; may be" + " empty.");
        p.get("observedGeneration").setFormat("int64");
        p.get("observedGeneration").setMinimum(0.0);
        p.get("observedGeneration")
            .setDescription("metadata.generation the condition was set" + " for.");
        p.get("reason").setMaxLength(1024L);
        p.get("reason").setMinLength(1L);
        p.get("reason").setPattern("^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$");
        p.get("reason").setDescription("CamelCase reason for the last transition.");
        p.get("status")
            .setEnum(
                List.of(
                    new com.fasterxml.jackson.databind.node.TextNode("True"),
                    new com.fasterxml.jackson.databind.node.TextNode("False"),
                    new com.fasterxml.jackson.databind.node.TextNode("Unknown")));
        p.get("status").setDescription("True, False or Unknown.");
        p.get("type").setMaxLength(316L);
        p.get("type")
            .setPattern(
                "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*"
                    + "[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$");
        p.get("type")
            .setDescription(
                sweep
                    ? "Ready, Reconciling or Stalled."
                    : "Running, Suspended, Succeeded, Failed, Ready, Reconciling, Stalled or"
                        + " StorageReachable.");
      }
      return crd;
    }
  }

  static boolean isSweep(CustomResourceDefinition crd) {
    return "FineTuneSweep".equals(crd.getSpec().getNames().getKind());
  }

  /** The generator keeps one post-processor (the last one set): every step in one. */
  static final class Both implements CRDPostProcessor {
    @Override
    public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
      return new ConditionSchema()
          .process(
              new ResizeEitherForm()
                  .process(new DeclaredColumnOrder().process(crd, crdSpecVersion), crdSpecVersion),
              crdSpecVersion);
    }
  }

  /** Printer columns in the declaration order of the class's @AdditionalPrinterColumn. */
  static final class DeclaredColumnOrder implements CRDPostProcessor {
    @Override
    public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
      if (!(crd instanceof CustomResourceDefinition v1)) {
        return crd;
      }
      Class<?> kind = isSweep(v1) ? FineTuneSweep.class : FineTuneJob.class;
      List<String> declared =
          Arrays.stream(kind.getAnnotationsByType(AdditionalPrinterColumn.class))
              .map(AdditionalPrinterColumn::jsonPath)
              .toList();
      for (var version : v1.getSpec().getVersions()) {
        List<CustomResourceColumnDefinition> columns =
            new ArrayList<>(version.getAdditionalPrinterColumns());
        columns.sort(
            Comparator.comparingInt(
                c -> {
                  int i = declared.indexOf(c.getJsonPath());
                  return i < 0 ? declared.size() : i;
                }));
        version.setAdditionalPrinterColumns(columns);
      }
      return crd;
    }
  }

  /**
   * {@code transforms.train.resize} and {@code transforms.test.resize} are either an integer or
   * {@code [height, width]}. A structural schema cannot say "integer or array" except through
   * {@code x-kubernetes-preserve-unknown-fields} without a type, so the API server stores any value
   * there and the spec validator rejects the wrong shapes with one line.
   */
  static final class ResizeEitherForm implements CRDPostProcessor {
    @Override
    public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
      if (!(crd instanceof CustomResourceDefinition v1)) {
        return crd;
      }
      boolean sweep = isSweep(v1);
      for (var version : v1.getSpec().getVersions()) {
        JSONSchemaProps jobSpec =
            version.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
        if (sweep) {
          jobSpec = jobSpec.getProperties().get("template");
          // The sweep's spec is immutable as a whole (self == oldSelf); the job spec's own
          // "immutable except suspend" rule would only repeat that with a FineTuneJob's words.
          jobSpec.setXKubernetesValidations(null);
        }
        JSONSchemaProps transforms = jobSpec.getProperties().get("transforms");
        for (String chain : List.of("train", "test")) {
          JSONSchemaProps resize =
              transforms.getProperties().get(chain).getProperties().get("resize");
          resize.setType(null);
          resize.setProperties(null);
          resize.setXKubernetesPreserveUnknownFields(true);
        }
      }
      return crd;
    }
  }
}
