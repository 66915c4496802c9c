package dev.finetune.operator.sim;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.Test;

class LoopFailuresTest {
  @Test
  void aRealFailureIsThrownWithItsCause() {
    LoopFailures f = new LoopFailures("kubelet");
    f.record(new IllegalStateException("boom"));
    AssertionError e = assertThrows(AssertionError.class, f::check);
    assertTrue(
        e.getMessage()
            .contains(
                "kubelet failed 1 time(s); first: " + "java.lang.IllegalStateException: boom"),
        e.getMessage());
  }

  @Test
  void racesAndShutdownAreNotFailures() {
    LoopFailures f = new LoopFailures("kubelet");
    f.record(new KubernetesClientException("gone", 404, null));
    f.record(new KubernetesClientException("list failed", new java.io.InterruptedIOException()));
    f.check();
  }
}
