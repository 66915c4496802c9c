package dev.finetune.trainer.checkpoint;

import java.time.Instant;

/**
 * A checkpoint as described by its manifest: its name (ckpt-&lt;step, 12 digits&gt;), its URI (e.g.
 * s3://bucket/run/checkpoints/ckpt-000000000120), epoch, global step and the wall time it was
 * written.
 */
public record CheckpointInfo(String name, String uri, int epoch, long step, Instant time) {}
