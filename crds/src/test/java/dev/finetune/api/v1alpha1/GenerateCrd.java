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
 * CRDGenerator (the API behind crd-generator-maven-plugin, same settings as the plugin's
 * defaults), run by exec-maven-plugin in process-test-classes.
 *
 * <p>Why not the plugin: fabric8 7.5.2 sorts printer columns by jsonPath
 * (AbstractCustomResourceHandler#handlePrinterColumns puts them in a case-insensitive TreeMap),
 * so kubectl would show Age, Baseline-Acc, Test-Acc, Phase, Epoch, and neither the annotations
 * nor the plugin's parameters can change that. The generator's {@link CRDPostProcessor} hook can:
 * it puts the columns back in the order the {@link AdditionalPrinterColumn} annotations are
 * declared on the class. {@link ResizeEitherForm} gives {@code transforms.*.resize} the schema of
 * its two forms (an integer or a list), which the generator cannot derive from
 * {@link dev.finetune.api.v1alpha1.spec.ResizeSpec}.
 */
public final class GenerateCrd {
  private GenerateCrd() {}

  public static void main(String[] args) {
    File out = new File(args.length > 0 ? args[0] : "target/classes/META-INF/fabric8");
    if (!out.isDirectory() && !out.mkdirs()) {
      throw new IllegalStateException("cannot create " + out);
    }
    new CRDGenerator()
        .customResourceClasses(FineTuneJob.class)
        .withParallelGenerationEnabled(true)
        .withImplicitPreserveUnknownFields(false)
        .withMinQuotes(false)
        .withPostProcessor(new Both())
        .inOutputDir(out)
        .detailedGenerate()
        .getCRDDetailsPerNameAndVersion()
        .forEach((name, versions) -> versions.forEach((v, info) ->
            System.out.println("Generated CRD " + name + " " + v + " -> " + info.getFilePath())));
  }

  /** The generator keeps one post-processor (the last one set): both steps in one. */
  static final class Both implements CRDPostProcessor {
    @Override
    public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
      return new ResizeEitherForm().process(
          new DeclaredColumnOrder().process(crd, crdSpecVersion), crdSpecVersion);
    }
  }

  /** Printer columns in the declaration order of the class's @AdditionalPrinterColumn. */
  static final class DeclaredColumnOrder implements CRDPostProcessor {
    @Override
    public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
      if (!(crd instanceof CustomResourceDefinition v1)) {
        return crd;
      }
      List<String> declared = Arrays.stream(
              FineTuneJob.class.getAnnotationsByType(AdditionalPrinterColumn.class))
          .map(AdditionalPrinterColumn::jsonPath).toList();
      for (var version : v1.getSpec().getVersions()) {
        List<CustomResourceColumnDefinition> columns =
            new ArrayList<>(version.getAdditionalPrinterColumns());
        columns.sort(Comparator.comparingInt(c -> {
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
   * {@code x-kubernetes-preserve-unknown-fields} without a type, so the API server stores any
   * value there and the spec validator rejects the wrong shapes with one line.
   */
  static final class ResizeEitherForm implements CRDPostProcessor {
    @Override
    public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
      if (!(crd instanceof CustomResourceDefinition v1)) {
        return crd;
      }
      for (var version : v1.getSpec().getVersions()) {
        JSONSchemaProps transforms = version.getSchema().getOpenAPIV3Schema().getProperties()
            .get("spec").getProperties().get("transforms");
        for (String chain : List.of("train", "test")) {
          JSONSchemaProps resize = transforms.getProperties().get(chain).getProperties()
              .get("resize");
          resize.setType(null);
          resize.setProperties(null);
          resize.setXKubernetesPreserveUnknownFields(true);
        }
      }
      return crd;
    }
  }
}
