"""The engine_bench cases in PyTorch, printing the same JSON lines, for the closing-note comparison.

Not a dependency of candor. Run it with Debian's python3-torch against the OpenMP OpenBLAS, as the
engine issue prescribes (otherwise torch calls the reference BLAS and the comparison means nothing):

  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
      LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp OMP_NUM_THREADS=2 \
      /usr/bin/python3 bench/engine_bench_torch.py [--quick] [--only sgemm|add|softmax|mlp_step]
"""
import json
import os
import sys

import torch

from timing import median_seconds


def report(name, shape, seconds, rate_name, rate):
    print(json.dumps({"name": name, "shape": shape, "threads": torch.get_num_threads(),
                      "median_us": round(seconds * 1e6, 1), rate_name: round(rate, 2)}), flush=True)


def bench_mlp(batch, quick):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(104, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64),
                                torch.nn.ReLU(), torch.nn.Linear(64, 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(batch, 104)
    y = (torch.rand(batch, 1) < 0.3).float()
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    s = median_seconds(step, 20, 20 if quick else 200)
    report("mlp_step", f"{batch}x104-64-64-1", s, "steps_per_s", 1 / s)


def main():
    quick = "--quick" in sys.argv
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv[:-1] else None

    def wanted(name):
        return only is None or only == name
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    for n in (256, 1024, 2048) if wanted("sgemm") else ():
        a, b = torch.randn(n, n), torch.randn(n, n)
        s = median_seconds(lambda: a @ b, 2, 3 if quick else (20 if n <= 1024 else 5))
        report("sgemm", f"{n}x{n}x{n}", s, "gflops", 2.0 * n ** 3 / s / 1e9)
    if wanted("add"):
        n = 16 << 20
        a, b = torch.randn(n), torch.randn(n)
        s = median_seconds(lambda: a + b, 2, 3 if quick else 20)
        report("add", str(n), s, "gb_per_s", 3.0 * n * 4 / s / 1e9)
    if wanted("softmax"):
        x = torch.randn(4096, 4096)
        s = median_seconds(lambda: torch.softmax(x, -1), 2, 3 if quick else 20)
        report("softmax", "4096x4096", s, "gb_per_s", 2.0 * x.numel() * 4 / s / 1e9)
    if wanted("mlp_step"):
        bench_mlp(256, quick)
        bench_mlp(4096, quick)


if __name__ == "__main__":
    main()
