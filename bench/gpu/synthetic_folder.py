"""A hot-dog-shaped image folder: DIR/{train,test}/{hotdog,not-hotdog}/*.jpg, 500x375 JPEGs of
coloured ellipses (hot dogs are wide and reddish), so the trainer decodes and augments real
JPEGs of the d2l dataset's size.   synthetic_folder.py DIR N_TRAIN N_TEST
"""
import os
import random
import sys

from PIL import Image, ImageDraw


def image(rng, hotdog):
    img = Image.new("RGB", (500, 375), tuple(rng.randrange(256) for _ in range(3)))
    d = ImageDraw.Draw(img)
    for _ in range(12):
        x, y = rng.randrange(500), rng.randrange(375)
        w, h = (rng.randrange(80, 200), rng.randrange(20, 60)) if hotdog else (rng.randrange(20, 120),) * 2
        colour = (rng.randrange(150, 256), rng.randrange(80), rng.randrange(60)) if hotdog \
            else tuple(rng.randrange(256) for _ in range(3))
        d.ellipse([x, y, x + w, y + h], fill=colour)
    return img


def main(out, n_train, n_test):
    rng = random.Random(0)
    for split, n in (("train", n_train), ("test", n_test)):
        for i in range(n):
            cls = "hotdog" if i % 2 == 0 else "not-hotdog"
            os.makedirs(f"{out}/{split}/{cls}", exist_ok=True)
            image(rng, cls == "hotdog").save(f"{out}/{split}/{cls}/{i:05d}.jpg", quality=90)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
