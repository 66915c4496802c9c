package dev.finetune.trainer.cli;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.base.CpuShare;
import dev.finetune.trainer.data.format.ImageDecoder;
import dev.finetune.trainer.error.TrainerException;
import dev.finetune.trainer.serve.Classifier;
import dev.finetune.trainer.serve.InferenceServer;
import dev.finetune.trainer.serve.ModelFiles;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sun.misc.Signal;

/** {@code finetune serve MODEL}: a final model behind KServe's Open Inference Protocol. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Serves a final model over KServe's Open Inference Protocol (v2 REST):",
      "GET /v2/health/live, /v2/health/ready, /v2/models/NAME and",
      "/v2/models/NAME/ready; POST /v2/models/NAME/infer with one BYTES input of",
      "base64-encoded JPEG/PNG files (shape [N]). The answer's first output,",
      "'labels', holds each image's labels best first, the second,",
      "'probabilities', theirs (both shape [N, classes]). NAME is the job's name.",
      "Images get the job's own test transform, so answers equal the evaluation's.",
      "Requests are batched within --batch-wait; GET /metrics is Prometheus. Bad",
      "input gets a 4xx and one line. On SIGTERM it stops taking requests,",
      "finishes those in flight and exits 0."
    })
final class ServeCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "MODEL",
      description =
          "A train output folder, a final-model folder (model.json and"
              + " model.safetensors), a checkpoint location (its model/), or a file:// or s3:// URI"
              + " of one.")
  String model;

  @Option(
      names = "--from-job",
      paramLabel = "NAME=URI",
      description =
          "Serves FineTuneJob NAME's final model from URI (its status.finalModelUri,"
              + " that folder or the checkpoint location) under the name NAME, instead of MODEL.")
  Map<String, String> fromJob = new LinkedHashMap<>();

  @Option(
      names = "--port",
      paramLabel = "N",
      defaultValue = "8080",
      description = "HTTP port; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
  int port;

  @Option(
      names = "--max-batch",
      paramLabel = "N",
      defaultValue = "8",
      description = "Most images in one forward pass, 1-256. Default: ${DEFAULT-VALUE}.")
  int maxBatch;

  @Option(
      names = "--batch-wait",
      paramLabel = "MS",
      defaultValue = "5",
      description =
          "Most milliseconds a request waits for others to share its batch, 0-1000."
              + " Default: ${DEFAULT-VALUE}.")
  int batchWaitMs;

  @Option(
      names = "--max-images",
      paramLabel = "N",
      defaultValue = "64",
      description = "Most images in one request, 1-1024. Default: ${DEFAULT-VALUE}.")
  int maxImages;

  @Option(
      names = "--max-body",
      paramLabel = "MIB",
      defaultValue = "32",
      description =
          "Most MiB in one request body (413 past it), 1-1024." + " Default: ${DEFAULT-VALUE}.")
  int maxBodyMib;

  @Option(
      names = "--max-pixels",
      paramLabel = "N",
      defaultValue = "" + ImageDecoder.DEFAULT_MAX_PIXELS,
      description =
          "Most pixels an image may have; larger ones are refused from their header,"
              + " before decoding (the trainer's limit). Default: ${DEFAULT-VALUE}.")
  long maxPixels;

  @Option(
      names = "--queue",
      paramLabel = "N",
      defaultValue = "256",
      description = "Most requests waiting for the model; more get 503. Default: ${DEFAULT-VALUE}.")
  int queue;

  @Option(
      names = "--threads",
      paramLabel = "N",
      defaultValue = "0",
      description = "PyTorch compute threads; 0 = every CPU.")
  int threads;

  @Option(
      names = "--http-threads",
      paramLabel = "N",
      defaultValue = "4",
      description = "Threads reading and decoding requests, 1-64. Default: ${DEFAULT-VALUE}.")
  int httpThreads;

  @Option(
      names = "--grace-period",
      paramLabel = "S",
      defaultValue = "25",
      description =
          "Seconds allowed after SIGTERM for requests in flight, 1-3600."
              + " Default: ${DEFAULT-VALUE}.")
  int gracePeriodSeconds;

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (fromJob.size() > 1 || (fromJob.isEmpty() == (model == null))) {
      throw new TrainerException(ExitCode.USAGE, "give either MODEL or one --from-job NAME=URI");
    }
    Preflight.range("--port", port, 0, 65535);
    Preflight.range("--max-batch", maxBatch, 1, 256);
    Preflight.range("--batch-wait", batchWaitMs, 0, 1000);
    Preflight.range("--max-images", maxImages, 1, 1024);
    Preflight.range("--max-body", maxBodyMib, 1, 1024);
    Preflight.range("--max-pixels", maxPixels, 1, ImageDecoder.DEFAULT_MAX_PIXELS * 10);
    Preflight.range("--queue", queue, 1, 100_000);
    Preflight.range("--http-threads", httpThreads, 1, 64);
    Preflight.range("--grace-period", gracePeriodSeconds, 1, Preflight.MAX_GRACE_PERIOD_S);
    int cpus = CpuShare.cpus(0);
    Engines.configure(Preflight.threads(threads, cpus));
    String name = fromJob.isEmpty() ? null : fromJob.keySet().iterator().next();
    String location = fromJob.isEmpty() ? model : fromJob.values().iterator().next();
    ModelFiles files = ModelFiles.read(location, System.getenv());
    String architecture = files.metadata().path("architecture").asText();
    InferenceServer.Settings settings =
        new InferenceServer.Settings(
            port,
            maxBodyMib << 20,
            maxImages,
            maxPixels,
            maxBatch,
            Duration.ofMillis(batchWaitMs),
            queue,
            httpThreads,
            Duration.ofSeconds(60));
    CountDownLatch stop = new CountDownLatch(1);
    Signal.handle(new Signal("TERM"), sig -> stop.countDown());
    Signal.handle(new Signal("INT"), sig -> stop.countDown());
    try (Classifier classifier = Classifier.load(files, name)) {
      InferenceServer server;
      try {
        server = InferenceServer.start(classifier, architecture, settings);
      } catch (IOException e) {
        throw new TrainerException(
            ExitCode.USAGE, "--port " + port + ": cannot listen (" + e.getMessage() + ")");
      }
      System.out.println(
          "serving model "
              + classifier.name()
              + " ("
              + architecture
              + ", "
              + classifier.classes().size()
              + " classes, from "
              + files.uri()
              + ") on port "
              + server.port());
      System.out.flush();
      stop.await();
      System.out.println(
          "SIGTERM: finishing requests in flight (grace " + gracePeriodSeconds + " s)");
      server.stop(Duration.ofSeconds(gracePeriodSeconds));
    }
    System.out.println("stopped");
    return 0;
  }
}
