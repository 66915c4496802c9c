package dev.finetune.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune.api.v1alpha1.spec.Architecture;
import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.error.TrainerException;
import dev.finetune.trainer.loop.TrainingSession;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 11, class 3: model hubs ship BF16 and F16 safetensors. Loading one aborted libtorch
 * (SIGABRT, exit 134, which looked retryable); now each is converted to float32.
 */
class WeightsDtypeTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Rewrites an F32 safetensors file with every tensor in {@code dtypeOf.apply(name)}. */
  static byte[] convert(byte[] f32, Function<String, String> dtypeOf) throws Exception {
    long len = ByteBuffer.wrap(f32, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    ObjectNode header =
        (ObjectNode) JSON.readTree(new String(f32, 8, (int) len, StandardCharsets.UTF_8));
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    ObjectNode out = JSON.createObjectNode();
    for (Iterator<Map.Entry<String, com.fasterxml.jackson.databind.JsonNode>> it = header.fields();
        it.hasNext(); ) {
      var e = it.next();
      if (e.getKey().equals("__metadata__")) {
        continue;
      }
      ObjectNode t = (ObjectNode) e.getValue().deepCopy();
      long start = t.get("data_offsets").get(0).asLong();
      long end = t.get("data_offsets").get(1).asLong();
      String src = t.get("dtype").asText();
      String dtype = src.equals("F32") ? dtypeOf.apply(e.getKey()) : src;
      ByteBuffer in =
          ByteBuffer.wrap(f32, (int) (8 + len + start), (int) (end - start))
              .order(ByteOrder.LITTLE_ENDIAN);
      long from = data.size();
      while (in.hasRemaining()) {
        if (!src.equals("F32")) {
          data.write(in.get());
          continue;
        }
        float v = in.getFloat();
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
          case "BF16" -> b.putShort((short) (Float.floatToIntBits(v) >>> 16));
          case "F16" -> b.putShort(toHalf(v));
          case "F64" -> b.putDouble(v);
          case "I32" -> b.putInt((int) v);
          default -> b.putFloat(v);
        }
        data.write(b.array(), 0, b.position());
      }
      t.put("dtype", dtype);
      t.putArray("data_offsets").add(from).add(data.size());
      out.set(e.getKey(), t);
    }
    byte[] h = JSON.writeValueAsBytes(out);
    ByteBuffer file =
        ByteBuffer.allocate(8 + h.length + data.size()).order(ByteOrder.LITTLE_ENDIAN);
    file.putLong(h.length).put(h).put(data.toByteArray());
    return file.array();
  }

  /** float to binary16, round to nearest (normal range only; enough for weights). */
  static short toHalf(float v) {
    int bits = Float.floatToIntBits(v);
    int sign = (bits >>> 16) & 0x8000;
    int exp = ((bits >>> 23) & 0xff) - 127 + 15;
    int mant = bits & 0x7fffff;
    if (exp <= 0) {
      return (short) sign; // flush tiny values to zero
    }
    int half = sign | ((exp << 10) + ((mant + 0x1000) >>> 13)); // a carry bumps the exponent
    return (short) half;
  }

  private static float maxRelativeError(Map<String, float[]> expected, ResNet model) {
    float worst = 0;
    for (var e : model.namedParameters().entrySet()) {
      float[] want = expected.get(e.getKey());
      float[] got = e.getValue().getArray().toFloatArray();
      for (int i = 0; i < want.length; i++) {
        float err = Math.abs(got[i] - want[i]) / Math.max(1e-2f, Math.abs(want[i]));
        worst = Math.max(worst, err);
      }
    }
    return worst;
  }

  @ParameterizedTest
  @ValueSource(strings = {"BF16", "F16", "F64", "mixed"})
  void halfAndDoublePrecisionWeightsLoadAsFloat32(String dtype) throws Exception {
    // The target starts from another seed: were it the source's, a Weights.load that did
    // nothing would pass (issue 24).
    try (TrainingSession source = ResNetTest.open(Architecture.RESNET18, 4);
        TrainingSession target =
            TrainingSession.open(
                new ResNet(Architecture.RESNET18, 4),
                ResNetTest.RECIPE,
                1,
                false,
                32,
                Device.cpu(),
                List.of())) {
      Map<String, float[]> expected = new java.util.HashMap<>();
      source
          .net()
          .namedParameters()
          .forEach(
              (n, p) -> {
                NDArray a = p.getArray();
                expected.put(n, a.toFloatArray());
              });
      float tolerance = dtype.equals("F64") ? 1e-7f : 1e-2f;
      float before = maxRelativeError(expected, target.net());
      assertTrue(before > 100 * tolerance, "the target must differ before loading: " + before);
      byte[] file =
          convert(
              Weights.encode(source.net()),
              n ->
                  dtype.equals("mixed")
                      ? (n.hashCode() % 3 == 0 ? "BF16" : n.hashCode() % 3 == 1 ? "F16" : "F32")
                      : dtype);
      Weights.load(target.net(), file, "hub.safetensors", n -> false);
      float err = maxRelativeError(expected, target.net());
      assertTrue(err <= tolerance, dtype + ": max relative error " + err);
    }
  }

  @Test
  void integerParametersAreRefusedAsWeightsInvalid() throws Exception {
    try (TrainingSession source = ResNetTest.open(Architecture.RESNET18, 2);
        TrainingSession target = ResNetTest.open(Architecture.RESNET18, 2)) {
      byte[] file =
          convert(
              Weights.encode(source.net()), n -> n.equals("layer1.0.conv1.weight") ? "I32" : "F32");
      TrainerException e =
          assertThrows(
              TrainerException.class,
              () -> Weights.load(target.net(), file, "odd.safetensors", n -> false));
      assertEquals(ExitCode.WEIGHTS_INVALID, e.exitCode());
      assertTrue(e.getMessage().contains("layer1.0.conv1.weight has dtype I32"), e.getMessage());
    }
  }

  @Test
  void halfConversionIsExact() {
    assertEquals(1.0f, Weights.halfToFloat((short) 0x3c00));
    assertEquals(-2.0f, Weights.halfToFloat((short) 0xc000));
    assertEquals(65504f, Weights.halfToFloat((short) 0x7bff));
    assertEquals(0x1p-24f, Weights.halfToFloat((short) 0x0001));
    assertEquals(Float.POSITIVE_INFINITY, Weights.halfToFloat((short) 0x7c00));
    assertTrue(Float.isNaN(Weights.halfToFloat((short) 0x7e00)));
  }
}
