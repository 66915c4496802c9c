"""Summary of one bench/gpu/run.sh result file: stages, DJL/PyTorch ratios, the issue's goals.
Exits 1 when a stage failed or is missing, so a broken run cannot look like a finished one.
   summary.py RESULTS.jsonl
"""
import json
import sys

STAGES = ["env", "jni", "parity", "speed", "cu124", "hotdog", "workers"]
FED = 0.9  # a data path at 90 % of compute alone keeps the device fed


def main(path):
    rows = [json.loads(l) for l in open(path) if l.startswith("{")]
    by = {}
    for r in rows:
        by.setdefault(r["stage"], []).append(r)
    env = (by.get("env") or [{}])[0]
    dry = env.get("dry_run", True)
    torch = env.get("torch", {})
    print(f"== bench/gpu summary ({'DRY RUN, tiny sizes: no figures' if dry else 'device run'}) ==")
    print(f"device {env.get('device')}, gpu {torch.get('gpu')}, torch {torch.get('version')}"
          f" ({torch.get('flavor')}), nproc {env.get('nproc')}")
    failed = [r for r in rows if r.get("ok") is False]
    for s in STAGES:
        rs = by.get(s)
        state = "missing" if not rs else ("FAILED" if any(r.get("ok") is False for r in rs) else "ok")
        print(f"  {s:7s} {state}")
    for r in failed:
        print(f"  error in {r['stage']}: {r.get('error') or r.get('result')}")
    jni = (by.get("jni") or [{}])[0]
    if jni.get("ok"):
        print(f"jni: {jni['state']}; DJL loaded {jni['engine'].get('version')} from "
              f"{jni['engine'].get('libtorch')}, sees {jni['engine'].get('gpus')} GPU(s)")
    par = (by.get("parity") or [{}])[0].get("result")
    if par:
        print(f"parity ({par['device']}): logits worst err/tol {par['logits_max_rel_err']:.3g},"
              f" SGD worst err/tol {par['sgd_max_err_over_tol']:.3g} -> {'pass' if par['pass'] else 'FAIL'}")
    speed = {(r["result"]["stack"], r["result"]["mode"]): r["result"]["images_per_second"]
             for r in by.get("speed", []) if "result" in r}
    goals = []
    if speed:
        print("| mode | DJL img/s | PyTorch img/s | DJL/PyTorch |")
        print("|---|---|---|---|")
        for mode in ("train", "jpeg"):
            d, t = speed.get(("djl", mode)), speed.get(("pytorch", mode))
            if d and t:
                print(f"| {mode} | {d:.1f} | {t:.1f} | {d / t:.2f}x |")
        if speed.get(("djl", "train")) and speed.get(("pytorch", "train")):
            goals.append(("DJL >= 0.9x PyTorch on pre-decoded tensors",
                          speed[("djl", "train")] / speed[("pytorch", "train")], 0.9, ">="))
        if speed.get(("djl", "jpeg")) and speed.get(("djl", "train")):
            goals.append(("DJL data path >= 90% of its pre-decoded rate",
                          speed[("djl", "jpeg")] / speed[("djl", "train")], 0.9, ">="))
    cu = (by.get("cu124") or [{}])[0]
    if cu.get("state") == "skipped":
        print(f"cu124 (product natives): skipped: {cu.get('reason')}")
    elif cu.get("result"):
        c, t = cu["result"]["images_per_second"], speed.get(("pytorch", "train"))
        print(f"cu124 (product natives, DJL {cu['engine'].get('version')}): train"
              f" {c:.1f} img/s" + (f", {c / t:.2f}x PyTorch" if t else ""))
    hd = (by.get("hotdog") or [{}])[0]
    if hd.get("ok"):
        print(f"hotdog: {hd['train_images']} images x {hd['epochs']} epochs on {hd['device']}:"
              f" {hd['wall_seconds']} s from process start (trainer's own {hd['trainer_seconds']:.1f} s)")
        goals.append(("hot dog job under 60 s from process start", hd["wall_seconds"], 60, "<"))
    workers(by.get("workers", []), speed.get(("djl", "train")), speed.get(("pytorch", "train")), dry)
    for name, value, bound, op in goals:
        met = value >= bound if op == ">=" else value < bound
        verdict = "n/a (dry run)" if dry else ("met" if met else "NOT met")
        print(f"goal: {name}: {value:.2f} -> {verdict}")
    missing = [s for s in STAGES if s not in by]
    return 1 if failed or missing else 0


def workers(rows, djl_alone, torch_alone, dry):
    """The data path by data-worker count against compute alone, and the fewest workers that keep
    the device fed (>= FED of compute alone), per stack."""
    by = {}
    for r in rows:
        if r.get("state") == "skipped":
            print(f"workers {r['workers']}: skipped: {r['reason']}")
        elif "result" in r:
            by[(r["result"]["stack"], r["result"]["workers"])] = r["result"]["images_per_second"]
    counts = sorted({w for _, w in by})
    if not counts:
        return
    print("| data workers | DJL img/s | DJL / compute alone | PyTorch img/s | PyTorch / compute alone |")
    print("|---|---|---|---|---|")
    share = lambda v, alone: f"{v / alone:.2f}" if v and alone else "-"
    for w in counts:
        d, t = by.get(("djl", w)), by.get(("pytorch", w))
        print(f"| {w} | {d or 0:.1f} | {share(d, djl_alone)} | {t or 0:.1f} | {share(t, torch_alone)} |")
    for stack, alone in (("djl", djl_alone), ("pytorch", torch_alone)):
        fed = [w for w in counts if alone and by.get((stack, w), 0) >= FED * alone]
        print(f"fewest data workers feeding {stack} at >= {FED:.0%} of compute alone: "
              + (str(fed[0]) if fed else f"none up to {counts[-1]}")
              + (" (dry run: no meaning)" if dry else ""))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
