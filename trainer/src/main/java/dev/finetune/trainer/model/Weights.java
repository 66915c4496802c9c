package dev.finetune.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.error.TrainerException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Reads and writes a {@link ResNet}'s parameters as safetensors with torchvision names. The same
 * format serves imported torchvision weights, checkpoints and final models, so any of them can
 * be loaded with {@code safetensors.torch.load_file} too.
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
   * Copies tensors from a safetensors file into the model. Tensors whose name {@code skip}
   * accepts are ignored (the source's output layer when transferring); every other model
   * parameter must be present with the same shape. Extra tensors such as
   * num_batches_tracked are ignored.
   *
   * @return the names that were loaded
   */
  public static List<String> load(ResNet model, byte[] file, String source, Predicate<String> skip) {
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
        throw new TrainerException(ExitCode.WEIGHTS_INVALID, source + ": tensor " + name
            + " has shape " + Arrays.toString(shape) + " but " + model.architecture().id()
            + " needs " + Arrays.toString(expected));
      }
    }
    if (!missing.isEmpty()) {
      throw new TrainerException(ExitCode.WEIGHTS_INVALID, source + ": missing " + missing.size()
          + " tensor(s) of " + model.architecture().id() + ", e.g. "
          + missing.subList(0, Math.min(3, missing.size()))
          + " (is this a torchvision-named " + model.architecture().id() + " state_dict?)");
    }
    List<String> loaded = new ArrayList<>();
    try (NDManager scope = NDManager.newBaseManager()) {
      NDList arrays;
      try {
        arrays = NDList.decode(scope, file);
      } catch (RuntimeException e) {
        throw new TrainerException(ExitCode.WEIGHTS_INVALID, source + ": cannot decode: " + e, e);
      }
      Map<String, NDArray> byName = new HashMap<>();
      for (NDArray a : arrays) {
        byName.put(a.getName(), a);
      }
      for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
        if (skip.test(e.getKey())) {
          continue;
        }
        NDArray target = e.getValue().getArray();
        NDArray src = byName.get(e.getKey()).toType(DataType.FLOAT32, false);
        target.set(src.toByteBuffer());
        loaded.add(e.getKey());
      }
    }
    return loaded;
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
