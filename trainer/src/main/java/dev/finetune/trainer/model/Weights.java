package dev.finetune.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.error.TrainerException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Reads and writes a {@link ResNet}'s parameters as safetensors with torchvision names. The same
 * format serves imported torchvision weights, checkpoints and final models, so any of them can be
 * loaded with {@code safetensors.torch.load_file} too.
 */
public final class Weights {
  private Weights() {}

  /** Encodes every parameter and BN buffer (float32, torchvision names). */
  public static byte[] encode(ResNet model) {
    Map<String, NDArray> arrays = new java.util.LinkedHashMap<>();
    model.namedParameters().forEach((name, p) -> arrays.put(name, p.getArray()));
    return encode(arrays);
  }

  /** Encodes named arrays as safetensors, copied to the host (the arrays are not renamed). */
  public static byte[] encode(Map<String, NDArray> named) {
    try (NDManager scope = NDManager.newBaseManager()) {
      NDList list = new NDList();
      named.forEach(
          (name, a) -> {
            NDArray copy = scope.create(a.toByteBuffer(), a.getShape(), a.getDataType());
            copy.setName(name);
            list.add(copy);
          });
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      list.encode(out, NDList.Encoding.SAFETENSORS);
      return out.toByteArray();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot encode tensors", e);
    }
  }

  /**
   * Copies tensors from a safetensors file into the model. Tensors whose name {@code skip} accepts
   * are ignored (the source's output layer when transferring); every other model parameter must be
   * present with the same shape. Extra tensors such as num_batches_tracked are ignored.
   *
   * @return the names that were loaded
   */
  public static List<String> load(
      ResNet model, byte[] file, String source, Predicate<String> skip) {
    SafetensorsHeader header = SafetensorsHeader.parse(file, source);
    List<String> missing = new ArrayList<>();
    for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
      String name = e.getKey();
      if (skip.test(name)) {
        continue;
      }
      long[] shape = header.shapes.get(name);
      if (shape == null) {
        missing.add(name);
        continue;
      }
      long[] expected = e.getValue().getArray().getShape().getShape();
      if (!Arrays.equals(shape, expected)) {
        throw new TrainerException(
            ExitCode.WEIGHTS_INVALID,
            source
                + ": tensor "
                + name
                + " has shape "
                + Arrays.toString(shape)
                + " but "
                + model.architecture().id()
                + " needs "
                + Arrays.toString(expected));
      }
    }
    if (!missing.isEmpty()) {
      throw new TrainerException(
          ExitCode.WEIGHTS_INVALID,
          source
              + ": missing "
              + missing.size()
              + " tensor(s) of "
              + model.architecture().id()
              + ", e.g. "
              + missing.subList(0, Math.min(3, missing.size()))
              + " (is this a torchvision-named "
              + model.architecture().id()
              + " state_dict?)");
    }
    List<String> loaded = new ArrayList<>();
    // Decoded here rather than by libtorch: a BF16 tensor made NDList.decode abort the JVM
    // (SIGABRT, exit 134). F32, F64, F16 and BF16 become float32; other dtypes are refused.
    for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
      if (skip.test(e.getKey())) {
        continue;
      }
      String name = e.getKey();
      long[] range = header.ranges.get(name);
      ByteBuffer floats =
          toFloat32(
              file,
              (int) range[0],
              (int) (range[1] - range[0]),
              header.dtypes.get(name),
              source,
              name);
      e.getValue().getArray().set(floats);
      loaded.add(name);
    }
    return loaded;
  }

  /** Float dtypes a parameter may have in a safetensors file; each is converted to float32. */
  static final List<String> FLOAT_DTYPES = List.of("F32", "F16", "BF16", "F64");

  /** The little-endian tensor bytes file[offset, offset+length) as native-order float32. */
  static ByteBuffer toFloat32(
      byte[] file, int offset, int length, String dtype, String source, String name) {
    ByteBuffer in = ByteBuffer.wrap(file, offset, length).order(ByteOrder.LITTLE_ENDIAN);
    int width =
        switch (dtype) {
          case "F32" -> 4;
          case "F64" -> 8;
          case "F16", "BF16" -> 2;
          default ->
              throw new TrainerException(
                  ExitCode.WEIGHTS_INVALID,
                  source
                      + ": tensor "
                      + name
                      + " has dtype "
                      + dtype
                      + "; parameters must be one of "
                      + FLOAT_DTYPES);
        };
    int n = length / width;
    ByteBuffer out = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
    for (int i = 0; i < n; i++) {
      float v =
          switch (dtype) {
            case "F32" -> in.getFloat();
            case "F64" -> (float) in.getDouble();
            case "BF16" -> Float.intBitsToFloat((in.getShort() & 0xffff) << 16);
            default -> halfToFloat(in.getShort());
          };
      out.putFloat(v);
    }
    out.flip();
    return out;
  }

  /** IEEE 754 binary16 to float (Java 17 has no Float.float16ToFloat). */
  static float halfToFloat(short half) {
    int h = half & 0xffff;
    int sign = (h & 0x8000) << 16;
    int exp = (h >>> 10) & 0x1f;
    int mant = h & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13)); // inf, NaN
    }
    if (exp == 0) {
      float sub = mant * 0x1p-24f; // subnormal (or zero)
      return sign == 0 ? sub : -sub;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  /** Total number of elements of the model's parameters, BN buffers excluded. */
  public static long parameterCount(ResNet model) {
    long total = 0;
    for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
      if (e.getKey().endsWith("running_mean") || e.getKey().endsWith("running_var")) {
        continue;
      }
      Shape shape = e.getValue().getArray().getShape();
      total += shape.size();
    }
    return total;
  }
}
