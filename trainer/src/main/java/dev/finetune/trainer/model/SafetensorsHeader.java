package dev.finetune.trainer.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.error.TrainerException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a safetensors file's header against its length before any tensor is allocated, so a
 * truncated or lying file fails with a clear message instead of an out-of-memory error.
 */
final class SafetensorsHeader {
  private static final long MAX_HEADER = 100L << 20;
  private static final Map<String, Integer> DTYPE_BYTES =
      Map.of(
          "F64", 8, "F32", 4, "F16", 2, "BF16", 2, "I64", 8, "I32", 4, "I16", 2, "I8", 1, "U8", 1,
          "BOOL", 1);

  /** Name → shape of every tensor, in file order. */
  final Map<String, long[]> shapes = new LinkedHashMap<>();

  /** Name → dtype (safetensors spelling, e.g. F32). */
  final Map<String, String> dtypes = new LinkedHashMap<>();

  /** Name → [start, end) of its bytes, relative to the file's start. */
  final Map<String, long[]> ranges = new LinkedHashMap<>();

  private long dataStart;

  static SafetensorsHeader parse(byte[] file, String source) {
    SafetensorsHeader header = new SafetensorsHeader();
    if (file.length < 8) {
      throw invalid(source, "file is " + file.length + " bytes, shorter than the 8-byte header");
    }
    long len = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (len <= 0 || len > MAX_HEADER || 8 + len > file.length) {
      throw invalid(
          source,
          "the first 8 bytes are not a header length that fits a file of "
              + file.length
              + " bytes (truncated or not a safetensors file)");
    }
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(new String(file, 8, (int) len, StandardCharsets.UTF_8));
    } catch (java.io.IOException e) {
      throw invalid(source, "header is not valid JSON (not a safetensors file?)");
    }
    if (root == null || !root.isObject()) {
      throw invalid(source, "header is not a JSON object");
    }
    long dataLength = file.length - 8 - len;
    header.dataStart = 8 + len;
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("__metadata__")) {
        continue;
      }
      header.check(e.getKey(), e.getValue(), dataLength, source);
    }
    return header;
  }

  private void check(String name, JsonNode t, long dataLength, String source) {
    String dtype = t.path("dtype").asText("");
    Integer size = DTYPE_BYTES.get(dtype);
    if (size == null) {
      throw invalid(
          source,
          "tensor "
              + name
              + " has unsupported dtype '"
              + dtype
              + "'; allowed: "
              + List.copyOf(DTYPE_BYTES.keySet()));
    }
    JsonNode shapeNode = t.path("shape");
    JsonNode offsets = t.path("data_offsets");
    if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
      throw invalid(source, "tensor " + name + " lacks shape or data_offsets");
    }
    long[] shape = new long[shapeNode.size()];
    long elements = 1;
    for (int i = 0; i < shape.length; i++) {
      shape[i] = shapeNode.get(i).asLong(-1);
      if (shape[i] < 0 || shape[i] > Integer.MAX_VALUE) {
        throw invalid(source, "tensor " + name + " has a bad dimension " + shapeNode.get(i));
      }
      // Every tensor must fit the data section: bound the product before it can overflow
      // (an overflowing product threw ArithmeticException, and a byte size that wrapped to 0
      // accepted a 2^61-element, 0-byte tensor: hostile inputs of SafetensorsFuzzTest).
      if (shape[i] != 0 && elements > dataLength / shape[i]) {
        elements = Long.MAX_VALUE;
      } else {
        elements *= shape[i];
      }
    }
    long start = offsets.get(0).asLong(-1);
    long end = offsets.get(1).asLong(-1);
    boolean fits = elements <= dataLength / size;
    if (!fits || start < 0 || end < start || end > dataLength || end - start != elements * size) {
      throw invalid(
          source,
          "tensor "
              + name
              + " data_offsets ["
              + start
              + ", "
              + end
              + "] do not match its shape and the file length (truncated or corrupt)");
    }
    shapes.put(name, shape);
    dtypes.put(name, dtype);
    ranges.put(name, new long[] {dataStart + start, dataStart + end});
  }

  private static TrainerException invalid(String source, String why) {
    return new TrainerException(ExitCode.WEIGHTS_INVALID, source + ": " + why);
  }
}
