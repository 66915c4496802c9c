/**
 * The data pipeline, one subpackage per role, in the order data flows:
 *
 * <ul>
 *   <li>{@code fetch}: {@link dev.finetune.trainer.data.fetch.Fetcher} turns dataset URIs into
 *       local folders (URI allowlist, retries, safe archive extraction, content-hash cache);
 *   <li>{@code format}: on-disk formats to images and labels (imagefolder, IDX, image decoding into
 *       {@link dev.finetune.trainer.data.format.RgbImage});
 *   <li>{@code split}: {@link dev.finetune.trainer.data.split.Split}s of labelled samples, few-shot
 *       subsets and seeds;
 *   <li>{@code transform}: {@link dev.finetune.trainer.data.transform.ImagePipeline}, the
 *       torchvision-exact transforms (bit-identical to torchvision 0.14 + Pillow's bilinear
 *       resize);
 *   <li>{@code batch}: {@link dev.finetune.trainer.data.batch.BatchStream} produces deterministic
 *       host batches on worker threads.
 * </ul>
 *
 * <p>This package ties them together: {@link dev.finetune.trainer.data.DatasetLoader} indexes a
 * dataset spec into a {@link dev.finetune.trainer.data.LoadedDataset}, and {@link
 * dev.finetune.trainer.data.DatasetDigest} is its lineage digest.
 */
package dev.finetune.trainer.data;
