package dev.finetune.operator.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;

/**
 * The informer cache of the trainer Jobs and pods, without {@code metadata.managedFields}: a real
 * API server attaches them to every object (a pod's run to several kilobytes), the operator never
 * reads them, and never writes these objects back from the cache. With 1,000 FineTuneJobs on a real
 * control plane they made the operator run out of its 96 MiB heap (ClusterScaleBench,
 * docs/BENCHMARKS.md). client-go's informers offer the same trim as a transform function.
 */
final class LeanItemStore<T extends HasMetadata> extends BasicItemStore<T> {
  LeanItemStore() {
    super(Cache::metaNamespaceKeyFunc);
  }

  @Override
  public T put(String key, T obj) {
    if (obj.getMetadata() != null) {
      obj.getMetadata().setManagedFields(null);
    }
    return super.put(key, obj);
  }
}
