/**
 * The data pipeline: {@link dev.finetune.trainer.data.Fetcher} turns dataset URIs into local
 * folders (safe archive extraction, content-hash cache), {@link
 * dev.finetune.trainer.data.DatasetLoader} indexes imagefolder or IDX data into {@link
 * dev.finetune.trainer.data.Split}s, {@link dev.finetune.trainer.data.ImagePipeline} applies
 * torchvision-exact transforms (bit-identical to torchvision 0.14 + Pillow's bilinear resize),
 * and {@link dev.finetune.trainer.data.BatchStream} produces deterministic host batches on
 * worker threads.
 */
package dev.finetune.trainer.data;
