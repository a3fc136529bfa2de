"""The bench/cuda_bench cases in PyTorch on the same GPU, printing the same JSON lines, for the
closing-note comparison: host<->device copies, the GEMM rate (float32 with TF32 off and on,
float64), and GPT-2 124M (random weights, no dropout, float32, TF32 off) as a training step on
8 x 1024 tokens with AdamW and as a forward pass, with the device's peak memory.

GPT-2 is gpt_bench_torch.py's plain-torch model (the attention written out, as candor computes
it); the "sdpa" rows run the same model with torch's fused scaled_dot_product_attention, the
speed a PyTorch user gets by default. Not a dependency of candor:

    python3 bench/cuda_bench_torch.py [transfer|gemm|gpt2_forward|gpt2_train_step]
"""
import json
import sys

import torch

from gpt_bench_torch import Gpt, training_step
from timing import median_seconds


def device_seconds(run, warmup, repeats):
    def timed():
        run()
        torch.cuda.synchronize()
    return median_seconds(timed, warmup, repeats)


def transfer():
    for mib in (1, 64, 512):
        n = mib * (1 << 20) // 4
        host, device = torch.zeros(n), torch.empty(n, device="cuda")
        up = device_seconds(lambda: device.copy_(host), 2, 10)
        down = device_seconds(lambda: host.copy_(device), 2, 10)
        print(json.dumps({"name": "transfer", "mib": mib, "host_to_device_gb_s": round(n * 4 / up / 1e9, 2),
                          "device_to_host_gb_s": round(n * 4 / down / 1e9, 2), "torch": torch.__version__}))


def gemm():
    for name, dtype, n, tf32 in (("float32", torch.float32, 4096, False), ("float32_tf32", torch.float32, 4096, True),
                                 ("float64", torch.float64, 2048, False)):
        torch.manual_seed(0)
        a, b = torch.randn(n, n, dtype=dtype, device="cuda"), torch.randn(n, n, dtype=dtype, device="cuda")
        torch.backends.cuda.matmul.allow_tf32 = tf32
        s = device_seconds(lambda: a @ b, 3, 20)
        torch.backends.cuda.matmul.allow_tf32 = False
        print(json.dumps({"name": "gemm", "dtype": name, "n": n, "median_ms": round(s * 1e3, 3),
                          "tflop_s": round(2.0 * n ** 3 / s / 1e12, 2), "torch": torch.__version__}))


def gpt2(attention):
    torch.manual_seed(0)
    return Gpt(50257, 1024, 768, 12, 12, fused_attention=attention == "sdpa").cuda()


def report_gpt2(name, attention, shape, seconds):
    print(json.dumps({"name": name, "device": "cuda", "attention": attention, "shape": shape,
                      "median_ms": round(seconds * 1e3, 1), "tokens_per_s": round(8 * 1024 / seconds),
                      "peak_device_mib": round(torch.cuda.max_memory_allocated() / (1 << 20)),
                      "torch": torch.__version__}))


def gpt2_forward(attention):
    model = gpt2(attention).eval()
    ids = torch.randint(0, 50257, (8, 1024), device="cuda")
    torch.cuda.reset_peak_memory_stats()

    def run():
        with torch.no_grad():
            model(ids)
    report_gpt2("gpt2_forward", attention, "124M, 8x1024 tokens", device_seconds(run, 2, 10))


def gpt2_train_step(attention):
    model = gpt2(attention)
    step = training_step(model, torch.randint(0, 50257, (8, 1025), device="cuda"))
    torch.cuda.reset_peak_memory_stats()
    report_gpt2("gpt2_train_step", attention, "124M, 8x1024 tokens, AdamW", device_seconds(step, 1, 5))


if __name__ == "__main__":
    torch.backends.cuda.matmul.allow_tf32 = False
    wanted = sys.argv[1] if len(sys.argv) > 1 else None
    if wanted in (None, "transfer"):
        transfer()
    if wanted in (None, "gemm"):
        gemm()
    for attention in ("written_out", "sdpa"):
        if wanted in (None, "gpt2_forward"):
            gpt2_forward(attention)
        if wanted in (None, "gpt2_train_step"):
            gpt2_train_step(attention)
