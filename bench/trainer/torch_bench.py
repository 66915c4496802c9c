"""PyTorch reference for bench/trainer: the same loops as TrainerBench, same threads and batch.

  torch_bench.py train SIZE BATCH STEPS THREADS
  torch_bench.py jpeg SIZE BATCH STEPS THREADS DIR   (torchvision ImageFolder-style loading, 1 worker)
  torch_bench.py data SIZE COUNT DIR                 (PIL decode + RandomResizedCrop + flip + normalise)
Prints one JSON line like TrainerBench.
"""
import glob
import json
import resource
import sys
import time

import torch
import torchvision
from PIL import Image
from torchvision import transforms as T


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def model_and_opt():
    torch.manual_seed(0)
    m = torchvision.models.resnet18(num_classes=1000)
    params = [{"params": [p for n, p in m.named_parameters() if not n.startswith("fc.")]},
              {"params": m.fc.parameters(), "lr": 0.1}]
    return m, torch.optim.SGD(params, lr=0.01, momentum=0.9, weight_decay=1e-4)


def step(m, opt, x, y):
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(m(x), y)
    loss.backward()
    opt.step()


def pipeline(size):
    return T.Compose([T.RandomResizedCrop(size), T.RandomHorizontalFlip(), T.ToTensor(),
                      T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])


class Jpegs(torch.utils.data.Dataset):
    def __init__(self, d, size):
        self.files = sorted(glob.glob(d + "/*.jpg"))
        self.t = pipeline(size)

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        return self.t(Image.open(self.files[i]).convert("RGB")), i % 1000


def main():
    mode, size = sys.argv[1], int(sys.argv[2])
    if mode in ("train", "jpeg"):
        batch, steps, threads = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
        torch.set_num_threads(threads)
        m, opt = model_and_opt()
        m.train()
        warmup = 3
        if mode == "train":
            x = torch.randn(batch, 3, size, size)
            y = torch.randint(0, 1000, (batch,))
            for _ in range(warmup):
                step(m, opt, x, y)
            t0 = time.perf_counter()
            for _ in range(steps):
                step(m, opt, x, y)
        else:
            loader = torch.utils.data.DataLoader(Jpegs(sys.argv[6], size), batch_size=batch,
                                                 shuffle=True, num_workers=1, drop_last=True)
            done, t0 = 0, None
            while done < steps + warmup:
                for x, y in loader:
                    step(m, opt, x, y)
                    done += 1
                    if done == warmup:
                        t0 = time.perf_counter()
                    if done == steps + warmup:
                        break
        ips = steps * batch / (time.perf_counter() - t0)
    else:
        count, d = int(sys.argv[3]), sys.argv[4]
        torch.set_num_threads(1)
        ds = Jpegs(d, size)
        for i in range(50):
            ds[i % len(ds)]
        t0 = time.perf_counter()
        for i in range(count):
            ds[i % len(ds)]
        ips = count / (time.perf_counter() - t0)
    print(json.dumps({"stack": "pytorch", "mode": mode, "size": size,
                      "images_per_second": round(ips, 2), "peak_rss_mb": round(peak_rss_mb(), 1)}))


if __name__ == "__main__":
    main()
