#!/usr/bin/env python3
"""PyTorch baseline for bench/train.bench.ts (the goal: "a throughput no worse
than PyTorch's on the same CPU for the same model").

One ClipCap training step (forward + backward + optimizer step) in PyTorch, with
the same models and sizes as our ONNX Runtime training graph:
  * GPT-2 (HF GPT2LMHeadModel math: pre-LN blocks, Conv1D [in,out] weights,
    gelu_new, causal + additive padding mask, tied wte/lm_head, no dropout),
  * the paper's mappers: MLP (Linear -> Tanh -> Linear, hidden E*K/2) or
    TransformerMapper (Linear clip_dim -> clip_length*E, learned prefix_const,
    8 pre-LN layers: 8 heads, no q/kv bias, ReLU MLP with ratio 2),
  * the paper's loss: cross-entropy of logits[:, P-1:-1] with ignore_index 0,
  * the paper's optimizer: transformers' AdamW (v4.10 math, written out below:
    eps added to sqrt(v), bias correction folded into the step, decoupled decay
    after the update), not torch.optim.AdamW,
  * frozen GPT-2 = requires_grad False on GPT-2 (gradients still flow through
    it to the prefix); tuned = every parameter trained.
This is our own code written from the paper's training formulas (src/main/ml/training/adamw.ts
and schedule.ts state them), not the ClipCap repository.

Speed mode (default): random weights, prints ONE JSON object on stdout.
  --head all   the LM head on all P+L positions, then the loss slice (what the
               paper's train.py does through GPT2LMHeadModel)
  --head loss  the LM head only on the L rows the loss reads (what our ONNX
               graph does; see train-graph.ts "head on the loss rows only")
Check mode (--check-golden REF_DIR): loads a golden pack and gradient case
from ../shared/reference and compares loss and gradients, proving these
modules are the same model as the goldens (and so as ours).
"""
import argparse
import json
import math
import os
import resource
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIGS = {
    'transformer8_p10_frozen': dict(mapping='transformer', prefix=10, tune=False),
    'transformer8_p40_frozen': dict(mapping='transformer', prefix=40, tune=False),
    'mlp_p10_tuned': dict(mapping='mlp', prefix=10, tune=True),
}

GPT2_124M = dict(vocab=50257, n_pos=1024, n_embd=768, n_layer=12, n_head=12, eps=1e-5)


# ---------------------------------------------------------------- GPT-2 ----

class Conv1D(nn.Module):
    """HF's Conv1D: weight [in, out], y = x @ W + b."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_in, n_out).normal_(0, 0.02))
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x):
        return torch.addmm(self.bias, x.reshape(-1, x.shape[-1]), self.weight).view(*x.shape[:-1], -1)


class Gpt2Attention(nn.Module):
    def __init__(self, e, heads):
        super().__init__()
        self.heads = heads
        self.c_attn = Conv1D(e, 3 * e)
        self.c_proj = Conv1D(e, e)

    def forward(self, x, bias):
        b, t, e = x.shape
        q, k, v = self.c_attn(x).split(e, dim=2)
        q, k, v = (z.view(b, t, self.heads, e // self.heads).transpose(1, 2) for z in (q, k, v))
        w = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(e // self.heads) + bias
        y = torch.matmul(w.softmax(-1), v).transpose(1, 2).reshape(b, t, e)
        return self.c_proj(y)


class Gpt2Mlp(nn.Module):
    def __init__(self, e):
        super().__init__()
        self.c_fc = Conv1D(e, 4 * e)
        self.c_proj = Conv1D(4 * e, e)

    def forward(self, x):
        # gelu_new; torch's fused tanh-approximate GELU is the same function.
        return self.c_proj(F.gelu(self.c_fc(x), approximate='tanh'))


class Gpt2Block(nn.Module):
    def __init__(self, e, heads, eps):
        super().__init__()
        self.ln_1 = nn.LayerNorm(e, eps=eps)
        self.attn = Gpt2Attention(e, heads)
        self.ln_2 = nn.LayerNorm(e, eps=eps)
        self.mlp = Gpt2Mlp(e)

    def forward(self, x, bias):
        x = x + self.attn(self.ln_1(x), bias)
        return x + self.mlp(self.ln_2(x))


class Gpt2(nn.Module):
    """Parameter names = HF's GPT2Model (wte.weight, h.0.attn.c_attn.weight, ...)."""

    def __init__(self, vocab, n_pos, n_embd, n_layer, n_head, eps):
        super().__init__()
        self.wte = nn.Embedding(vocab, n_embd)
        self.wpe = nn.Embedding(n_pos, n_embd)
        nn.init.normal_(self.wte.weight, 0, 0.02)
        nn.init.normal_(self.wpe.weight, 0, 0.01)
        self.h = nn.ModuleList(Gpt2Block(n_embd, n_head, eps) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(n_embd, eps=eps)

    def hidden(self, embeds, mask):
        """embeds [B,T,E], mask [B,T] (1 = real) -> ln_f output [B,T,E]; positions 0..T-1."""
        t = embeds.shape[1]
        causal = torch.full((t, t), -1e4).triu(1)  # HF adds -1e4 (masked_bias) where j > i
        bias = causal + (1.0 - mask[:, None, None, :].to(embeds.dtype)) * -1e4
        x = embeds + self.wpe.weight[:t]
        for block in self.h:
            x = block(x, bias)
        return self.ln_f(x)


# -------------------------------------------------------------- mappers ----

class MapperAttention(nn.Module):
    def __init__(self, e, heads):
        super().__init__()
        self.heads = heads
        self.to_queries = nn.Linear(e, e, bias=False)
        self.to_keys_values = nn.Linear(e, 2 * e, bias=False)
        self.project = nn.Linear(e, e)

    def forward(self, x):
        b, n, e = x.shape
        d = e // self.heads
        q = self.to_queries(x).view(b, n, self.heads, d).transpose(1, 2)
        kv = self.to_keys_values(x)
        k = kv[..., :e].reshape(b, n, self.heads, d).transpose(1, 2)
        v = kv[..., e:].reshape(b, n, self.heads, d).transpose(1, 2)
        w = (torch.matmul(q, k.transpose(-1, -2)) * d ** -0.5).softmax(-1)
        return self.project(torch.matmul(w, v).transpose(1, 2).reshape(b, n, e))


class MapperMlp(nn.Module):
    def __init__(self, e, ratio):
        super().__init__()
        self.fc1 = nn.Linear(e, int(e * ratio))
        self.fc2 = nn.Linear(int(e * ratio), e)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


class MapperLayer(nn.Module):
    def __init__(self, e, heads, ratio):
        super().__init__()
        self.norm1 = nn.LayerNorm(e)
        self.attn = MapperAttention(e, heads)
        self.norm2 = nn.LayerNorm(e)
        self.mlp = MapperMlp(e, ratio)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class MapperStack(nn.Module):
    def __init__(self, e, heads, layers, ratio):
        super().__init__()
        self.layers = nn.ModuleList(MapperLayer(e, heads, ratio) for _ in range(layers))


class TransformerMapper(nn.Module):
    def __init__(self, clip_dim, e, prefix, clip_length, layers=8, heads=8, ratio=2.0):
        super().__init__()
        self.clip_length = clip_length
        self.transformer = MapperStack(e, heads, layers, ratio)
        self.linear = nn.Linear(clip_dim, clip_length * e)
        self.prefix_const = nn.Parameter(torch.randn(prefix, e))

    def forward(self, x):
        x = self.linear(x).view(x.shape[0], self.clip_length, -1)
        seq = torch.cat((x, self.prefix_const.unsqueeze(0).expand(x.shape[0], -1, -1)), dim=1)
        for layer in self.transformer.layers:
            seq = layer(seq)
        return seq[:, self.clip_length:]


class MlpMapper(nn.Module):
    def __init__(self, clip_dim, e, prefix):
        super().__init__()
        self.prefix, self.e = prefix, e
        self.model = nn.Sequential(nn.Linear(clip_dim, e * prefix // 2), nn.Tanh(), nn.Linear(e * prefix // 2, e * prefix))

    def forward(self, x):
        return self.model(x).view(x.shape[0], self.prefix, self.e)


class ClipCap(nn.Module):
    """Parameter names = the paper's state dict: clip_project.*, gpt.transformer.*."""

    def __init__(self, mapper, gpt2):
        super().__init__()
        self.clip_project = mapper
        self.gpt = nn.Module()
        self.gpt.transformer = gpt2

    def loss(self, clip, tokens, mask, head):
        g = self.gpt.transformer
        prefix = self.clip_project(clip)
        p = prefix.shape[1]
        h = g.hidden(torch.cat((prefix, g.wte(tokens)), dim=1), mask)
        # The paper: logits of every position, then logits[:, P-1:-1]; 'loss' slices first.
        z = torch.matmul(h, g.wte.weight.t())[:, p - 1:-1] if head == 'all' else torch.matmul(h[:, p - 1:-1], g.wte.weight.t())
        return F.cross_entropy(z.reshape(-1, z.shape[-1]), tokens.flatten(), ignore_index=0), prefix


# ------------------------------------------------------------ optimizer ----

class TransformersAdamW:
    """transformers.AdamW (v4.10) math; defaults of the paper (eps 1e-6, wd 0)."""

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.0):
        self.params = [p for p in params if p.requires_grad]
        self.lr, self.betas, self.eps, self.wd = lr, betas, eps, weight_decay
        self.t = 0
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]

    @torch.no_grad()
    def step(self):
        b1, b2 = self.betas
        self.t += 1
        step = self.lr * math.sqrt(1 - b2 ** self.t) / (1 - b1 ** self.t)
        for p, m, v in zip(self.params, self.m, self.v):
            g = p.grad
            m.mul_(b1).add_(g, alpha=1 - b1)
            v.mul_(b2).addcmul_(g, g, value=1 - b2)
            p.addcdiv_(m, v.sqrt().add_(self.eps), value=-step)
            if self.wd > 0:
                p.add_(p, alpha=-self.lr * self.wd)

    def zero_grad(self):
        for p in self.params:
            p.grad = None


def build(mapping, prefix, clip_length, tune, gpt2_cfg, clip_dim=512, layers=8):
    gpt2 = Gpt2(**gpt2_cfg)
    e = gpt2_cfg['n_embd']
    mapper = TransformerMapper(clip_dim, e, prefix, clip_length, layers) if mapping == 'transformer' else MlpMapper(clip_dim, e, prefix)
    model = ClipCap(mapper, gpt2)
    if not tune:
        for q in gpt2.parameters():
            q.requires_grad_(False)
        gpt2.eval()
    return model


def peak_rss_mb():
    # VmHWM: this process's own peak. (getrusage's ru_maxrss survives fork+exec on Linux, so a
    # child of the bench would report the Node parent's peak instead.)
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def speed(args):
    cfg = dict(CONFIGS[args.config]) if args.config else dict(mapping=args.mapping, prefix=args.prefix, tune=args.tune)
    torch.manual_seed(args.seed)
    t0 = time.perf_counter()
    model = build(cfg['mapping'], cfg['prefix'], cfg['prefix'], cfg['tune'], GPT2_124M)
    opt = TransformersAdamW(model.parameters(), lr=1e-4)
    b, n = args.batch_size, args.caption_tokens
    clip = torch.rand(b, 512) * 2 - 1
    if cfg['mapping'] == 'transformer':
        clip = clip / clip.norm(dim=1, keepdim=True)  # train.py --normalize_prefix, as our bench's batch
    tokens = torch.randint(1, 50001, (b, n))
    mask = torch.ones(b, cfg['prefix'] + n)
    setup_s = time.perf_counter() - t0
    times, losses = [], []
    for s in range(args.warmup + args.steps):
        t = time.perf_counter()
        loss, _ = model.loss(clip, tokens, mask, args.head)
        loss.backward()
        opt.step()
        opt.zero_grad()
        losses.append(loss.item())
        if s >= args.warmup:  # warm-up steps include first-time allocations, as in our bench
            times.append(time.perf_counter() - t)
        print(f'{args.config or cfg}: step {s} {time.perf_counter() - t:.2f} s', file=sys.stderr)
    times_sorted = sorted(times)
    med = times_sorted[len(times) // 2] if len(times) % 2 else (times_sorted[len(times) // 2 - 1] + times_sorted[len(times) // 2]) / 2
    print(json.dumps({
        'config': args.config, **cfg, 'head': args.head, 'batch_size': b, 'caption_tokens': n, 'warmup_steps': args.warmup,
        'threads': torch.get_num_threads(), 'interop_threads': torch.get_num_interop_threads(), 'torch': torch.__version__,
        'optimizer': 'transformers.AdamW v4.10 math (own implementation)',
        'setup_s': round(setup_s, 2), 'step_times_s': [round(x, 4) for x in times], 'step_s': round(med, 4),
        'samples_per_s': round(b / med, 3), 'peak_rss_mb': round(peak_rss_mb()), 'trained_tensors': len(opt.params),
        'losses': [round(x, 4) for x in losses],
    }))


# --------------------------------------------------------- golden check ----

def read_safetensors(path):
    dtypes = {'F32': torch.float32, 'F64': torch.float64, 'I64': torch.int64}
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for k, h in header.items():
        if k == '__metadata__':
            continue
        a, z = h['data_offsets']
        out[k] = torch.frombuffer(bytearray(data[a:z]), dtype=dtypes[h['dtype']]).reshape(h['shape']) if z > a else torch.zeros(h['shape'], dtype=dtypes[h['dtype']])
    return out


def check_golden(ref, variant):
    mtype, mode = variant.split('_')
    pack = os.path.join(ref, 'packs', mtype)
    gc = json.load(open(os.path.join(pack, 'gpt2', 'config.json')))
    mc = json.load(open(os.path.join(pack, 'mapping', 'config.json')))
    gpt2_cfg = dict(vocab=gc['vocab_size'], n_pos=gc['n_positions'], n_embd=gc['n_embd'], n_layer=gc['n_layer'], n_head=gc['n_head'], eps=gc['layer_norm_epsilon'])
    gpt2 = Gpt2(**gpt2_cfg)
    e = gc['n_embd']
    if mtype == 'transformer':
        mapper = TransformerMapper(mc['clip_dim'], e, mc['prefix_length'], mc['clip_length'], mc['num_layers'], mc['num_heads'], mc['mlp_ratio'])
    else:
        mapper = MlpMapper(mc['clip_dim'], e, mc['prefix_length'])
        if mapper.model[0].out_features != mc.get('mlp_hidden_dim', mapper.model[0].out_features):
            mapper.model = nn.Sequential(nn.Linear(mc['clip_dim'], mc['mlp_hidden_dim']), nn.Tanh(), nn.Linear(mc['mlp_hidden_dim'], e * mc['prefix_length']))
    model = ClipCap(mapper, gpt2)
    weights = {('gpt.' + k): v for k, v in read_safetensors(os.path.join(pack, 'gpt2', 'model.safetensors')).items()}
    weights.update(read_safetensors(os.path.join(pack, 'mapping', 'model.safetensors')))
    missing, unexpected = model.load_state_dict(weights, strict=False)
    if missing:
        raise SystemExit(f'{pack}: weights missing for {missing}')
    if mode == 'frozen':
        for q in gpt2.parameters():
            q.requires_grad_(False)
    case = read_safetensors(os.path.join(ref, 'train', 'grad', f'{variant}.safetensors'))
    loss, prefix = model.loss(case['input.mapping_input'], case['input.tokens'], case['input.mask'], 'all')
    loss.backward()
    with torch.no_grad():  # the head on the loss rows only is the same loss
        loss_rows, _ = model.loss(case['input.mapping_input'], case['input.tokens'], case['input.mask'], 'loss')
    named = dict(model.named_parameters())
    worst = 0.0
    checked = 0
    for k, want in case.items():
        if not k.startswith('grad.'):
            continue
        got = named[k[len('grad.'):]].grad
        tol = 2e-4 * max(float(want.abs().max()), 1e-12)  # §7: gradients atol 2e-4 x tensor max
        err = float((got - want).abs().max())
        worst = max(worst, err / tol)
        checked += 1
    if mode == 'tuned':
        g = named['gpt.transformer.wte.weight'].grad
        rows = case['wte_rows']
        want = case['grad_rows.gpt.transformer.wte.weight']
        err = float((g[rows] - want).abs().max())
        worst = max(worst, err / (2e-4 * float(want.abs().max())))
        checked += 1
    res = {
        'variant': variant, 'loss': loss.item(), 'expected_loss': float(case['expected.loss']),
        'loss_ok': abs(loss.item() - float(case['expected.loss'])) <= 2e-4 and abs(loss_rows.item() - loss.item()) <= 1e-5,
        'prefix_max_err': float((prefix - case['expected.prefix_embeds']).abs().max()),
        'grads_checked': checked, 'worst_grad_err_over_tolerance': worst,
    }
    res['ok'] = res['loss_ok'] and worst <= 1.0 and res['prefix_max_err'] <= 5e-5
    print(json.dumps(res))
    return res['ok']


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--config', choices=sorted(CONFIGS), help='one of the bench configurations')
    ap.add_argument('--mapping', choices=['mlp', 'transformer'], default='transformer')
    ap.add_argument('--prefix', type=int, default=10)
    ap.add_argument('--tune', action='store_true', help='train GPT-2 too')
    ap.add_argument('--head', choices=['all', 'loss'], default='all')
    ap.add_argument('--batch-size', type=int, default=16)
    ap.add_argument('--caption-tokens', type=int, default=20)
    ap.add_argument('--steps', type=int, default=3, help='timed steps after the warm-up')
    ap.add_argument('--warmup', type=int, default=2, help='untimed warm-up steps')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--check-golden', metavar='REF_DIR', help='compare loss/gradients with ../shared/reference/train/grad/*')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)  # = the TrainingSession's intraOpNumThreads
    torch.set_num_interop_threads(1)  # = its interOpNumThreads (sequential execution)
    if args.check_golden:
        ok = all([check_golden(args.check_golden, v) for v in ('mlp_frozen', 'mlp_tuned', 'transformer_frozen', 'transformer_tuned')])
        sys.exit(0 if ok else 1)
    speed(args)


if __name__ == '__main__':
    main()
