"""PyTorch reference values for the trainer's tests (run with Debian's /usr/bin/python3).

Usage:
  torch_reference.py logits OUT_DIR      # resnet18 eval logits for random weights and input
  torch_reference.py sgd OUT_DIR         # two SGD steps of the fine-tune recipe
  ... --device cuda                      # compute on the GPU instead (bench/gpu/run.sh's parity
                                         # step); inputs and weights are drawn on the CPU either way

Writes safetensors files (a tiny writer below: Debian has no python3-safetensors) holding
torchvision-named tensors, which the Java tests load and compare.
"""
import json
import struct
import sys

import torch
import torchvision


def save_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous().to(torch.float32).cpu()
        data = t.numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header).encode("utf-8")
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def randomise_bn(model, gen):
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=gen) * 0.1)
            m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) + 0.5)
            m.weight.data.copy_(torch.rand(m.weight.shape, generator=gen) + 0.5)
            m.bias.data.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)


def state(model):
    return {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}


DEVICE = torch.device("cpu")


def logits(out):
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    model = torchvision.models.resnet18(weights=None)
    with torch.no_grad():
        randomise_bn(model, gen)
    model.eval()
    x = torch.randn(2, 3, 64, 64, generator=gen)
    model.to(DEVICE)
    with torch.no_grad():
        y = model(x.to(DEVICE))
    save_safetensors(out + "/weights.safetensors", state(model))
    save_safetensors(out + "/io.safetensors", {"input": x, "logits": y})
    print("params", sum(p.numel() for p in model.parameters()))


def sgd(out):
    """Fine-tune recipe: new 2-class fc (xavier), lr 0.001 with 10x on fc, weight decay 0.05,
    loss summed over the batch; once with momentum 0.9 and nothing frozen, once with
    conv1/bn1/layer1 frozen (BN in eval mode) and no momentum."""
    for variant, momentum, frozen in (("plain", 0.9, []), ("frozen", 0.0, ["conv1", "bn1", "layer1"])):
        torch.manual_seed(0)
        gen = torch.Generator().manual_seed(2)
        model = torchvision.models.resnet18(weights=None)
        model.fc = torch.nn.Linear(512, 2)
        torch.nn.init.xavier_uniform_(model.fc.weight)
        with torch.no_grad():
            randomise_bn(model, gen)
        save_safetensors(f"{out}/{variant}-initial.safetensors", state(model))
        model.to(DEVICE)
        model.train()
        for name, module in model.named_children():
            if name in frozen:
                module.eval()
                for p in module.parameters():
                    p.requires_grad_(False)
        head = [p for n, p in model.named_parameters() if n.startswith("fc.")]
        body = [p for n, p in model.named_parameters() if not n.startswith("fc.") and p.requires_grad]
        opt = torch.optim.SGD([{"params": body}, {"params": head, "lr": 0.01}],
                              lr=0.001, momentum=momentum, weight_decay=0.05)
        loss_fn = torch.nn.CrossEntropyLoss(reduction="none")
        tensors = {}
        for step in range(2):
            x = torch.randn(4, 3, 32, 32, generator=gen)
            y = torch.tensor([0, 1, 1, 0]) if step == 0 else torch.tensor([1, 1, 0, 0])
            opt.zero_grad()
            loss = loss_fn(model(x.to(DEVICE)), y.to(DEVICE)).sum()
            loss.backward()
            opt.step()
            tensors[f"x{step}"] = x
            tensors[f"y{step}"] = y.to(torch.float32)
            tensors[f"loss{step}"] = loss.detach().reshape(1)
        save_safetensors(f"{out}/{variant}-io.safetensors", tensors)
        save_safetensors(f"{out}/{variant}-final.safetensors", state(model))


if __name__ == "__main__":
    if "--device" in sys.argv:
        DEVICE = torch.device(sys.argv[sys.argv.index("--device") + 1])
    {"logits": logits, "sgd": sgd}[sys.argv[1]](sys.argv[2])
