"""PyTorch reference for bench/trainer: the same loops as TrainerBench, same threads and batch.

  torch_bench.py train SIZE BATCH STEPS THREADS
  torch_bench.py jpeg SIZE BATCH STEPS THREADS DIR   (torchvision ImageFolder-style loading, 1 worker)
  torch_bench.py data SIZE COUNT DIR                 (PIL decode + RandomResizedCrop + flip + normalise)
Options anywhere: --device=cpu|cuda (default cpu; cuda keeps the model and the train tensors on
the GPU, fp32 with PyTorch's default TF32 settings, reported), --workers=N (DataLoader workers
in jpeg mode, default 1). Every step reads the loss and the correct count back to the host
(.item()), as the DJL trainer does: one sync per step on both sides. Prints one JSON line like
TrainerBench (images_per_cpu_second: this process's CPU time, all threads; DataLoader worker
processes are not in it).
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
    """One SGD step; returns loss and correct count as Python numbers (a host sync), like
    TrainingSession.step in the trainer."""
    opt.zero_grad()
    logits = m(x)
    loss = torch.nn.functional.cross_entropy(logits, y)
    loss.backward()
    value = loss.item()
    correct = (logits.argmax(1) == y).sum().item()
    opt.step()
    return value, correct


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


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def main():
    opts = {a.split("=", 1)[0]: a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--")}
    argv = [sys.argv[0]] + [a for a in sys.argv[1:] if not a.startswith("--")]
    device = torch.device(opts.get("--device", "cpu"))
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit(f"--device=cuda but torch {torch.__version__} sees no GPU")
    workers = int(opts.get("--workers", "1"))
    mode, size = argv[1], int(argv[2])
    if mode in ("train", "jpeg"):
        batch, steps, threads = int(argv[3]), int(argv[4]), int(argv[5])
        torch.set_num_threads(threads)
        m, opt = model_and_opt()
        m.to(device)
        m.train()
        warmup = 3
        if mode == "train":
            x = torch.randn(batch, 3, size, size, device=device)
            y = torch.randint(0, 1000, (batch,), device=device)
            for _ in range(warmup):
                step(m, opt, x, y)
            sync(device)
            t0, c0 = time.perf_counter(), time.process_time()
            for _ in range(steps):
                step(m, opt, x, y)
        else:
            loader = torch.utils.data.DataLoader(Jpegs(argv[6], size), batch_size=batch,
                                                 shuffle=True, num_workers=workers, drop_last=True,
                                                 pin_memory=device.type == "cuda")
            done, t0 = 0, None
            while done < steps + warmup:
                for x, y in loader:
                    step(m, opt, x.to(device, non_blocking=True), y.to(device, non_blocking=True))
                    done += 1
                    if done == warmup:
                        sync(device)
                        t0, c0 = time.perf_counter(), time.process_time()
                    if done == steps + warmup:
                        break
        sync(device)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        ips = steps * batch / wall
    else:
        count, d = int(argv[3]), argv[4]
        torch.set_num_threads(1)
        ds = Jpegs(d, size)
        for i in range(50):
            ds[i % len(ds)]
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(count):
            ds[i % len(ds)]
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        ips = count / wall
    row = {"stack": "pytorch", "libtorch": torch.__version__, "device": device.type, "mode": mode,
           "size": size, "workers": workers if mode == "jpeg" else 0,
           "images_per_second": round(ips, 2), "images_per_cpu_second": round(ips * wall / cpu, 2),
           "peak_rss_mb": round(peak_rss_mb(), 1)}
    if device.type == "cuda":
        row["gpu"] = torch.cuda.get_device_name(0)
        row["tf32_conv"] = torch.backends.cudnn.allow_tf32
        row["tf32_matmul"] = torch.backends.cuda.matmul.allow_tf32
    print(json.dumps(row))


if __name__ == "__main__":
    main()
