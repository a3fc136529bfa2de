"""The bench/gpt_bench cases in PyTorch: a small GPT's training step and a GPT-2 124M forward.

GPT-2 is written out in plain torch (transformers is not a dependency); run as engine_bench_torch.py
explains (OpenMP OpenBLAS first on LD_LIBRARY_PATH, OPENBLAS_CORETYPE/L2_SIZE unset).
"""
import json
import math
import os

import torch

from timing import median_seconds, peak_rss_mb


class Block(torch.nn.Module):
    def __init__(self, c, h, fused_attention=False):
        super().__init__()
        self.h, self.fused_attention = h, fused_attention
        self.ln_1, self.ln_2 = torch.nn.LayerNorm(c), torch.nn.LayerNorm(c)
        self.c_attn, self.c_proj = torch.nn.Linear(c, 3 * c), torch.nn.Linear(c, c)
        self.c_fc, self.mlp_proj = torch.nn.Linear(c, 4 * c), torch.nn.Linear(4 * c, c)

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(c, dim=2)
        q, k, v = (z.view(b, t, self.h, c // self.h).transpose(1, 2) for z in (q, k, v))
        if self.fused_attention:
            y = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            att = (q @ k.transpose(-2, -1)) / math.sqrt(c // self.h)
            mask = torch.ones(t, t, dtype=torch.bool, device=x.device).tril()
            y = att.masked_fill(~mask, float("-inf")).softmax(-1) @ v
        x = x + self.c_proj(y.transpose(1, 2).reshape(b, t, c))
        return x + self.mlp_proj(torch.nn.functional.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class Gpt(torch.nn.Module):
    def __init__(self, vocab, ctx, c, layers, heads, fused_attention=False):
        super().__init__()
        self.wte, self.wpe = torch.nn.Embedding(vocab, c), torch.nn.Embedding(ctx, c)
        self.blocks = torch.nn.ModuleList(Block(c, heads, fused_attention) for _ in range(layers))
        self.ln_f = torch.nn.LayerNorm(c)

    def forward(self, ids):
        x = self.wte(ids) + self.wpe(torch.arange(ids.shape[1], device=ids.device))
        for block in self.blocks:
            x = block(x)
        return self.ln_f(x) @ self.wte.weight.T


def main():
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    torch.manual_seed(0)
    model = Gpt(512, 64, 128, 4, 4)
    opt = torch.optim.AdamW(model.parameters())
    ids = torch.randint(0, 512, (16, 65))

    def step():
        opt.zero_grad(set_to_none=True)
        logits = model(ids[:, :64]).reshape(-1, 512)
        torch.nn.functional.cross_entropy(logits, ids[:, 1:].reshape(-1)).backward()
        opt.step()

    s = median_seconds(step, 3, 20)
    peak = peak_rss_mb()
    print(json.dumps({"name": "small_gpt_step", "threads": torch.get_num_threads(),
                      "median_ms": round(s * 1e3, 2), "peak_rss_mb": round(peak, 1)}))
    big = Gpt(50257, 1024, 768, 12, 12).eval()
    ids = torch.randint(0, 50257, (1, 128))
    with torch.no_grad():
        s = median_seconds(lambda: big(ids), 2, 10)
    peak = peak_rss_mb()
    print(json.dumps({"name": "gpt2_forward", "threads": torch.get_num_threads(),
                      "median_ms": round(s * 1e3, 2), "peak_rss_mb": round(peak, 1)}))


if __name__ == "__main__":
    main()
