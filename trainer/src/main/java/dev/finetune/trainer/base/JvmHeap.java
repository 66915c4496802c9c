package dev.finetune.trainer.base;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * What the JVM made of its heap options, for the start-up log: the ceiling (the image's
 * -XX:MaxRAMPercentage of the memory limit) and the young generation (the operator's -Xmn from
 * TrainerHeap, passed in JDK_JAVA_OPTIONS).
 */
public final class JvmHeap {
  private JvmHeap() {}

  /** "at most 1024 MiB, young generation 98 MiB"; without HotSpot's bean, the ceiling only. */
  public static String describe() {
    String text = "at most " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB";
    try {
      HotSpotDiagnosticMXBean hs =
          ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      long young = Long.parseLong(hs.getVMOption("MaxNewSize").getValue());
      return text + ", young generation " + (young >> 20) + " MiB";
    } catch (RuntimeException | LinkageError e) {
      return text; // not HotSpot, or a runtime without jdk.management
    }
  }
}
