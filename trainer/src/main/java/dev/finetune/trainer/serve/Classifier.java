package dev.finetune.trainer.serve;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.api.v1alpha1.spec.Architecture;
import dev.finetune.api.v1alpha1.spec.TransformsSpec;
import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.data.format.RgbImage;
import dev.finetune.trainer.data.transform.ImagePipeline;
import dev.finetune.trainer.error.TrainerException;
import dev.finetune.trainer.model.ResNet;
import dev.finetune.trainer.model.Weights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A final model ready to classify: the network from model.json's architecture and classes with
 * model.safetensors' weights, in eval mode, and the job's own test chain ({@link
 * ImagePipeline#forTest} of model.json's {@code transforms}, the code evaluation runs). {@link
 * #classify} is not thread-safe: the {@link Batcher}'s one thread calls it.
 */
public final class Classifier implements AutoCloseable {
  private final String name;
  private final List<String> classes;
  private final ImagePipeline pipeline;
  private final Model model;
  private final Predictor<Pixels, float[]> predictor;

  private Classifier(String name, List<String> classes, ImagePipeline pipeline, Model model) {
    this.name = name;
    this.classes = List.copyOf(classes);
    this.pipeline = pipeline;
    this.model = model;
    this.predictor = model.newPredictor(new LogitsTranslator());
  }

  /** Loads {@code files} as model {@code name} (null: the job name in model.json) on the CPU. */
  public static Classifier load(ModelFiles files, String name) {
    JsonNode meta = files.metadata();
    String where = files.uri() + "model.json";
    List<String> classes = new ArrayList<>();
    meta.path("classes").forEach(c -> classes.add(c.asText()));
    if (classes.size() < 2) {
      throw new TrainerException(ExitCode.WEIGHTS_INVALID, where + " lists no classes");
    }
    Architecture architecture = architecture(meta.path("architecture").asText(""), where);
    if (!meta.has("transforms")) {
      throw new TrainerException(
          ExitCode.WEIGHTS_INVALID,
          where
              + " records no transforms (it"
              + " was written by a trainer before finetune serve); train the job again to serve it");
    }
    TransformsSpec transforms;
    try {
      transforms = new ObjectMapper().treeToValue(meta.get("transforms"), TransformsSpec.class);
    } catch (java.io.IOException e) {
      throw new TrainerException(
          ExitCode.WEIGHTS_INVALID,
          where + ": transforms: " + e.getMessage().lines().findFirst().orElse(""));
    }
    ImagePipeline pipeline = ImagePipeline.forTest(transforms);
    String modelName = name != null ? name : meta.path("job").asText("");
    if (modelName.isEmpty()) {
      throw new TrainerException(
          ExitCode.WEIGHTS_INVALID,
          where + " names no job; pass" + " --from-job NAME=URI to name the model");
    }
    ResNet net = new ResNet(architecture, classes.size());
    Model model = Model.newInstance(architecture.id(), Device.cpu());
    try {
      model.setBlock(net);
      int side = pipeline.fixedSize().orElse(64);
      net.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 3, side, side));
      Weights.load(net, files.weights(), files.uri() + "model.safetensors", n -> false);
      return new Classifier(modelName, classes, pipeline, model);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  private static Architecture architecture(String id, String where) {
    for (Architecture a : Architecture.values()) {
      if (a.id().equals(id)) {
        return a;
      }
    }
    throw new TrainerException(
        ExitCode.WEIGHTS_INVALID,
        where
            + ": architecture '"
            + id
            + "' is not one of "
            + Arrays.stream(Architecture.values()).map(Architecture::id).toList());
  }

  /** The model's name on the protocol: the job's name. */
  public String name() {
    return name;
  }

  public List<String> classes() {
    return classes;
  }

  /** The test chain's pixels of one decoded image (CHW floats); thread-safe. */
  public Pixels prepare(RgbImage image) {
    // The test chain has no random step: the generator is never drawn from.
    RgbImage g = pipeline.geometry(image, new SplittableRandom(0));
    float[] data = new float[3 * g.width() * g.height()];
    pipeline.toTensor(g, data, 0);
    return new Pixels(data, g.height(), g.width());
  }

  /**
   * Classifies images in one forward pass per image size (a chain without a final crop keeps each
   * image's own size, as evaluation does).
   */
  public List<Prediction> classify(List<Pixels> images) throws TranslateException {
    Map<String, List<Integer>> bySize = new LinkedHashMap<>();
    for (int i = 0; i < images.size(); i++) {
      Pixels p = images.get(i);
      bySize.computeIfAbsent(p.height() + "x" + p.width(), k -> new ArrayList<>()).add(i);
    }
    Prediction[] out = new Prediction[images.size()];
    for (List<Integer> group : bySize.values()) {
      Pixels first = images.get(group.get(0));
      int per = first.data().length;
      float[] batch = new float[per * group.size()];
      for (int k = 0; k < group.size(); k++) {
        System.arraycopy(images.get(group.get(k)).data(), 0, batch, k * per, per);
      }
      float[] result = predictor.predict(new Pixels(batch, first.height(), first.width()));
      int n = classes.size();
      for (int k = 0; k < group.size(); k++) {
        out[group.get(k)] = prediction(Arrays.copyOfRange(result, 2 * n * k, 2 * n * (k + 1)));
      }
    }
    return List.of(out);
  }

  /** {@code row} holds the logits, then the probabilities, of one image. */
  private Prediction prediction(float[] row) {
    int n = classes.size();
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    // By logit, descending; a stable sort keeps the first of equal logits first (torch argmax).
    Arrays.sort(order, Comparator.comparingDouble((Integer i) -> row[i]).reversed());
    List<String> labels = new ArrayList<>(n);
    float[] probabilities = new float[n];
    for (int r = 0; r < n; r++) {
      labels.add(classes.get(order[r]));
      probabilities[r] = row[n + order[r]];
    }
    return new Prediction(labels, probabilities);
  }

  @Override
  public void close() {
    try {
      predictor.close();
    } finally {
      model.close();
    }
  }

  /** Normalized CHW floats of one image, or of a batch of same-size images. */
  public record Pixels(float[] data, int height, int width) {
    int count() {
      return data.length / (3 * height * width);
    }
  }

  /**
   * Pixels in, per image the logits then the softmax out, as floats on the host: every NDArray
   * lives in the predictor's per-call manager, which DJL closes after each call.
   */
  private static final class LogitsTranslator implements Translator<Pixels, float[]> {
    @Override
    public NDList processInput(TranslatorContext ctx, Pixels p) {
      return new NDList(
          ctx.getNDManager().create(p.data(), new Shape(p.count(), 3, p.height(), p.width())));
    }

    @Override
    public float[] processOutput(TranslatorContext ctx, NDList list) {
      NDArray logits = list.singletonOrThrow();
      return logits.concat(logits.softmax(1), 1).toFloatArray();
    }

    @Override
    public Batchifier getBatchifier() {
      return null;
    }
  }
}
