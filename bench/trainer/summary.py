"""Table of bench/trainer/run.sh results: per (mode, size) the median images/s of each stack
and the median over rounds of the per-round ratios (stacks of one round ran back to back); the
wall-second table also gives each stack's peak RSS at that size (median over rounds, MB).

  summary.py RESULTS.jsonl [MORE.jsonl ...]   (several files: their rounds pooled, a round
                                              being one file's round; ratios stay within a round)
"""
import json
import statistics
import sys

allrows = []
for i, f in enumerate(sys.argv[1:]):
    for l in open(f):
        if l.startswith("{"):
            r = json.loads(l)
            r["round"] = (i, r["round"])
            allrows.append(r)
# trainer-20261203T131412Z.jsonl holds an experiment: data workers at nice 19 (a build that was
# not kept) against the shipped trainer (its rows ran as the stack "djl-2.5.1-nice0"). Each row
# says its workers' nice value, so the names follow from that: nice 19 -> djl-2.5.1-nice19.
for r in allrows:
    if r.get("worker_nice") == 19:
        r["run"] = r["run"].replace("djl-2.5.1", "djl-2.5.1-nice19")
    elif r["run"] == "djl-2.5.1-nice0":
        r["run"] = "djl-2.5.1"
data = [r for r in allrows if r["mode"] == "data"]
rows = [r for r in allrows if r["mode"] != "data"]
cases = sorted({(r["mode"], r["size"]) for r in rows}, key=lambda k: (k[0], -k[1]))
stacks = [s for s in ("djl-1.13-old", "djl-1.13", "djl-2.5.1-old", "djl-2.5.1", "djl-2.5.1+pod",
                      "djl-2.5.1-nice19",
                      "torch-1.13", "torch-2.5.1", "torch-latest")
          if any(r["run"] == s for r in rows)]
ratios = [("djl-1.13-old", "torch-1.13", "before: DJL 1.13/PyTorch"),
          ("djl-2.5.1-old", "torch-1.13", "before: shipped/PyTorch"),
          ("djl-1.13", "djl-1.13-old", "after/before, DJL 1.13"),
          ("djl-2.5.1", "djl-2.5.1-old", "after/before, DJL 2.5.1"),
          ("djl-1.13", "torch-1.13", "overhead: DJL/PyTorch, same libtorch"),
          ("djl-2.5.1", "djl-1.13", "library: 2.5.1/1.13 under DJL"),
          ("djl-2.5.1", "torch-1.13", "shipped trainer / Debian PyTorch"),
          ("djl-2.5.1", "torch-2.5.1", "overhead of what ships: DJL/PyTorch, same libtorch 2.5.1"),
          ("djl-2.5.1", "torch-latest", "shipped trainer / newest PyTorch"),
          ("djl-2.5.1-nice19", "djl-2.5.1", "experiment: workers at nice 19 / shipped")]
ratios = [x for x in ratios if x[0] in stacks and x[1] in stacks]


KEY = "images_per_second"


def ips(mode, size, stack, rnd=None):
    v = [r[KEY] for r in rows if (r["mode"], r["size"], r["run"]) == (mode, size, stack)
         and (rnd is None or r["round"] == rnd)]
    return v


def ratio_cell(per):
    return f"**{statistics.median(per):.2f}x** ({min(per):.2f}-{max(per):.2f})" if per else "-"


def rss_cell(mode, size, stack):
    v = [r["peak_rss_mb"] for r in rows if (r["mode"], r["size"], r["run"]) == (mode, size, stack)]
    return f"{statistics.median(v):.0f}" if v else "-"


def table(title, rss=False):
    print(title)
    head = ["mode", "size"] + [h for s in stacks
                               for h in ([f"{s} img/s", f"{s} RSS MB"] if rss else [f"{s} img/s"])]
    head += [x[2] for x in ratios] + ["load (min-max)"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for mode, size in cases:
        cells = [mode, str(size)]
        for s in stacks:
            v = ips(mode, size, s)
            cells.append(f"{statistics.median(v):.1f} ({min(v):.1f}-{max(v):.1f})" if v else "-")
            if rss:
                cells.append(rss_cell(mode, size, s))
        rounds = sorted({r["round"] for r in rows})
        for a, b, _ in ratios:
            per = [ips(mode, size, a, k)[0] / ips(mode, size, b, k)[0] for k in rounds
                   if ips(mode, size, a, k) and ips(mode, size, b, k)]
            cells.append(f"**{statistics.median(per):.2f}x** ({min(per):.2f}-{max(per):.2f})" if per else "-")
        loads = [x for r in rows if (r["mode"], r["size"]) == (mode, size)
                 for x in (r["load_before"], r["load_after"])]
        cells.append(f"{min(loads):.1f}-{max(loads):.1f}")
        print("| " + " | ".join(cells) + " |")


table("images per wall second (median of the rounds; ratios: median of per-round ratios);"
      " peak RSS of the process, median of the rounds", rss=True)
KEY = "images_per_cpu_second"
print()
table("images per CPU second of the process (all its threads but the memory sampler's, and"
      " PyTorch's DataLoader worker processes: rows from 2026-12-06 on; before, the workers were"
      " not counted, which favoured PyTorch's jpeg rows, and the sampler was)")
KEY = "images_per_second"
rss = {s: max((r["peak_rss_mb"] for r in rows if r["run"] == s), default=0) for s in stacks}
print("\npeak RSS MB (max over modes): " + ", ".join(f"{s} {v:.0f}" for s, v in rss.items()))

# Memory: peak PSS over the process and its children (PyTorch's DataLoader workers), rows that
# have it (run.sh since 2026-12-06); ratios of each DJL stack to each PyTorch stack, per round.
mem = [r for r in rows if "peak_tree_pss_mb" in r]
if mem:
    djls = [s for s in stacks if s.startswith("djl") and any(r["run"] == s for r in mem)]
    torches = [s for s in stacks if s.startswith("torch") and any(r["run"] == s for r in mem)]
    print("\npeak PSS MB, process and its workers (median of the rounds); DJL / PyTorch: median of"
          " per-round ratios (min-max); goal <= 1.2x")
    head = ["mode", "size"] + [f"{s} PSS" for s in djls + torches] \
        + [f"{a} / {b}" for a in djls for b in torches]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))

    def pss(mode, size, stack, rnd=None):
        return [r["peak_tree_pss_mb"] for r in mem if (r["mode"], r["size"], r["run"]) == (mode, size, stack)
                and (rnd is None or r["round"] == rnd)]
    for mode, size in cases:
        cells = [mode, str(size)]
        for st in djls + torches:
            v = pss(mode, size, st)
            cells.append(f"{statistics.median(v):.0f}" if v else "-")
        rounds = sorted({r["round"] for r in mem})
        for a in djls:
            for b in torches:
                per = [pss(mode, size, a, k)[0] / pss(mode, size, b, k)[0] for k in rounds
                       if pss(mode, size, a, k) and pss(mode, size, b, k)]
                cells.append(ratio_cell(per))
        print("| " + " | ".join(cells) + " |")

# jpeg (fed by data workers) / train (compute only) of the same stack in the same round; the
# -nice19 experiment has no train rows of its own (no workers there): djl-2.5.1's compute-only rate.
for st in ("djl-2.5.1", "djl-2.5.1+pod", "djl-2.5.1-nice19", "torch-1.13", "torch-2.5.1",
           "torch-latest"):
    if st not in stacks or not any(r["mode"] == "jpeg" for r in rows):
        continue
    base = "djl-2.5.1" if st == "djl-2.5.1-nice19" else st
    print(f"\n{st}: jpeg with the default data workers / compute only (train), per round:")
    for size in sorted({k[1] for k in cases}, reverse=True):
        rounds = sorted({r["round"] for r in rows})
        per = [ips("jpeg", size, st, k)[0] / ips("train", size, base, k)[0]
               for k in rounds if ips("jpeg", size, st, k) and ips("train", size, base, k)]
        w = {r["workers"] for r in rows if (r["mode"], r["size"], r["run"]) == ("jpeg", size, st)}
        print(f"  {size} px: {ratio_cell(per)} (data workers {sorted(w)})")

if data:
    runs = [s for s in ("java-turbo", "java-turbo-old", "java-imageio", "pil", "pil-simd")
            if any(r["run"] == s for r in data)]
    pairs = [p for p in (("java-turbo", "pil"), ("java-turbo-old", "pil"), ("java-imageio", "pil"),
                         ("java-turbo", "pil-simd"), ("pil-simd", "pil"),
                         ("java-turbo", "java-imageio"), ("java-turbo", "java-turbo-old"))
             if p[0] in runs and p[1] in runs]
    print("\n| data path, one thread, 224 px | " + " | ".join(runs) + " | "
          + " | ".join(f"{a} / {b}" for a, b in pairs) + " |")
    print("|---|" + "---|" * (len(runs) + len(pairs)))
    for key, label in (("images_per_cpu_second", "img per CPU second"),
                       ("images_per_second", "img per wall second")):
        med = {s: statistics.median(r[key] for r in data if r["run"] == s) for s in runs}
        rounds = sorted({r["round"] for r in data})

        def per(a, b):
            out = []
            for k in rounds:
                x = [r[key] for r in data if r["run"] == a and r["round"] == k]
                y = [r[key] for r in data if r["run"] == b and r["round"] == k]
                if x and y:
                    out.append(x[0] / y[0])
            return ratio_cell(out)
        print(f"| {label} | " + " | ".join(f"{med[s]:.0f}" for s in runs) + " | "
              + " | ".join(per(a, b) for a, b in pairs) + " |")
    loads = [x for r in data for x in (r["load_before"], r["load_after"])]
    print(f"load average during the data rows: {min(loads):.1f}-{max(loads):.1f}")
