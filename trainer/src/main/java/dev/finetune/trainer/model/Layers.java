package dev.finetune.trainer.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

/** Builders for the two layer kinds of a torchvision ResNet. */
final class Layers {
  private Layers() {}

  /** nn.Conv2d(in, out, k, stride, padding, bias=False). */
  static Conv2d conv(int filters, int kernel, int stride, int padding) {
    return Conv2d.builder()
        .setKernelShape(new Shape(kernel, kernel))
        .setFilters(filters)
        .optStride(new Shape(stride, stride))
        .optPadding(new Shape(padding, padding))
        .optBias(false)
        .build();
  }
}
