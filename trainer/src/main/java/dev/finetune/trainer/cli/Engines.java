package dev.finetune.trainer.cli;

/** Engine settings that must be in place before DJL loads PyTorch. */
final class Engines {
  private Engines() {}

  static void configure(int threads) {
    System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
    System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    System.setProperty("ai.djl.pytorch.graph_optimizer", "false");
  }
}
