"""PyTorch reference for bench/trainer: the same loops as TrainerBench, same threads and batch.

  torch_bench.py train SIZE BATCH STEPS THREADS
  torch_bench.py jpeg SIZE BATCH STEPS THREADS DIR   (torchvision ImageFolder-style loading, 1 worker)
  torch_bench.py data SIZE COUNT DIR                 (PIL decode + RandomResizedCrop + flip + normalise)
  torch_bench.py profile SIZE BATCH STEPS THREADS TRACE.json   (train's loop, STEPS steps under
                                                     libtorch's legacy profiler; profile.sh)
Options anywhere: --device=cpu|cuda (default cpu; cuda keeps the model and the train tensors on
the GPU, fp32 with PyTorch's default TF32 settings, reported), --workers=N (DataLoader workers
in jpeg mode, default 1). Every step reads the loss and the correct count back to the host
(.item()), as the DJL trainer does: one sync per step on both sides. Prints one JSON line like
TrainerBench (images_per_cpu_second: the CPU time of this process, all threads, and of its
DataLoader worker processes, as the trainer's data worker threads are in its figure; since
2026-12-06, before which the workers were left out; the memory sampler's own thread is left out
on both sides). Memory: peak_rss_mb is this process's own peak (ru_maxrss);
peak_tree_rss_mb and peak_tree_pss_mb are the peaks of the sums over this process and its
DataLoader workers, sampled every 50 ms (PSS splits the pages a forked worker shares with its
parent, so it is the fair total; RSS counts them twice). TrainerBench samples itself the same way.
"""
import glob
import json
import os
import resource
import sys
import threading
import time

import torch
import torchvision
from PIL import Image
from torchvision import transforms as T


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class TreeMemory(threading.Thread):
    """Samples the summed RSS and PSS of this process and all its descendants every 50 ms and
    keeps the peaks (MB)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak_rss = self.peak_pss = 0.0
        self.processes = 1
        self.cpu = 0.0
        self.start()

    @staticmethod
    def tree(pid):
        pids, todo = [], [pid]
        while todo:
            p = todo.pop()
            pids.append(p)
            try:
                for task in os.listdir(f"/proc/{p}/task"):
                    with open(f"/proc/{p}/task/{task}/children") as f:
                        todo += [int(c) for c in f.read().split()]
            except OSError:
                pass
        return pids

    @staticmethod
    def kb(path, key):
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith(key):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def cpu_seconds(self):
        """CPU seconds of this process (all threads) and its descendants alive now (the DataLoader
        workers: the trainer's data workers are threads, so its figure has them too), less this
        sampler thread's own."""
        ticks = 0
        for p in self.tree(os.getpid()):
            try:
                with open(f"/proc/{p}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])
            except (OSError, IndexError, ValueError):
                pass
        return ticks / os.sysconf("SC_CLK_TCK") - self.cpu

    def sample(self):
        pids = self.tree(os.getpid())
        rss = sum(self.kb(f"/proc/{p}/status", "VmRSS:") for p in pids) / 1024.0
        pss = sum(self.kb(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids) / 1024.0
        self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
        self.processes = max(self.processes, len(pids))

    def run(self):
        while True:
            self.sample()
            self.cpu = time.thread_time()  # this thread's CPU, left out of the bench's
            time.sleep(0.05)


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
    memory = TreeMemory()
    mode, size = argv[1], int(argv[2])
    if mode == "profile":  # SIZE BATCH STEPS THREADS TRACE.json: the train loop, profiled
        batch, steps, threads, trace = int(argv[3]), int(argv[4]), int(argv[5]), argv[6]
        torch.set_num_threads(threads)
        m, opt = model_and_opt()
        m.train()
        x = torch.randn(batch, 3, size, size)
        y = torch.randint(0, 1000, (batch,))
        for _ in range(3):
            step(m, opt, x, y)
        # libtorch's legacy autograd profiler, the one DJL's JniUtils.startProfile drives, so the
        # two Chrome traces come from the same recorder (profile_ops.py compares them)
        from torch.autograd import profiler_legacy
        t0, c0 = time.perf_counter(), memory.cpu_seconds()
        with profiler_legacy.profile() as prof:
            for _ in range(steps):
                step(m, opt, x, y)
        wall, cpu = time.perf_counter() - t0, memory.cpu_seconds() - c0
        prof.export_chrome_trace(trace)
        ips = steps * batch / wall
    elif mode in ("train", "jpeg"):
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
            t0, c0 = time.perf_counter(), memory.cpu_seconds()
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
                        t0, c0 = time.perf_counter(), memory.cpu_seconds()
                    if done == steps + warmup:
                        break
        sync(device)
        wall, cpu = time.perf_counter() - t0, memory.cpu_seconds() - c0
        ips = steps * batch / wall
    else:
        count, d = int(argv[3]), argv[4]
        torch.set_num_threads(1)
        ds = Jpegs(d, size)
        for i in range(50):
            ds[i % len(ds)]
        t0, c0 = time.perf_counter(), memory.cpu_seconds()
        for i in range(count):
            ds[i % len(ds)]
        wall, cpu = time.perf_counter() - t0, memory.cpu_seconds() - c0
        ips = count / wall
    memory.sample()
    row = {"stack": "pytorch", "libtorch": torch.__version__, "device": device.type, "mode": mode,
           "size": size, "workers": workers if mode == "jpeg" else 0,
           "images_per_second": round(ips, 2), "images_per_cpu_second": round(ips * wall / cpu, 2),
           "peak_rss_mb": round(peak_rss_mb(), 1), "peak_tree_rss_mb": round(memory.peak_rss, 1),
           "peak_tree_pss_mb": round(memory.peak_pss, 1), "processes": memory.processes}
    if device.type == "cuda":
        row["gpu"] = torch.cuda.get_device_name(0)
        row["tf32_conv"] = torch.backends.cudnn.allow_tf32
        row["tf32_matmul"] = torch.backends.cuda.matmul.allow_tf32
    print(json.dumps(row))


if __name__ == "__main__":
    main()
