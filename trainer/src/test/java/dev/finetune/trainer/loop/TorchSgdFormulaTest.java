package dev.finetune.trainer.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** torch.optim.SGD's update written out by hand, for a table of settings. */
class TorchSgdFormulaTest {
  @ParameterizedTest(name = "lr={0} wd={1} momentum={2}")
  @CsvSource({"0.1, 0, 0", "0.1, 0.5, 0", "0.1, 0, 0.9", "0.05, 0.2, 0.8"})
  void threeStepsFollowTorchFormula(float lr, float wd, float momentum) {
    try (NDManager m = NDManager.newBaseManager();
        NDManager state = m.newSubManager()) {
      NDArray w = m.create(new float[] {1f, -2f, 3f});
      w.setRequiresGradient(true);
      TorchSgd sgd = new TorchSgd(n -> lr, wd, momentum, Map.of(), state);
      float[] expected = {1f, -2f, 3f};
      float[] buf = null;
      float[] c = {0.5f, 1f, -1.5f};
      for (int step = 0; step < 3; step++) {
        // loss = sum(c * w^2)  =>  grad = 2 c w
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          gc.backward(w.mul(w).mul(m.create(c)).sum());
        }
        float[] g = new float[3];
        for (int i = 0; i < 3; i++) {
          g[i] = 2 * c[i] * expected[i] + wd * expected[i];
        }
        if (momentum != 0) {
          if (buf == null) {
            buf = g.clone();
          } else {
            for (int i = 0; i < 3; i++) {
              buf[i] = momentum * buf[i] + g[i];
            }
          }
          g = buf;
        }
        for (int i = 0; i < 3; i++) {
          expected[i] -= lr * g[i];
        }
        sgd.update("w", w, w.getGradient());
        assertArrayEquals(expected, w.toFloatArray(), 1e-5f, "step " + step);
        assertArrayEquals(new float[3], w.getGradient().toFloatArray(), "gradient cleared");
      }
    }
  }
}
