package dev.finetune.trainer.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.contract.ExitCode;
import dev.finetune.contract.SpecValidator;
import dev.finetune.contract.SpecValidator.Placement;
import dev.finetune.contract.UriSchemes;
import dev.finetune.trainer.base.InputFile;
import dev.finetune.trainer.error.TrainerException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Reads a FineTuneJob manifest (the same YAML that is applied to the cluster) and validates it.
 * Unknown fields, wrong types and bad enum values are rejected with the field's path and the
 * allowed values.
 */
public final class JobLoader {
  /** Manifests larger than this are rejected while reading, before parsing. */
  static final long MAX_MANIFEST_BYTES = 1 << 20;

  private JobLoader() {}

  /** Reads and validates a manifest for a run on this machine. */
  public static FineTuneJob load(Path manifest) {
    return load(manifest, Placement.LOCAL);
  }

  public static FineTuneJob load(Path manifest, Placement placement) {
    return load(manifest, placement, UriSchemes.CLUSTER_DEFAULT);
  }

  /**
   * Reads and validates a manifest; in a cluster, datasets and the source model must use one of
   * {@code schemes} (the cluster operator's trainer-allowed-schemes).
   */
  public static FineTuneJob load(Path manifest, Placement placement, List<String> schemes) {
    // Type checked before opening (a FIFO would block), read bounded (Files.size is 0 for a
    // device): /dev/zero, /dev/urandom and a FIFO each end in one line.
    return parse(text(manifest), manifest.toString(), placement, schemes);
  }

  /** Parses and validates YAML text for a run on this machine. */
  public static FineTuneJob parse(String yaml, String source) {
    return parse(yaml, source, Placement.LOCAL);
  }

  /** Parses and validates YAML text; {@code source} names it in messages. */
  public static FineTuneJob parse(String yaml, String source, Placement placement) {
    return parse(yaml, source, placement, UriSchemes.CLUSTER_DEFAULT);
  }

  /** As above, with the URI schemes a cluster allows. */
  public static FineTuneJob parse(
      String yaml, String source, Placement placement, List<String> schemes) {
    FineTuneJob job = read(yaml, source, FineTuneJob.class, "FineTuneJob");
    new Violations(SpecValidator.validate(job, placement, schemes)).throwIfInvalid(source);
    return job;
  }

  /** The manifest's text as bounded, read like {@link #load(Path)} reads it. */
  public static String text(Path manifest) {
    byte[] bytes =
        InputFile.read(manifest, manifest.toString(), MAX_MANIFEST_BYTES, ExitCode.INVALID_SPEC);
    return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * Maps YAML text to {@code type} as strictly as the API server with the CRD schema, the
   * document's own apiVersion and kind ({@code kind}) checked; every error names the field.
   */
  static <T> T read(String yaml, String source, Class<T> type, String kind) {
    if (yaml.length() > MAX_MANIFEST_BYTES) {
      throw invalid(
          source, "more than " + MAX_MANIFEST_BYTES + " characters; a " + kind + " is small");
    }
    T object;
    YamlShape.checkEvents(yaml, source, loaderOptions());
    try {
      ObjectMapper mapper = mapper();
      object = mapper.readValue(yaml, type); // first: its errors name the field
      if (object != null) {
        JsonNode root = mapper.readTree(yaml);
        YamlShape.checkType(root, source, kind); // the mapped object always says its own kind
      }
    } catch (UnrecognizedPropertyException e) {
      String allowed =
          e.getKnownPropertyIds() == null
              ? ""
              : e.getKnownPropertyIds().stream()
                  .map(Object::toString)
                  .sorted()
                  .collect(Collectors.joining(", "));
      throw invalid(source, path(e) + ": unknown field; allowed: " + allowed);
    } catch (InvalidFormatException e) {
      throw invalid(
          source,
          path(e)
              + ": invalid value '"
              + e.getValue()
              + "'; allowed: "
              + allowed(e.getTargetType()));
    } catch (MismatchedInputException e) {
      Class<?> target = e.getTargetType();
      String expected =
          target != null && target.isEnum()
              ? allowed(target)
              : target == null ? "?" : target.getSimpleName();
      throw invalid(source, path(e) + ": wrong type; expected " + expected);
    } catch (JsonMappingException e) {
      throw invalid(source, path(e) + ": " + e.getOriginalMessage());
    } catch (JsonProcessingException e) {
      throw invalid(
          source,
          "not valid YAML: "
              + e.getOriginalMessage()
              + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()));
    }
    if (object == null) {
      throw invalid(source, "empty document; expected a " + kind + " manifest");
    }
    return object;
  }

  private static TrainerException invalid(String source, String why) {
    return new TrainerException(ExitCode.INVALID_SPEC, source + ": " + why);
  }

  /**
   * What a field of this type takes: an enum's values as the YAML spells them (its
   * {@code @JsonProperty} names), else the type's name.
   */
  static String allowed(Class<?> target) {
    if (target == null || !target.isEnum()) {
      return "a value of type " + (target == null ? "?" : target.getSimpleName());
    }
    return "one of "
        + Arrays.stream(target.getEnumConstants())
            .map(c -> jsonName((Enum<?>) c))
            .collect(Collectors.joining(", "));
  }

  private static String jsonName(Enum<?> constant) {
    try {
      com.fasterxml.jackson.annotation.JsonProperty p =
          constant
              .getDeclaringClass()
              .getField(constant.name())
              .getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
      return p != null ? p.value() : constant.name().toLowerCase(java.util.Locale.ROOT);
    } catch (NoSuchFieldException e) {
      return constant.name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private static String path(JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        if (sb.length() > 0) {
          sb.append('.');
        }
        sb.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        sb.append('[').append(ref.getIndex()).append(']');
      }
    }
    return sb.length() == 0 ? "(document)" : sb.toString();
  }

  static LoaderOptions loaderOptions() {
    LoaderOptions options = new LoaderOptions();
    options.setMaxAliasesForCollections(20);
    options.setCodePointLimit((int) MAX_MANIFEST_BYTES);
    options.setNestingDepthLimit(20);
    options.setAllowDuplicateKeys(false);
    return options;
  }

  /**
   * As strict as the API server with the CRD schema: unknown fields, duplicate keys, a float for an
   * integer (epochs: 1.9) and a string for a number or boolean are errors.
   */
  static ObjectMapper mapper() {
    YAMLMapper mapper =
        YAMLMapper.builder(
                YAMLFactory.builder()
                    .loaderOptions(loaderOptions())
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .build();
    for (LogicalType t :
        new LogicalType[] {LogicalType.Integer, LogicalType.Float, LogicalType.Boolean}) {
      mapper.coercionConfigFor(t).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
    }
    mapper
        .coercionConfigFor(LogicalType.Integer)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
    return mapper;
  }
}
