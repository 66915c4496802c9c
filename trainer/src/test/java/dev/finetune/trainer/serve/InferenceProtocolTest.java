package dev.finetune.trainer.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The protocol's JSON: a table of refused requests, and the response's exact shape. */
class InferenceProtocolTest {
  final InferenceProtocol protocol = new InferenceProtocol(1 << 20, 4);

  static byte[] body(String json) {
    return json.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "[]                                                                     | must be a JSON object",
        "{'inputs': []}                                                         | exactly one tensor",
        "{'inputs': [{'shape': [1], 'datatype': 'FP32', 'data': ['AA==']}]}     | datatype must be BYTES",
        "{'inputs': [{'shape': [1], 'datatype': 'BYTES', 'data': 'AA=='}]}      | data must be an array",
        "{'inputs': [{'shape': [1, 2], 'datatype': 'BYTES', 'data': ['AA==']}]} | shape must be [N] or [N, 1]",
        "{'inputs': [{'shape': [1,1,1], 'datatype': 'BYTES', 'data': ['AA==']}]}| shape must be [N] or [N, 1]",
        "{'inputs': [{'shape': [-1], 'datatype': 'BYTES', 'data': ['AA==']}]}   | non-negative integers",
        "{'inputs': [{'shape': [2], 'datatype': 'BYTES', 'data': ['AA==']}]}    | holds 2 element(s) but data has 1",
        "{'inputs': [{'shape': [0], 'datatype': 'BYTES', 'data': []}]}          | 1 to 4 images",
        "{'inputs': [{'shape': [5], 'datatype': 'BYTES', 'data': ['A','A','A','A','A']}]} | 1 to 4 images",
        "{'inputs': [{'shape': [1], 'datatype': 'BYTES', 'data': [7]}]}         | must be a base64 string",
        "{'inputs': [{'shape': [1], 'datatype': 'BYTES', 'data': ['%%']}]}      | is not base64",
        "{'inputs': [{'shape': [1], 'datatype': 'BYTES', 'data': ['A']}]}       | is not base64",
      })
  void refusesWithOneLine(String json, String expected) {
    BadRequest e = assertThrows(BadRequest.class, () -> protocol.parse(body(json)));
    assertEquals(400, e.status());
    assertTrue(e.getMessage().contains(expected.trim()), e.getMessage());
    assertTrue(!e.getMessage().contains("\n"), e.getMessage());
  }

  @Test
  void notJsonAndTooDeep() {
    assertEquals(400, assertThrows(BadRequest.class, () -> protocol.parse(body("{"))).status());
    String deep = "[".repeat(100) + "]".repeat(100);
    assertTrue(
        assertThrows(BadRequest.class, () -> protocol.parse(body(deep)))
            .getMessage()
            .contains("not JSON"));
  }

  @Test
  void acceptsBothShapesAndKeepsTheId() {
    InferenceProtocol.Request r =
        protocol.parse(
            body(
                "{'id': 'r1', 'inputs': [{'name': 'x', 'shape': [2, 1], 'datatype': 'BYTES',"
                    + " 'data': ['AAE=', 'Ag==']}]}"));
    assertEquals("r1", r.id());
    assertArrayEquals(new byte[] {0, 1}, r.images().get(0));
    assertArrayEquals(new byte[] {2}, r.images().get(1));
  }

  @Test
  void responseHoldsLabelsThenProbabilitiesRowByRow() throws Exception {
    byte[] bytes =
        protocol.response(
            "m",
            "r1",
            List.of(
                new Prediction(List.of("b", "a"), new float[] {0.75f, 0.25f}),
                new Prediction(List.of("a", "b"), new float[] {0.5f, 0.5f})));
    JsonNode r = new ObjectMapper().readTree(bytes);
    assertEquals("m", r.get("model_name").asText());
    assertEquals("r1", r.get("id").asText());
    assertEquals("labels", r.at("/outputs/0/name").asText());
    assertEquals("BYTES", r.at("/outputs/0/datatype").asText());
    assertEquals("[2,2]", r.at("/outputs/0/shape").toString());
    assertEquals("[\"b\",\"a\",\"a\",\"b\"]", r.at("/outputs/0/data").toString());
    assertEquals("probabilities", r.at("/outputs/1/name").asText());
    assertEquals("FP32", r.at("/outputs/1/datatype").asText());
    assertEquals("[0.75,0.25,0.5,0.5]", r.at("/outputs/1/data").toString());
  }
}
