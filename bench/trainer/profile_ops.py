"""Op-by-op comparison of two libtorch legacy-profiler Chrome traces of the same training loop.

  profile_ops.py DJL_TRACE.json TORCH_TRACE.json STEPS [TOP]

Both traces come from bench/trainer/profile.sh: TrainerBench's and torch_bench.py's profile modes
record STEPS ResNet-18 SGD steps with libtorch's legacy autograd profiler (the one DJL's
JniUtils.startProfile drives). Prints, per step:

- the wall time the trace spans, the time inside libtorch's aten:: operators (the union of their
  intervals over all threads) and the rest, "between ops": what is spent outside any operator
  (Java and JNI, or Python, and the autograd engine's own bookkeeping);
- a table of the TOP (default 25) operators by self time on either side: milliseconds and calls
  per step on each side and the difference. Self time is an event's duration less its recorded
  children's, so nothing is counted twice;
- the same self time grouped into the step's parts: convolution, batch norm, ReLU, pooling, the
  fully connected layer, loss, element-wise arithmetic (the optimizer's update and the residual
  additions), zeroing and copies, and the rest.

Standard library only. Event names are libtorch's (aten::...); PyTorch's own markers
(Optimizer.step#SGD.step, autograd::engine::evaluate_function: ...) are ranges whose self time is
the Python-side work inside them.
"""
import collections
import json
import sys

GROUPS = [  # first match wins
    ("autograd engine and Python markers", ("autograd::", "Backward", "Optimizer.", "#")),
    ("convolution", ("conv", "mkldnn_convolution")),
    ("batch norm", ("batch_norm",)),
    ("relu", ("relu", "threshold_backward", "clamp_min")),
    ("pooling", ("pool", "aten::mean", "aten::avg")),
    ("fully connected", ("addmm", "aten::mm", "aten::linear", "aten::t", "aten::matmul")),
    ("loss", ("softmax", "nll_loss", "cross_entropy")),
    ("element-wise (optimizer, residual adds, grad accumulation)",
     ("aten::add", "aten::mul", "aten::sub", "aten::div", "aten::_foreach")),
    ("zeroing, copies, allocation, views", ("zero", "fill_", "copy", "clone", "empty",
                                            "contiguous", "aten::to", "aten::_to", "detach",
                                            "like", "resize_", "view", "reshape", "as_strided",
                                            "expand", "transpose", "permute", "squeeze",
                                            "flatten")),
]


def load(path):
    """The complete ("X") events of a Chrome trace; exits with one line if the file is not one."""
    try:
        with open(path) as f:
            data = json.load(f)
        events = data["traceEvents"] if isinstance(data, dict) else data
        found = [e for e in events if isinstance(e, dict) and e.get("ph") == "X" and "dur" in e
                 and "ts" in e and "name" in e]
    except (OSError, ValueError, KeyError, TypeError) as e:
        sys.exit(f"profile_ops.py: {path}: not a Chrome trace ({type(e).__name__}: {e})")
    if not found:
        sys.exit(f"profile_ops.py: {path}: a Chrome trace without complete events")
    return found


def self_times(events):
    """(self time by name, calls by name, time inside aten:: operators (the union of their
    intervals over all threads), span of the trace) in microseconds."""
    self_us = collections.Counter()
    calls = collections.Counter()
    tops = []
    by_tid = collections.defaultdict(list)
    for e in events:
        by_tid[e.get("tid")].append(e)
    for evs in by_tid.values():
        evs.sort(key=lambda e: (float(e["ts"]), -float(e["dur"])))
        stack = []  # [end, name, child time]
        for e in evs:
            ts, dur = float(e["ts"]), float(e["dur"])
            while stack and stack[-1][0] <= ts:
                end, name, children, start = stack.pop()
                self_us[name] += (end - start) - children
            if stack:
                stack[-1][2] += dur
            if e["name"].startswith("aten::"):
                tops.append((ts, ts + dur))
            calls[e["name"]] += 1
            stack.append([ts + dur, e["name"], 0.0, ts])
        while stack:
            end, name, children, start = stack.pop()
            self_us[name] += (end - start) - children
    tops.sort()
    busy, cur_s, cur_e = 0.0, None, None
    for s, e in tops:
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                busy += cur_e - cur_s
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None:
        busy += cur_e - cur_s
    ends = [float(e["ts"]) + float(e["dur"]) for e in events]
    span = max(ends) - min(float(e["ts"]) for e in events) if events else 0.0
    return self_us, calls, busy, span


def group(name):
    for label, keys in GROUPS:
        if any(k in name for k in keys):
            return label
    return "other"


def main():
    if len(sys.argv) not in (4, 5) or not all(a.isdigit() and int(a) > 0 for a in sys.argv[3:]):
        sys.exit("usage: profile_ops.py DJL_TRACE.json TORCH_TRACE.json STEPS [TOP] "
                 "(STEPS and TOP positive integers)")
    djl_path, torch_path, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    top = int(sys.argv[4]) if len(sys.argv) > 4 else 25
    sides = {"djl": self_times(load(djl_path)), "torch": self_times(load(torch_path))}
    ms = lambda us: us / 1000.0 / steps  # noqa: E731
    print(f"per step ({steps} steps profiled)      DJL        PyTorch")
    for label, idx in (("trace span (ms)", 3), ("inside aten:: operators (ms)", 2)):
        print(f"{label:34s} {ms(sides['djl'][idx]):9.1f}  {ms(sides['torch'][idx]):9.1f}")
    print(f"{'between ops (ms)':34s} {ms(sides['djl'][3] - sides['djl'][2]):9.1f}"
          f"  {ms(sides['torch'][3] - sides['torch'][2]):9.1f}")
    print(f"{'recorded events':34s} {sum(sides['djl'][1].values()) / steps:9.0f}"
          f"  {sum(sides['torch'][1].values()) / steps:9.0f}")
    print()
    names = set(sides["djl"][0]) | set(sides["torch"][0])
    ranked = sorted(names, key=lambda n: -max(sides["djl"][0][n], sides["torch"][0][n]))
    print(f"| op (self time) | DJL ms/step | DJL calls/step | PyTorch ms/step | "
          f"PyTorch calls/step | DJL - PyTorch ms |")
    print("|---|---|---|---|---|---|")
    for n in ranked[:top]:
        d, t = sides["djl"], sides["torch"]
        print(f"| `{n}` | {ms(d[0][n]):.1f} | {d[1][n] / steps:.0f} | {ms(t[0][n]):.1f} | "
              f"{t[1][n] / steps:.0f} | {ms(d[0][n] - t[0][n]):+.1f} |")
    print()
    grouped = {k: collections.Counter() for k in sides}
    for k, (self_us, _, _, _) in sides.items():
        for n, us in self_us.items():
            grouped[k][group(n)] += us
    print("| part of the step (self time) | DJL ms/step | PyTorch ms/step | DJL - PyTorch ms |")
    print("|---|---|---|---|")
    for label in [g for g, _ in GROUPS] + ["other"]:
        d, t = grouped["djl"][label], grouped["torch"][label]
        print(f"| {label} | {ms(d):.1f} | {ms(t):.1f} | {ms(d - t):+.1f} |")


if __name__ == "__main__":
    main()
