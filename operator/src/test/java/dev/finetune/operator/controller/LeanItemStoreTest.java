package dev.finetune.operator.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

class LeanItemStoreTest {
  @Test
  void cachedObjectsKeepEverythingButManagedFields() {
    LeanItemStore<Pod> store = new LeanItemStore<>();
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName("p")
            .withNamespace("ns")
            .withResourceVersion("7")
            .addToLabels("finetune.dev/job", "a")
            .withManagedFields(new ManagedFieldsEntryBuilder().withManager("kubelet").build())
            .endMetadata()
            .withNewStatus()
            .withPhase("Running")
            .endStatus()
            .build();
    store.put(store.getKey(pod), pod);
    Pod cached = store.get("ns/p");
    assertNull(cached.getMetadata().getManagedFields());
    assertEquals("7", cached.getMetadata().getResourceVersion());
    assertEquals("a", cached.getMetadata().getLabels().get("finetune.dev/job"));
    assertEquals("Running", cached.getStatus().getPhase());
  }
}
