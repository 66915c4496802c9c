#!/usr/bin/env python3
"""Writes scikit-learn's 8x8 handwritten digits (1,797 real scans from UCI's optdigits, shipped in
Debian's python3-sklearn as sklearn/datasets/data/digits.csv.gz; BSD-3-Clause) as MNIST-style IDX
files the trainer reads with dataset.format: idx. Per class, a seeded shuffle puts 100 images in
train-*-idx*-ubyte.gz and the rest (74 to 83) in t10k-*; pixel values 0-16 become 0-255.
Only the standard library: it reads the CSV itself. Prints the training split's mean and
standard deviation (for transforms.normalize).
Usage: digits_idx.py OUT_DIR [CSV_GZ]"""
import gzip
import os
import random
import struct
import sys

CSV = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"
TRAIN_PER_CLASS = 100


def gzip_out(path):
    """A gzip file without a time stamp, so the same input gives the same bytes."""
    return gzip.GzipFile(path, "wb", mtime=0)


def main(out, csv):
    if not os.path.exists(csv):
        sys.exit("digits_idx.py: %s not found; install Debian's python3-sklearn" % csv)
    by_class = {}
    with gzip.open(csv, "rt") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                values = [int(float(v)) for v in line.split(",")]
            except ValueError:
                sys.exit("digits_idx.py: %s is not the digits CSV: %r" % (csv, line[:60]))
            if len(values) != 65 or not 0 <= values[64] <= 9:
                sys.exit("digits_idx.py: unexpected row in %s: %d values" % (csv, len(values)))
            pixels = bytes(round(v * 255 / 16) for v in values[:64])
            by_class.setdefault(values[64], []).append(pixels)
    rng = random.Random(0)
    train, test = [], []
    for label in sorted(by_class):
        images = by_class[label]
        rng.shuffle(images)
        train += [(p, label) for p in images[:TRAIN_PER_CLASS]]
        test += [(p, label) for p in images[TRAIN_PER_CLASS:]]
    os.makedirs(out, exist_ok=True)
    for prefix, rows in (("train", train), ("t10k", test)):
        with gzip_out(os.path.join(out, prefix + "-images-idx3-ubyte.gz")) as f:
            f.write(struct.pack(">iiii", 0x803, len(rows), 8, 8))
            for pixels, _ in rows:
                f.write(pixels)
        with gzip_out(os.path.join(out, prefix + "-labels-idx1-ubyte.gz")) as f:
            f.write(struct.pack(">ii", 0x801, len(rows)))
            f.write(bytes(label for _, label in rows))
    flat = [b / 255 for pixels, _ in train for b in pixels]
    mean = sum(flat) / len(flat)
    std = (sum((x - mean) ** 2 for x in flat) / len(flat)) ** 0.5
    print("digits: %d train, %d test images in %s; train mean %.3f std %.3f"
          % (len(train), len(test), out, mean, std))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else CSV)
