"""The torchvision eager reference for bench/serve/run.sh: what serving costs without a server.

For each batch size, one request after another: decode BATCH of the JPEGs ServeBench wrote
(PIL), resize 256 + centerCrop 224 + to-tensor + normalize (torchvision), ResNet-18 forward in
eval mode under torch.inference_mode, softmax and sort. No HTTP, JSON or base64: the floor that
finetune serve's figures are compared with. One JSON line per batch size.

usage: torch_serve_bench.py IMAGES REQUESTS THREADS BATCH...
"""
import io
import json
import pathlib
import sys
import time

import torch
import torchvision
from PIL import Image
from torchvision import transforms

images_dir, requests, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
batches = [int(b) for b in sys.argv[4:]]
torch.set_num_threads(threads)
torch.set_num_interop_threads(1)
files = [p.read_bytes() for p in sorted(pathlib.Path(images_dir).glob("*.jpg"))]
chain = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224),
                            transforms.ToTensor(),
                            transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
model = torchvision.models.resnet18(num_classes=10).eval()


def classify(blobs):
    x = torch.stack([chain(Image.open(io.BytesIO(b)).convert("RGB")) for b in blobs])
    with torch.inference_mode():
        p = model(x).softmax(1)
        return p.sort(1, descending=True)


for batch in batches:
    requests_blobs = [[files[(i * batch + k) % len(files)] for k in range(batch)] for i in range(4)]
    for i in range(5):
        classify(requests_blobs[i % 4])
    nanos = []
    start = time.perf_counter_ns()
    for i in range(requests):
        t = time.perf_counter_ns()
        classify(requests_blobs[i % 4])
        nanos.append(time.perf_counter_ns() - t)
    seconds = (time.perf_counter_ns() - start) / 1e9
    nanos.sort()
    print(json.dumps({"stack": "torchvision-eager", "batch": batch, "requests": requests,
                      "requests_per_s": round(requests / seconds, 2),
                      "images_per_s": round(requests * batch / seconds, 2),
                      "p50_ms": round(nanos[requests // 2] / 1e6, 1),
                      "p99_ms": round(nanos[min(requests - 1, -(-requests * 99 // 100) - 1)] / 1e6, 1),
                      "threads": str(threads), "torch": torch.__version__,
                      "torchvision": torchvision.__version__}))
