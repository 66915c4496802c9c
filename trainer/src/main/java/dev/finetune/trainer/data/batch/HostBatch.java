package dev.finetune.trainer.data.batch;

/**
 * One batch on the host: {@code count} images of {@code height} x {@code width}, normalised, CHW
 * per image, concatenated ({@code pixels.length == count * 3 * height * width}), their labels, and
 * {@code index}, the batch's position in the epoch (counting batches that were dropped because all
 * or all-but-one of their images were undecodable), for resuming.
 */
public record HostBatch(
    float[] pixels, int[] labels, int count, int height, int width, int index) {}
