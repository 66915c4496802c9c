package dev.finetune.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.error.TrainerException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Issue 11, class 17: a non-safetensors file's bytes are not echoed in the error. */
class SafetensorsEchoTest {
  @Test
  void theFirst8BytesAreNotPrintedAsAHeaderLength() {
    byte[] passwd = "root:x:0:0:root:/root:/bin/bash\n".getBytes(StandardCharsets.UTF_8);
    long asLength = ByteBuffer.wrap(passwd, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    TrainerException e =
        assertThrows(TrainerException.class, () -> SafetensorsHeader.parse(passwd, "/etc/passwd"));
    assertEquals(ExitCode.WEIGHTS_INVALID, e.exitCode());
    assertFalse(e.getMessage().contains(Long.toString(asLength)), e.getMessage());
  }

  @Test
  void invalidJsonIsNotQuoted() {
    byte[] body = "{\"secret-token-abc\" oops".getBytes(StandardCharsets.UTF_8);
    ByteBuffer file = ByteBuffer.allocate(8 + body.length).order(ByteOrder.LITTLE_ENDIAN);
    file.putLong(body.length).put(body);
    TrainerException e =
        assertThrows(
            TrainerException.class, () -> SafetensorsHeader.parse(file.array(), "w.safetensors"));
    assertFalse(e.getMessage().contains("secret-token"), e.getMessage());
    assertFalse(e.getMessage().contains("oops"), e.getMessage());
  }
}
