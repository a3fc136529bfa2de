"""PyTorch's time per Adult epoch for the same MLP, data and batch size as bench/train_bench.

First `train_bench --dump DIR` writes the encoded training data; then, with Debian's python3-torch
against the OpenMP OpenBLAS (see engine_bench_torch.py for why):

  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
      LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp OMP_NUM_THREADS=1 \
      /usr/bin/python3 bench/train_bench_torch.py DIR
"""
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

from timing import peak_rss_mb


def main():
    folder = sys.argv[1]
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    shape = json.load(open(os.path.join(folder, "shape.json")))
    n, f = shape["rows"], shape["features"]
    x = torch.from_numpy(np.fromfile(os.path.join(folder, "x.f32"), dtype=np.float32).reshape(n, f))
    y = torch.from_numpy(np.fromfile(os.path.join(folder, "y.f32"), dtype=np.float32))
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(f, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64),
                                torch.nn.ReLU(), torch.nn.Linear(64, 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(n)
        for i in range(0, n, 256):
            idx = order[i:i + 256]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx]).reshape(-1), y[idx])
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - start)
    peak = peak_rss_mb()
    print(json.dumps({"name": "adult_epoch", "shape": f"{n}x{f} batch 256 mlp 64,64 adam",
                      "threads": torch.get_num_threads(), "median_s": round(statistics.median(times), 4),
                      "peak_rss_mb": round(peak, 1)}))


if __name__ == "__main__":
    main()
