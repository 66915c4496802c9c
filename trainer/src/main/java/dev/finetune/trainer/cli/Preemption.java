package dev.finetune.trainer.cli;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.loop.StopSignal;
import java.time.Duration;
import sun.misc.Signal;

/**
 * SIGTERM (kubelet preemption, eviction, suspend) asks the loop to stop after the current step and
 * checkpoint. If that takes longer than the grace period the process halts with 143; a half-written
 * checkpoint has no manifest, so it is ignored on resume.
 */
final class Preemption {
  private Preemption() {}

  static void install(StopSignal stop, Duration grace) {
    Signal.handle(
        new Signal("TERM"),
        sig -> {
          System.err.println(
              "SIGTERM: finishing the current step and writing a checkpoint (grace "
                  + grace.toSeconds()
                  + " s)");
          stop.request();
          Thread watchdog =
              new Thread(
                  () -> {
                    try {
                      Thread.sleep(grace.toMillis());
                      System.err.println("grace period over: exiting without a final checkpoint");
                      Runtime.getRuntime().halt(ExitCode.PREEMPTED.code());
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  },
                  "preemption-watchdog");
          watchdog.setDaemon(true);
          watchdog.start();
        });
  }
}
