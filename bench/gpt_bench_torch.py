"""The bench/gpt_bench cases in PyTorch: a small GPT's training step, a GPT-2 124M forward, greedy
generation with a KV cache (the past_key_values loop, in plain torch) and without, and the GPT-2
124M training step on 4 x 128 tokens with AdamW, in full and with rank-8 LoRA adapters on every
c_attn (everything else frozen). Same JSON lines as gpt_bench; an optional argument
names one case, as there.

GPT-2 is written out in plain torch (transformers is not a dependency); run as engine_bench_torch.py
explains (OpenMP OpenBLAS first on LD_LIBRARY_PATH, OPENBLAS_CORETYPE/L2_SIZE unset).
"""
import json
import math
import os
import sys

import torch

from timing import median_seconds, peak_rss_mb


class Block(torch.nn.Module):
    def __init__(self, c, h, fused_attention=False):
        super().__init__()
        self.h, self.fused_attention = h, fused_attention
        self.ln_1, self.ln_2 = torch.nn.LayerNorm(c), torch.nn.LayerNorm(c)
        self.c_attn, self.c_proj = torch.nn.Linear(c, 3 * c), torch.nn.Linear(c, c)
        self.c_fc, self.mlp_proj = torch.nn.Linear(c, 4 * c), torch.nn.Linear(4 * c, c)

    def forward(self, x, cache=None):
        """With `cache` (a dict, empty at first) the keys and values of earlier positions are read
        from it and this call's appended: x holds only the new positions."""
        b, t, c = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(c, dim=2)
        q, k, v = (z.view(b, t, self.h, c // self.h).transpose(1, 2) for z in (q, k, v))
        if cache is not None:
            if cache:
                k, v = torch.cat([cache["k"], k], 2), torch.cat([cache["v"], v], 2)
            cache["k"], cache["v"] = k, v
        if self.fused_attention:
            y = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            att = (q @ k.transpose(-2, -1)) / math.sqrt(c // self.h)
            # Query i (of t new ones) sees keys up to its own position among all k.shape[2].
            mask = torch.ones(t, k.shape[2], dtype=torch.bool, device=x.device).tril(k.shape[2] - t)
            y = att.masked_fill(~mask, float("-inf")).softmax(-1) @ v
        x = x + self.c_proj(y.transpose(1, 2).reshape(b, t, c))
        return x + self.mlp_proj(torch.nn.functional.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class Gpt(torch.nn.Module):
    def __init__(self, vocab, ctx, c, layers, heads, fused_attention=False):
        super().__init__()
        self.wte, self.wpe = torch.nn.Embedding(vocab, c), torch.nn.Embedding(ctx, c)
        self.blocks = torch.nn.ModuleList(Block(c, heads, fused_attention) for _ in range(layers))
        self.ln_f = torch.nn.LayerNorm(c)

    def forward(self, ids, caches=None, start=0):
        """Logits of every position of ids, which start at position `start` (after the cached ones)."""
        positions = torch.arange(start, start + ids.shape[1], device=ids.device)
        x = self.wte(ids) + self.wpe(positions)
        for i, block in enumerate(self.blocks):
            x = block(x, None if caches is None else caches[i])
        return self.ln_f(x) @ self.wte.weight.T


class LoraLinear(torch.nn.Module):
    """A frozen Linear plus a trainable low-rank update, y = base(x) + (alpha / rank) x A^T B^T (Hu et
    al. 2021, LoRA, eq. 3), initialised as nn/lora.h does: A uniform in +-1/sqrt(in), B zero."""

    def __init__(self, base, rank=8, alpha=16):
        super().__init__()
        self.base, self.scale = base.requires_grad_(False), alpha / rank
        bound = 1 / math.sqrt(base.in_features)
        self.a = torch.nn.Parameter(torch.empty(rank, base.in_features).uniform_(-bound, bound))
        self.b = torch.nn.Parameter(torch.zeros(base.out_features, rank))

    def forward(self, x):
        return self.base(x) + self.scale * ((x @ self.a.T) @ self.b.T)


def generate(model, prompt, new_tokens, use_cache):
    """Greedy decoding: with the cache the prompt runs once and then one token per step; without
    it every step reruns the whole context."""
    ids = prompt
    with torch.no_grad():
        caches = [{} for _ in model.blocks] if use_cache else None
        logits = model(ids, caches)
        for step in range(new_tokens):
            token = logits[:, -1].argmax(-1, keepdim=True)
            ids = torch.cat([ids, token], 1)
            if step + 1 < new_tokens:
                logits = model(token, caches, ids.shape[1] - 1) if use_cache else model(ids)
    return ids[:, prompt.shape[1]:]


def gpt2_124m():
    torch.manual_seed(0)
    return Gpt(50257, 1024, 768, 12, 12)


def report(name, **fields):
    print(json.dumps({"name": name, "threads": torch.get_num_threads(), **fields,
                      "peak_rss_mb": round(peak_rss_mb(), 1), "torch": torch.__version__}), flush=True)


def training_step(model, ids):
    """One AdamW step of `model` predicting each next token of ids [B, T + 1] from the T before it."""
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad])
    vocab = model.wte.num_embeddings

    def step():
        opt.zero_grad(set_to_none=True)
        logits = model(ids[:, :-1]).reshape(-1, vocab)
        torch.nn.functional.cross_entropy(logits, ids[:, 1:].reshape(-1)).backward()
        opt.step()
    return step


def small_gpt_step():
    torch.manual_seed(0)
    model = Gpt(512, 64, 128, 4, 4)
    step = training_step(model, torch.randint(0, 512, (16, 65)))
    report("small_gpt_step", median_ms=round(median_seconds(step, 3, 20) * 1e3, 2))


def gpt2_forward():
    model = gpt2_124m().eval()
    ids = torch.randint(0, 50257, (1, 128))
    with torch.no_grad():
        s = median_seconds(lambda: model(ids), 2, 10)
    report("gpt2_forward", shape="124M, 1x128 tokens", median_ms=round(s * 1e3, 2))


def gpt2_generate():
    model = gpt2_124m().eval()
    prompt = torch.randint(0, 50257, (1, 10))
    new_tokens = 100
    tokens = {}
    for use_cache in (True, False):
        def run():
            tokens[use_cache] = generate(model, prompt, new_tokens, use_cache)
        # The uncached loop takes seconds: one timed run after a warm-up, three with the cache.
        s = median_seconds(run, 1, 3 if use_cache else 1)
        report("gpt2_generate", shape=f"124M, 10-token prompt + {new_tokens} greedy tokens", kv_cache=use_cache,
               median_s=round(s, 3), tokens_per_s=round(new_tokens / s, 2))
    if not torch.equal(tokens[True], tokens[False]):
        raise SystemExit("gpt2_generate: the cached and uncached loops chose different tokens")


def gpt2_step(lora):
    model = gpt2_124m()
    if lora:
        model.requires_grad_(False)
        for block in model.blocks:
            block.c_attn = LoraLinear(block.c_attn)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    s = median_seconds(training_step(model, torch.randint(0, 50257, (4, 129))), 1, 5)
    report("gpt2_lora_step" if lora else "gpt2_train_step",
           shape="124M, 4x128 tokens, AdamW" + (", LoRA r8 on c_attn" if lora else ""),
           trainable_parameters=trainable, median_ms=round(s * 1e3, 1))


def main():
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    cases = {"small_gpt_step": small_gpt_step, "gpt2_forward": gpt2_forward, "gpt2_generate": gpt2_generate,
             "gpt2_train_step": lambda: gpt2_step(False), "gpt2_lora_step": lambda: gpt2_step(True)}
    wanted = sys.argv[1:] or list(cases)
    for name in wanted:
        cases[name]()


if __name__ == "__main__":
    main()
