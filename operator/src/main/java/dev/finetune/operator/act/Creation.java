package dev.finetune.operator.act;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.util.function.Function;

/**
 * Create-only children, safe against a previous incarnation. A {@code 409 AlreadyExists} means
 * either this FineTuneJob made the object before (a repeated reconcile: fine) or a FineTuneJob with
 * the same name that was deleted and re-created before the garbage collector removed its children
 * did. The owner's uid tells them apart; a previous incarnation's object is deleted (as the garbage
 * collector would) and never used: the caller tries again in a later reconcile.
 */
public enum Creation {
  /** Created now. */
  CREATED,
  /** It existed, owned by this FineTuneJob. */
  EXISTS,
  /** It existed, owned by a previous FineTuneJob of the same name; deletion was requested. */
  STALE;

  /** Creates {@code desired}; on 409 reads the existing object and checks its owner's uid. */
  public static <T extends HasMetadata> Creation create(
      KubernetesClient client, T desired, String ownerUid, Function<T, Resource<T>> resource) {
    try {
      resource.apply(desired).create();
      return CREATED;
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
    T existing = resource.apply(desired).get();
    if (existing == null) {
      return STALE; // gone since: the next reconcile creates it
    }
    if (ownedBy(existing, ownerUid)) {
      return EXISTS;
    }
    resource
        .apply(existing)
        .withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND)
        .delete();
    return STALE;
  }

  /** True when the object's controller ownerReference has this uid. */
  public static boolean ownedBy(HasMetadata object, String uid) {
    var owners = object.getMetadata().getOwnerReferences();
    return uid != null
        && owners != null
        && owners.stream()
            .anyMatch(o -> Boolean.TRUE.equals(o.getController()) && uid.equals(o.getUid()));
  }
}
