/**
 * The small types every part of the trainer may use, and which use none of it but {@code error}:
 * {@link dev.finetune.trainer.base.Sha256} (how bytes are named), {@link
 * dev.finetune.trainer.base.InputFile} (the one rule for reading a user-given path) and {@link
 * dev.finetune.trainer.base.CpuShare} (compute threads and data workers from the CPUs).
 *
 * <p>They live here, not in the root package, so that the root package holds only the entry points
 * ({@code JobRunner} and what it builds) and no subpackage imports it.
 */
package dev.finetune.trainer.base;
