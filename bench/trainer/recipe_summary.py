#!/usr/bin/env python3
"""Summarises RecipeBench's JSON lines (bench/trainer/recipe.sh): per few-shot task (partition,
shots, seed) the auto recipe's test accuracy, the default recipe's (freeze none, head x10), the
best fixed candidate in hindsight (the oracle) and auto's choice; then the means, the goal check
(auto beats the default by >= 3 points on average and is never > 1 point worse on a task) and the
probe's share of the auto run's wall time. Each dataset (the rows' "dataset"; none is
Fashion-MNIST) gets its own report. A task whose auto run was refused (a run too short for the
probe's budget) is listed apart, with the refusal, and is not in auto's means.
Usage: recipe_summary.py FILE.jsonl [FILE.jsonl ...]"""
import json
import statistics
import sys
from collections import defaultdict

DEFAULT = "none-x10"

def main(paths):
    by_dataset = defaultdict(lambda: defaultdict(dict))
    meta = {}
    for path in paths:
        for line in open(path):
            if not line.strip():
                continue
            r = json.loads(line)
            key = (r["partition"], r["shots"], r["seed"])
            ds = r.get("dataset", "fashion-mnist")
            by_dataset[ds][key][r["recipe"]] = r
            meta[(ds, key)] = r["targets"]
    for ds in sorted(by_dataset, key=lambda d: (d != "fashion-mnist", d)):
        print("## %s" % ds)
        print()
        report(by_dataset[ds], {k: v for (d, k), v in meta.items() if d == ds})
        print()


def report(runs, meta):
    rows, refused = [], []
    for key in sorted(runs):
        t = runs[key]
        fixed = {k: v["testAccuracy"] for k, v in t.items() if k != "auto"}
        if "auto" not in t or DEFAULT not in fixed or len(fixed) < 12:
            continue
        auto = t["auto"]
        if auto.get("refused"):
            oracle = max(fixed, key=fixed.get)
            refused.append((key, fixed[DEFAULT], fixed[oracle], oracle, auto["refused"]))
            continue
        probe = auto.get("probe") or {}
        chosen = probe.get("chosen", {})
        oracle = max(fixed, key=fixed.get)
        rows.append({
            "key": key, "auto": auto["testAccuracy"], "default": fixed[DEFAULT],
            "oracle": fixed[oracle], "oracleRecipe": oracle,
            "choice": "%s-x%g" % (chosen.get("depth"), chosen.get("headMultiplier", 0)),
            "share": probe.get("seconds", 0) / auto["seconds"] if auto["seconds"] else 0,
            "budget": probe.get("budgetShare"), "steps": probe.get("stepsPerFold"),
            "choiceFixed": fixed.get("%s-x%g" % (chosen.get("depth"), chosen.get("headMultiplier", 0))),
        })
    print("| partition (target classes) | shots | seed | auto | auto's choice | default (none x10) | oracle | oracle's recipe | probe steps | probe share of time |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        p, shots, seed = r["key"]
        print("| %d (%s) | %d | %d | %.4f | %s | %.4f | %.4f | %s | %s | %.0f%% |" % (
            p, ", ".join(meta[r["key"]]), shots, seed, r["auto"], r["choice"], r["default"],
            r["oracle"], r["oracleRecipe"], r["steps"], 100 * r["share"]))
    for (p, shots, seed), default, oracle, name, why in refused:
        print("| %d (%s) | %d | %d | refused | - | %.4f | %.4f | %s | - | - |" % (
            p, ", ".join(meta[(p, shots, seed)]), shots, seed, default, oracle, name))
    if refused:
        print()
        print("auto refused %d task(s) before any training: %s" % (
            len(refused), "; ".join(sorted({why for *_, why in refused}))))
    if not rows:
        print("no complete task with an auto result")
        return
    print()
    for shots in sorted({r["key"][1] for r in rows}) + [None]:
        sel = [r for r in rows if shots is None or r["key"][1] == shots]
        gain = [r["auto"] - r["default"] for r in sel]
        gap = [r["oracle"] - r["auto"] for r in sel]
        worst = min(gain)
        print("%s: %d tasks; auto %.4f, default %.4f, oracle %.4f; auto - default mean %+.4f (worst %+.4f); oracle - auto mean %+.4f; probe share of time median %.0f%%" % (
            "all" if shots is None else "%d-shot" % shots, len(sel),
            statistics.mean(r["auto"] for r in sel), statistics.mean(r["default"] for r in sel),
            statistics.mean(r["oracle"] for r in sel), statistics.mean(gain), worst,
            statistics.mean(gap), 100 * statistics.median(r["share"] for r in sel)))
    print()
    fixed_names = sorted({k for t in runs.values() for k in t if k != "auto"},
                         key=lambda n: (["none", "layer1", "layer2", "layer3"].index(n.split("-x")[0]), float(n.split("-x")[1])))
    complete = [runs[r["key"]] for r in rows]
    print("mean test accuracy of each fixed candidate over these tasks: " + ", ".join(
        "%s %.4f" % (n, statistics.mean(t[n]["testAccuracy"] for t in complete)) for n in fixed_names))
    choices = defaultdict(int)
    for r in rows:
        choices[r["choice"]] += 1
    print("auto's choices: " + ", ".join("%s %d" % (k, v) for k, v in sorted(choices.items(), key=lambda kv: -kv[1])))
    print("auto chose the oracle's recipe in %d of %d tasks" % (sum(r["choice"] == r["oracleRecipe"] for r in rows), len(rows)))
    print("planned probe compute share: median %.0f%% (max %.0f%%); probe steps per candidate and fold: %s" % (
        100 * statistics.median(r["budget"] for r in rows), 100 * max(r["budget"] for r in rows),
        sorted({r["steps"] for r in rows})))
    gain = [r["auto"] - r["default"] for r in rows]
    print()
    print("goal 1 (mean gain >= 0.03): %s (%+.4f)" % ("met" if statistics.mean(gain) >= 0.03 else "NOT met", statistics.mean(gain)))
    bad = [r for r in rows if r["auto"] - r["default"] < -0.01]
    print("goal 2 (never > 1 point worse than the default): %s (%d of %d tasks worse by more than 1 point)" % (
        "met" if not bad else "NOT met", len(bad), len(rows)))

if __name__ == "__main__":
    main(sys.argv[1:])
