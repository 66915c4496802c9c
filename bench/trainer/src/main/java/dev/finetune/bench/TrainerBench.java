package dev.finetune.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.finetune.api.v1alpha1.spec.Architecture;
import dev.finetune.api.v1alpha1.spec.LossReduction;
import dev.finetune.api.v1alpha1.spec.TransformsSpec;
import dev.finetune.trainer.base.CpuShare;
import dev.finetune.trainer.data.batch.BadImagePolicy;
import dev.finetune.trainer.data.batch.BatchStream;
import dev.finetune.trainer.data.batch.HostBatch;
import dev.finetune.trainer.data.format.ImageDecoder;
import dev.finetune.trainer.data.split.FileSplit;
import dev.finetune.trainer.data.split.Split;
import dev.finetune.trainer.data.transform.ImagePipeline;
import dev.finetune.trainer.loop.Recipe;
import dev.finetune.trainer.loop.TrainingSession;
import dev.finetune.trainer.model.ResNet;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Trainer throughput and memory, one measurement per JVM (so peak RSS is that mode's own).
 *
 * <pre>
 *   [--device=cpu|gpu] [--workers=N] MODE ...
 *   engine                   which libtorch DJL loaded (version, path) and the GPUs it sees
 *   train SIZE BATCH STEPS   ResNet-18 SGD steps on pre-made tensors (compute only)
 *   jpeg  SIZE BATCH STEPS DIR   the same loop fed by BatchStream decoding JPEGs in DIR
 *   data  SIZE COUNT DIR     JPEG decode + RandomResizedCrop + flip + normalise, one thread
 *   profile SIZE BATCH STEPS TRACE.json   the train loop's STEPS steps under libtorch's own
 *                            (legacy autograd) profiler, as a Chrome trace (bench/trainer/profile.sh)
 * </pre>
 *
 * {@code --device=gpu} trains on gpu(0) (the tensors of {@code train} live on the GPU); {@code
 * --workers} is BatchStream's decode threads in {@code jpeg} mode (default: the trainer's own
 * default for this machine's CPUs and the device, {@link CpuShare#dataWorkers}). Every step reads
 * the loss and the correct count back to the host, as the trainer does (one sync per step). Prints
 * one JSON line: stack, libtorch, device, mode, size, workers, jpeg_decoder, images_per_second,
 * images_per_cpu_second (process CPU time, all threads but the memory sampler: robust to other
 * processes competing for the cores), peak_rss_mb and peak_tree_rss_mb (both VmHWM: the tree is
 * this one process), peak_tree_pss_mb (sampled every 50 ms by {@link MemorySampler}, as
 * torch_bench.py samples PyTorch with its DataLoader workers), processes.
 */
public final class TrainerBench {
  private TrainerBench() {}

  /**
   * Process CPU seconds of the timed part (all threads: compute, JIT, GC, data workers; not the
   * memory sampler).
   */
  private static double cpuSeconds = Double.NaN;

  private static long cpu0;

  /** Samples memory while the bench runs; its own CPU time is not the stack's. */
  private static MemorySampler memory;

  /** The process's CPU time less the memory sampler's. */
  private static long processCpuNanos() {
    long all =
        ((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime();
    return all - (memory == null ? 0 : memory.cpuNanos());
  }

  /** Starts the timed part: returns System.nanoTime() and notes the process CPU time. */
  private static long start() {
    cpu0 = processCpuNanos();
    return System.nanoTime();
  }

  /** images per CPU second = images per wall second x wall / CPU. */
  private static double wallOverCpu() {
    return lastWall / cpuSeconds;
  }

  private static double lastWall = Double.NaN;

  /** Ends the timed part: images per wall second; notes the CPU seconds. */
  private static double rate(long images, long t0) {
    double wall = (System.nanoTime() - t0) / 1e9;
    lastWall = wall;
    cpuSeconds = (processCpuNanos() - cpu0) / 1e9;
    return images / wall;
  }

  public static void main(String[] args) throws Exception {
    List<String> positional = new ArrayList<>();
    Device device = Device.cpu();
    int workers = 0;
    for (String a : args) {
      if (a.startsWith("--device=")) {
        device = device(a.substring("--device=".length()));
      } else if (a.startsWith("--workers=")) {
        workers = Integer.parseInt(a.substring("--workers=".length()));
      } else {
        positional.add(a);
      }
    }
    String[] p = positional.toArray(new String[0]);
    if (p[0].equals("engine")) { // which libtorch DJL loaded, and the GPUs it sees
      ai.djl.engine.Engine e = ai.djl.engine.Engine.getInstance();
      System.out.printf(
          Locale.ROOT,
          "{\"engine\":\"%s\",\"version\":\"%s\",\"gpus\":%d," + "\"libtorch\":\"%s\"}%n",
          e.getEngineName(),
          e.getVersion(),
          e.getGpuCount(),
          ai.djl.pytorch.jni.LibUtils.getLibtorchPath());
      return;
    }
    String mode = p[0];
    int size = Integer.parseInt(p[1]);
    memory = new MemorySampler();
    workers = CpuShare.dataWorkers(workers, CpuShare.cpus(0), device.isGpu());
    double ips;
    switch (mode) {
      case "train", "jpeg", "profile" -> {
        boolean profile = mode.equals("profile");
        ips =
            train(
                size,
                Integer.parseInt(p[2]),
                Integer.parseInt(p[3]),
                mode.equals("jpeg") ? jpegs(Path.of(p[4]), 512) : null,
                profile ? Device.cpu() : device,
                workers,
                profile ? Path.of(p[4]) : null);
      }
      case "data" -> ips = data(size, Integer.parseInt(p[2]), jpegs(Path.of(p[3]), 512));
      default -> throw new IllegalArgumentException("mode: train, jpeg, data or profile");
    }
    memory.sample();
    System.out.printf(
        Locale.ROOT,
        "{\"stack\":\"djl\",\"libtorch\":\"%s\",\"device\":\"%s\","
            + "\"mode\":\"%s\",\"size\":%d,\"workers\":%d,\"jpeg_decoder\":\"%s\","
            + "\"images_per_second\":%.2f,\"images_per_cpu_second\":%.2f,\"peak_rss_mb\":%.1f,"
            + "\"peak_tree_rss_mb\":%.1f,\"peak_tree_pss_mb\":%.1f,\"processes\":1}%n",
        mode.equals("data") ? "-" : ai.djl.engine.Engine.getInstance().getVersion(),
        device.isGpu() ? "cuda" : "cpu",
        mode,
        size,
        mode.equals("jpeg") ? workers : 0,
        ImageDecoder.usesTurboJpeg() ? "libjpeg-turbo" : "imageio",
        ips,
        ips * wallOverCpu(),
        MemorySampler.vmHwmMb(),
        MemorySampler.vmHwmMb(),
        memory.peakPssMb());
    memory.close();
  }

  /** cpu or gpu; gpu fails at once when PyTorch sees no GPU instead of timing the CPU. */
  static Device device(String name) {
    switch (name) {
      case "cpu":
        return Device.cpu();
      case "gpu":
        int gpus = ai.djl.engine.Engine.getInstance().getGpuCount();
        if (gpus == 0) {
          throw new IllegalStateException(
              "--device=gpu but PyTorch ("
                  + ai.djl.engine.Engine.getInstance().getVersion()
                  + ") sees no GPU");
        }
        return Device.gpu(0);
      default:
        throw new IllegalArgumentException("--device: cpu or gpu, not " + name);
    }
  }

  /**
   * ResNet-18 SGD steps: on pre-made tensors ({@code jpegs} null) or fed by BatchStream. With a
   * {@code trace}, the timed steps on pre-made tensors run under libtorch's legacy autograd
   * profiler (DJL's {@code JniUtils.startProfile}: CPU events, no shapes, no memory), written as a
   * Chrome trace; torch_bench.py's profile mode records PyTorch with the same profiler, so the two
   * traces compare op by op (profile_ops.py).
   */
  static double train(
      int size, int batch, int steps, Split jpegs, Device device, int workers, Path trace) {
    Recipe recipe = new Recipe(0.01, 10, 1e-4, 0.9, LossReduction.MEAN, List.of());
    try (TrainingSession s =
            TrainingSession.open(
                new ResNet(Architecture.RESNET18, 1000), recipe, 0, true, 32, device, List.of());
        NDManager m = NDManager.newBaseManager(device)) {
      int warmup = 3;
      if (jpegs == null) {
        NDArray x = m.randomNormal(new Shape(batch, 3, size, size));
        NDArray y = m.randomInteger(0, 1000, new Shape(batch), ai.djl.ndarray.types.DataType.INT64);
        for (int i = 0; i < warmup; i++) {
          s.step(x, y);
        }
        if (trace != null) {
          ai.djl.pytorch.jni.JniUtils.startProfile(false, false, false);
        }
        long t0 = start();
        for (int i = 0; i < steps; i++) {
          s.step(x, y);
        }
        double ips = rate((long) steps * batch, t0);
        if (trace != null) {
          ai.djl.pytorch.jni.JniUtils.stopProfile(trace.toAbsolutePath().toString());
        }
        return ips;
      }
      ImagePipeline pipeline = ImagePipeline.forTraining(transforms(size));
      long t0 = 0;
      int done = 0;
      int epoch = 0;
      while (done < steps + warmup) {
        try (BatchStream stream =
            BatchStream.training(
                jpegs, pipeline, batch, 0, epoch++, 0, workers, BadImagePolicy.DEFAULT)) {
          while (stream.hasNext() && done < steps + warmup) {
            HostBatch b = stream.next();
            try (NDManager scope = s.manager().newSubManager()) {
              s.step(
                  scope.create(b.pixels(), new Shape(b.count(), 3, b.height(), b.width())),
                  scope.create(b.labels()));
            }
            if (++done == warmup) {
              t0 = start();
            }
          }
        }
      }
      return rate((long) steps * batch, t0);
    }
  }

  static double data(int size, int count, Split jpegs) {
    ImagePipeline pipeline = ImagePipeline.forTraining(transforms(size));
    java.util.SplittableRandom rng = new java.util.SplittableRandom(0);
    // JIT warm-up: the timed images are the steady state of a training run, which decodes
    // thousands (after 200, C2 was still compiling during the timed images, 2026-12-06)
    for (int i = 0; i < 1000; i++) {
      pipeline.apply(jpegs.decode(i % jpegs.size()), rng);
    }
    long t0 = start();
    for (int i = 0; i < count; i++) {
      pipeline.apply(jpegs.decode(i % jpegs.size()), rng);
    }
    return rate(count, t0);
  }

  static TransformsSpec transforms(int size) {
    TransformsSpec t = new TransformsSpec();
    t.train = new dev.finetune.api.v1alpha1.spec.ImageTransformSpec();
    t.train.randomResizedCrop = size;
    t.train.horizontalFlip = true;
    return t;
  }

  /** 500x375 JPEGs (the hot dog dataset's typical size), generated once into dir. */
  static Split jpegs(Path dir, int count) throws IOException {
    Files.createDirectories(dir);
    Random r = new Random(1);
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Path f = dir.resolve(String.format("img-%04d.jpg", i));
      if (!Files.exists(f)) {
        BufferedImage img = new BufferedImage(500, 375, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setPaint(
            new GradientPaint(
                0, 0, new Color(r.nextInt(0xffffff)), 500, 375, new Color(r.nextInt(0xffffff))));
        g.fillRect(0, 0, 500, 375);
        for (int k = 0; k < 40; k++) {
          g.setColor(new Color(r.nextInt(0xffffff)));
          g.fillOval(r.nextInt(500), r.nextInt(375), 10 + r.nextInt(120), 10 + r.nextInt(120));
        }
        g.dispose();
        ImageIO.write(img, "jpg", f.toFile());
      }
      files.add(f);
    }
    int[] labels = new int[files.size()];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = i % 1000;
    }
    return new FileSplit(files, labels, new ImageDecoder());
  }
}
