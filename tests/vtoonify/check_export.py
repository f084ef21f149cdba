#!/usr/bin/python3
"""export.py refuses damaged checkpoints, naming what is wrong, and leaves
no output behind. TAP output; exits 77 (skip) without PyTorch."""

import os
import subprocess
import sys
import tempfile

try:
    import torch
except ImportError as e:
    print(f"1..0 # SKIP PyTorch missing ({e}); install python3-torch")
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(HERE, "..", "..", "tools", "vtoonify")
sys.path.insert(0, TOOLS)
import networks as N  # noqa: E402

results = []


def check(name, ok, detail=""):
    results.append((name, ok, detail))


def run_export(tmp, gen_path, out):
    return subprocess.run([sys.executable, os.path.join(TOOLS, "export.py"),
                           "--checkpoint-dir", tmp, "--generator", gen_path,
                           "--exstyle", os.path.join(tmp, "none.npy"), "-o", out],
                          capture_output=True, text=True)


def main():
    torch.manual_seed(3)
    state = N.VToonify(N.Widths(div=16)).state_dict()
    victims = {
        "missing": "fusion_out.1.conv2.weight",
        "extra": "generator.generator.convs.99.conv.weight",
        "shape": "encoder.5.weight",
    }
    with tempfile.TemporaryDirectory() as tmp:
        cases = {}
        s = dict(state)
        del s[victims["missing"]]
        cases["missing"] = s
        s = dict(state)
        s[victims["extra"]] = torch.zeros(1)
        cases["extra"] = s
        s = dict(state)
        s[victims["shape"]] = torch.zeros(5, 7, 1, 1)
        cases["shape"] = s
        for kind, sd in cases.items():
            path = os.path.join(tmp, f"{kind}.pt")
            torch.save({"g_ema": sd}, path)
            out = os.path.join(tmp, f"out-{kind}")
            r = run_export(tmp, path, out)
            check(f"{kind} parameter refused", r.returncode == 1, r.stderr.strip())
            check(f"{kind} parameter named", victims[kind] in r.stderr, r.stderr.strip())
            check(f"nothing written for {kind}", not os.path.exists(out)
                  and not any(n.startswith(".vtoonify-") for n in os.listdir(tmp)))
        check("wrong shape shows both shapes", "[5, 7, 1, 1]" in run_export(
            tmp, os.path.join(tmp, "shape.pt"), os.path.join(tmp, "o")).stderr)
        bad = os.path.join(tmp, "garbage.pt")
        with open(bad, "wb") as f:
            f.write(b"not a checkpoint")
        r = run_export(tmp, bad, os.path.join(tmp, "o2"))
        check("a damaged file is refused", r.returncode == 1 and "garbage.pt" in r.stderr
              and "Traceback" not in r.stderr, r.stderr.strip())

    print(f"1..{len(results)}")
    for i, (name, ok, detail) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} {name}")
        if not ok and detail:
            for line in detail.splitlines():
                print(f"# {line}")
    return 0 if all(ok for _, ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
