package dev.finetune.trainer.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The JSON of KServe's Open Inference Protocol (v2 REST) for an image classifier.
 *
 * <p>Request: exactly one input, datatype {@code BYTES}, shape {@code [N]} or {@code [N, 1]}, whose
 * N elements are base64-encoded image files. Response: output {@code labels} (BYTES, shape {@code
 * [N, K]}: each image's K class labels, best first) and output {@code probabilities} (FP32, {@code
 * [N, K]}, in the same order). Anything else is a {@link BadRequest} 400 naming the field.
 */
public final class InferenceProtocol {
  /** The name of the labels output; the first output. */
  public static final String LABELS = "labels";

  /** The name of the probabilities output; the second output. */
  public static final String PROBABILITIES = "probabilities";

  private final ObjectMapper json;
  private final int maxImages;

  /** {@code maxBody}: the longest string the parser accepts; {@code maxImages} per request. */
  public InferenceProtocol(int maxBody, int maxImages) {
    this.json =
        new ObjectMapper(
            JsonFactory.builder()
                .streamReadConstraints(
                    StreamReadConstraints.builder()
                        .maxStringLength(maxBody)
                        .maxNestingDepth(16)
                        .build())
                .build());
    this.maxImages = maxImages;
  }

  /** A parsed request: its optional id and the images' encoded bytes, in order. */
  public record Request(String id, List<byte[]> images) {}

  /** Reads an infer request's body. */
  public Request parse(byte[] body) {
    JsonNode root;
    try {
      root = json.readTree(body);
    } catch (IOException e) {
      throw new BadRequest(
          400,
          "request body is not JSON: "
              + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
    }
    if (root == null || !root.isObject()) {
      throw new BadRequest(400, "request body must be a JSON object with \"inputs\"");
    }
    JsonNode inputs = root.get("inputs");
    if (inputs == null || !inputs.isArray() || inputs.size() != 1) {
      throw new BadRequest(
          400,
          "\"inputs\" must be an array of exactly one tensor (BYTES,"
              + " shape [N], base64-encoded images)");
    }
    JsonNode input = inputs.get(0);
    if (!input.isObject()) {
      throw new BadRequest(400, "inputs[0] must be an object");
    }
    String datatype = input.path("datatype").asText("");
    if (!"BYTES".equals(datatype)) {
      throw new BadRequest(
          400,
          "inputs[0].datatype must be BYTES (base64-encoded image files),"
              + " got "
              + (datatype.isEmpty() ? "none" : "'" + clip(datatype) + "'"));
    }
    JsonNode data = input.get("data");
    if (data == null || !data.isArray()) {
      throw new BadRequest(400, "inputs[0].data must be an array of base64 strings");
    }
    long count = shapeCount(input.get("shape"));
    if (count != data.size()) {
      throw new BadRequest(
          400,
          "inputs[0].shape "
              + input.get("shape")
              + " holds "
              + count
              + " element(s) but data has "
              + data.size());
    }
    if (count < 1 || count > maxImages) {
      throw new BadRequest(400, "inputs[0] must hold 1 to " + maxImages + " images, got " + count);
    }
    List<byte[]> images = new ArrayList<>(data.size());
    Base64.Decoder base64 = Base64.getMimeDecoder();
    for (int i = 0; i < data.size(); i++) {
      JsonNode element = data.get(i);
      if (!element.isTextual()) {
        throw new BadRequest(
            400,
            "inputs[0].data["
                + i
                + "] must be a base64 string, got "
                + element.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
      }
      String text = element.textValue();
      if (!text.matches("[A-Za-z0-9+/=\\r\\n]*")) {
        throw new BadRequest(400, "inputs[0].data[" + i + "] is not base64");
      }
      try {
        images.add(base64.decode(text));
      } catch (IllegalArgumentException e) {
        throw new BadRequest(400, "inputs[0].data[" + i + "] is not base64: " + e.getMessage());
      }
    }
    JsonNode id = root.get("id");
    return new Request(id != null && id.isTextual() ? id.textValue() : null, images);
  }

  /** {@code [N]} or {@code [N, 1]}: N. */
  private static long shapeCount(JsonNode shape) {
    if (shape == null || !shape.isArray() || shape.isEmpty() || shape.size() > 2) {
      throw new BadRequest(
          400,
          "inputs[0].shape must be [N] or [N, 1] (one image per element),"
              + " got "
              + (shape == null ? "none" : clip(shape.toString())));
    }
    for (JsonNode d : shape) {
      if (!d.canConvertToInt() || !d.isIntegralNumber() || d.asInt() < 0) {
        throw new BadRequest(
            400, "inputs[0].shape must hold non-negative integers, got " + clip(shape.toString()));
      }
    }
    if (shape.size() == 2 && shape.get(1).asInt() != 1) {
      throw new BadRequest(
          400,
          "inputs[0].shape must be [N] or [N, 1] (one image per element),"
              + " got "
              + clip(shape.toString()));
    }
    return shape.get(0).asLong();
  }

  private static String clip(String s) {
    return s.length() <= 60 ? s : s.substring(0, 60) + "...";
  }

  /** The infer response for {@code predictions}, in request order. */
  public byte[] response(String model, String id, List<Prediction> predictions) {
    ObjectNode root = json.createObjectNode();
    root.put("model_name", model);
    if (id != null) {
      root.put("id", id);
    }
    int k = predictions.get(0).labels().size();
    ArrayNode outputs = root.putArray("outputs");
    ObjectNode labels = output(outputs, LABELS, "BYTES", predictions.size(), k);
    ObjectNode probabilities = output(outputs, PROBABILITIES, "FP32", predictions.size(), k);
    ArrayNode l = labels.putArray("data");
    ArrayNode p = probabilities.putArray("data");
    for (Prediction prediction : predictions) {
      prediction.labels().forEach(l::add);
      for (float f : prediction.probabilities()) {
        p.add(f);
      }
    }
    return bytes(root);
  }

  private static ObjectNode output(ArrayNode outputs, String name, String datatype, int n, int k) {
    ObjectNode o = outputs.addObject();
    o.put("name", name);
    o.put("datatype", datatype);
    o.putArray("shape").add(n).add(k);
    return o;
  }

  /** {@code GET /v2/models/{name}}: the model's metadata. */
  public byte[] metadata(String model, String architecture, int classes) {
    ObjectNode root = json.createObjectNode();
    root.put("name", model);
    root.putArray("versions");
    root.put("platform", "finetune-djl-pytorch-" + architecture);
    ObjectNode in = root.putArray("inputs").addObject();
    in.put("name", "image");
    in.put("datatype", "BYTES");
    in.putArray("shape").add(-1);
    ArrayNode outs = root.putArray("outputs");
    ObjectNode labels = outs.addObject();
    labels.put("name", LABELS);
    labels.put("datatype", "BYTES");
    labels.putArray("shape").add(-1).add(classes);
    ObjectNode probabilities = outs.addObject();
    probabilities.put("name", PROBABILITIES);
    probabilities.put("datatype", "FP32");
    probabilities.putArray("shape").add(-1).add(classes);
    return bytes(root);
  }

  /** The health answers: {"live": true}, {"ready": ...}. */
  public byte[] flag(String name, boolean value) {
    ObjectNode root = json.createObjectNode();
    root.put(name, value);
    return bytes(root);
  }

  /** The protocol's error body: {"error": "..."}. */
  public byte[] error(String message) {
    ObjectNode root = json.createObjectNode();
    root.put("error", message);
    return bytes(root);
  }

  private byte[] bytes(JsonNode node) {
    try {
      return json.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
