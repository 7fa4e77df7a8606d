#!/usr/bin/env python3
"""PyTorch captioning baseline for bench/caption-vs-pytorch.bench.ts (the goal:
"2.5x the best PyTorch on the same CPU").

The same ClipCap inference in PyTorch, on the SAME weights as ours (it reads a
Photocap pack: clip/, mapping/ and gpt2/ model.safetensors), from ready
224x224 pixel tensors (no JPEG decoding, which only favours PyTorch):
  * CLIP ViT image tower (Hugging Face CLIPVisionModelWithProjection math:
    patch conv without bias, class token, positions, pre-LN, quick_gelu
    layers, post-LN of the class token, projection without bias),
  * the paper's mapping networks and GPT-2 (classes shared with
    train_step.py, the training baseline),
  * three decoders:
      greedy_kv      batched greedy with a KV cache (the strongest PyTorch
                     greedy we know how to write: one token per row per step,
                     the LM head only on the last position);
      generate2      the paper's greedy, restated: batch 1, no cache, the whole
                     sequence re-run every step through GPT2LMHeadModel (the LM
                     head on every position), the top-p 0.8 filter computed,
                     then arg-max;
      generate_beam  the paper's beam search, restated: batch 1, beam 5, no
                     cache, log(softmax) of the last logits, stopped beams
                     only extend with token 0 at cost 0, ranking by average
                     log-prob over beam x vocabulary, final sort by average.
This is our own code written from the decoding rules above (the paper's predict.py),
not the ClipCap repository. --check-golden runs all three decoders on the
golden tiny GPT-2 and prefixes and requires the tokens to be exactly the
goldens' (greedy: golden/e2e greedy tokens; beam: every beam, in order).

Speed mode prints ONE JSON object on stdout: per decoder and batch the seconds
per image (median over --repeats), the tokens generated, threads, the BLAS
library actually mapped into this process and peak RSS.
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_step import Gpt2, MlpMapper, TransformerMapper, peak_rss_mb, read_safetensors  # noqa: E402


def loaded_blas():
    """Every BLAS/LAPACK shared object mapped into this process (the one torch really calls)."""
    with open('/proc/self/maps') as f:
        return sorted({line.split()[-1] for line in f if '/' in line and ('blas' in line.lower() or 'lapack' in line.lower() or 'mkl' in line.lower())})


# ------------------------------------------------------------------ CLIP ----

class ClipVision(nn.Module):
    def __init__(self, w, heads, eps):
        super().__init__()
        self.w, self.heads, self.eps = w, heads, eps
        self.layers = 0
        while f'vision_model.encoder.layers.{self.layers}.layer_norm1.weight' in w:
            self.layers += 1

    def forward(self, pixels):
        w, eps = self.w, self.eps
        x = F.conv2d(pixels, w['vision_model.embeddings.patch_embedding.weight'], stride=w['vision_model.embeddings.patch_embedding.weight'].shape[-1])
        b, e = x.shape[0], x.shape[1]
        x = x.flatten(2).transpose(1, 2)
        x = torch.cat((w['vision_model.embeddings.class_embedding'].expand(b, 1, e), x), dim=1) + w['vision_model.embeddings.position_embedding.weight']
        x = F.layer_norm(x, (e,), w['vision_model.pre_layrnorm.weight'], w['vision_model.pre_layrnorm.bias'], eps)
        h, d = self.heads, e // self.heads
        for i in range(self.layers):
            p = f'vision_model.encoder.layers.{i}.'
            y = F.layer_norm(x, (e,), w[p + 'layer_norm1.weight'], w[p + 'layer_norm1.bias'], eps)
            t = y.shape[1]
            q, k, v = (F.linear(y, w[p + f'self_attn.{n}_proj.weight'], w[p + f'self_attn.{n}_proj.bias']).view(b, t, h, d).transpose(1, 2) for n in ('q', 'k', 'v'))
            a = torch.matmul(((q * d ** -0.5) @ k.transpose(-1, -2)).softmax(-1), v)
            x = x + F.linear(a.transpose(1, 2).reshape(b, t, e), w[p + 'self_attn.out_proj.weight'], w[p + 'self_attn.out_proj.bias'])
            y = F.layer_norm(x, (e,), w[p + 'layer_norm2.weight'], w[p + 'layer_norm2.bias'], eps)
            y = F.linear(y, w[p + 'mlp.fc1.weight'], w[p + 'mlp.fc1.bias'])
            y = y * torch.sigmoid(1.702 * y)  # quick_gelu
            x = x + F.linear(y, w[p + 'mlp.fc2.weight'], w[p + 'mlp.fc2.bias'])
        pooled = F.layer_norm(x[:, 0], (e,), w['vision_model.post_layernorm.weight'], w['vision_model.post_layernorm.bias'], eps)
        return F.linear(pooled, w['visual_projection.weight'])


# ----------------------------------------------------------------- GPT-2 ----

def block_step(block, x, past):
    """One GPT-2 block over new positions x [B,T,E] with past (k, v) [B,H,P,d] or None; causal within x."""
    a = block.attn
    b, t, e = x.shape
    h = a.heads
    d = e // h
    q, k, v = a.c_attn(block.ln_1(x)).split(e, dim=2)
    q, k, v = (z.view(b, t, h, d).transpose(1, 2) for z in (q, k, v))
    if past is not None:
        k = torch.cat((past[0], k), dim=2)
        v = torch.cat((past[1], v), dim=2)
    s = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d)
    if t > 1:  # prefill: causal among the new positions (decode steps see every past key)
        total = k.shape[2]
        s = s + torch.full((t, total), -1e4).triu(total - t + 1)
    y = torch.matmul(s.softmax(-1), v).transpose(1, 2).reshape(b, t, e)
    x = x + a.c_proj(y)
    x = x + block.mlp(block.ln_2(x))
    return x, (k, v)


@torch.no_grad()
def greedy_kv(gpt2, prefix, max_tokens, stop):
    """Batched greedy with a KV cache; finished rows are dropped from the batch (as ours)."""
    b, p, _ = prefix.shape
    x = prefix + gpt2.wpe.weight[:p]
    past = [None] * len(gpt2.h)
    tokens = [[] for _ in range(b)]
    alive = torch.arange(b)
    pos = p
    while True:
        for i, blk in enumerate(gpt2.h):
            x, past[i] = block_step(blk, x, past[i])
        nxt = torch.matmul(gpt2.ln_f(x[:, -1]), gpt2.wte.weight.t()).argmax(-1)
        keep = []
        for r, tok in enumerate(nxt.tolist()):
            row = tokens[int(alive[r])]
            row.append(tok)
            if tok != stop and len(row) < max_tokens:
                keep.append(r)
        if not keep:
            return tokens
        if len(keep) < len(alive):
            idx = torch.tensor(keep)
            past = [(k[idx], v[idx]) for k, v in past]
            alive, nxt = alive[idx], nxt[idx]
        x = gpt2.wte(nxt)[:, None] + gpt2.wpe.weight[pos]
        pos += 1


def full_logits(gpt2, embeds):
    """GPT2LMHeadModel(inputs_embeds=...).logits: every position through the LM head."""
    h = gpt2.hidden(embeds, torch.ones(embeds.shape[0], embeds.shape[1]))
    return torch.matmul(h, gpt2.wte.weight.t())


@torch.no_grad()
def generate2(gpt2, embed, max_tokens, stop, top_p=0.8):
    """The paper's generate2 for ONE prefix [1,K,E]; returns the generated ids (stop included)."""
    generated = embed
    out = []
    for _ in range(max_tokens):
        logits = full_logits(gpt2, generated)[:, -1, :]
        sorted_logits, sorted_idx = torch.sort(logits, descending=True)
        cum = torch.cumsum(F.softmax(sorted_logits, dim=-1), dim=-1)
        remove = cum > top_p
        remove[..., 1:] = remove[..., :-1].clone()
        remove[..., 0] = False
        logits[:, sorted_idx[remove]] = -float('inf')
        tok = int(torch.argmax(logits, -1))
        out.append(tok)
        generated = torch.cat((generated, gpt2.wte.weight[tok].view(1, 1, -1)), dim=1)
        if tok == stop:
            break
    return out


@torch.no_grad()
def generate_beam(gpt2, embed, max_tokens, stop, beam=5):
    """The paper's generate_beam for ONE prefix; returns beams best first as (tokens cut at length, length)."""
    generated = embed
    tokens = scores = None
    lengths = torch.ones(beam)
    stopped = torch.zeros(beam, dtype=torch.bool)
    for _ in range(max_tokens):
        logp = full_logits(gpt2, generated)[:, -1, :].softmax(-1).log()
        if scores is None:
            scores, nxt = logp.topk(beam, -1)
            generated = generated.expand(beam, *generated.shape[1:])
            nxt, scores = nxt.permute(1, 0), scores.squeeze(0)
            tokens = nxt
        else:
            logp[stopped] = -float('inf')
            logp[stopped, 0] = 0
            total = scores[:, None] + logp
            lengths[~stopped] += 1
            avg, flat = (total / lengths[:, None]).view(-1).topk(beam, -1)
            src = flat // total.shape[1]
            lengths = lengths[src]
            nxt = (flat % total.shape[1]).unsqueeze(1)
            tokens = torch.cat((tokens[src], nxt), dim=1)
            generated = generated[src]
            scores = avg * lengths
            stopped = stopped[src]
        generated = torch.cat((generated, gpt2.wte(nxt.squeeze(1)).view(generated.shape[0], 1, -1)), dim=1)
        stopped = stopped + nxt.eq(stop).squeeze(1)
        if stopped.all():
            break
    avg = scores / lengths
    order = avg.argsort(descending=True)
    return [(tokens[i, :int(lengths[i])].tolist(), int(lengths[i])) for i in order.tolist()]


# ------------------------------------------------------------------ packs ----

def load_gpt2(folder):
    c = json.load(open(os.path.join(folder, 'config.json')))
    g = Gpt2(c['vocab_size'], c['n_positions'], c['n_embd'], c['n_layer'], c['n_head'], c['layer_norm_epsilon'])
    w = read_safetensors(os.path.join(folder, 'model.safetensors'))
    w = {k[len('transformer.'):] if k.startswith('transformer.') else k: v for k, v in w.items()}
    g.load_state_dict({k: v for k, v in w.items() if not k.endswith('.attn.bias') and not k.endswith('masked_bias') and k != 'lm_head.weight'}, strict=True)
    return g.eval()


def load_mapping(folder, e):
    c = json.load(open(os.path.join(folder, 'config.json')))
    w = read_safetensors(os.path.join(folder, 'model.safetensors'))
    if c.get('mapping_type', c.get('type')) == 'transformer':
        m = TransformerMapper(c['clip_dim'], e, c['prefix_length'], c['clip_length'], c.get('num_layers', 8), c.get('num_heads', 8), c.get('mlp_ratio', 2.0))
    else:
        m = MlpMapper(c['clip_dim'], e, c['prefix_length'])
    m.load_state_dict({k[len('clip_project.'):]: v for k, v in w.items() if k.startswith('clip_project.')}, strict=True)
    return m.eval(), bool(c.get('normalize_prefix', False))


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


@torch.no_grad()
def speed(args):
    t0 = time.perf_counter()
    pack = args.pack
    clip_cfg = json.load(open(os.path.join(pack, 'clip', 'config.json')))['vision_config']
    clip = ClipVision(read_safetensors(os.path.join(pack, 'clip', 'model.safetensors')), clip_cfg['num_attention_heads'], clip_cfg.get('layer_norm_eps', 1e-5))
    gpt2 = load_gpt2(os.path.join(pack, 'gpt2'))
    mapper, normalize = load_mapping(os.path.join(pack, 'mapping'), gpt2.wte.weight.shape[1])
    size = clip_cfg['image_size']
    gen = torch.Generator().manual_seed(0)
    setup_s = time.perf_counter() - t0

    def prefixes(pixels):
        emb = clip(pixels)
        if normalize:
            emb = emb / emb.norm(dim=-1, keepdim=True)
        return mapper(emb)

    result = {'omp_wait_policy': os.environ.get('OMP_WAIT_POLICY'), 'torch': torch.__version__, 'threads': torch.get_num_threads(), 'interop_threads': torch.get_num_interop_threads(), 'blas': loaded_blas(), 'setup_s': round(setup_s, 2), 'max_tokens': args.tokens}
    pixels_all = torch.rand(max(args.batches + [1]) * 1, 3, size, size, generator=gen) * 4 - 2
    # untimed warm-up (first calls allocate)
    greedy_kv(gpt2, prefixes(pixels_all[:1]), 2, args.stop)
    greedy = {}
    for b in args.batches:
        times, cpu, ntok = [], [], 0
        for _ in range(args.repeats):
            t, c = time.perf_counter(), time.process_time()
            toks = greedy_kv(gpt2, prefixes(pixels_all[:b]), args.tokens, args.stop)
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)  # every thread of the process
            ntok += sum(len(x) for x in toks)
        sec = median(times)
        greedy[str(b)] = {'batch': b, 'seconds_per_image': sec / b, 'images_per_s': b / sec, 'cpu_seconds_per_image': median(cpu) / b, 'mean_tokens': ntok / (b * args.repeats), 'times_s': [round(x, 4) for x in times]}
        print(f'greedy_kv batch {b}: {sec / b:.3f} s/image', file=sys.stderr)
    result['greedy_kv'] = greedy
    for name, fn in (('generate2', generate2), ('generate_beam', generate_beam)):
        if args.paper_images <= 0:
            continue
        times, cpu, ntok = [], [], 0
        for i in range(args.paper_images):
            t, c = time.perf_counter(), time.process_time()
            out = fn(gpt2, prefixes(pixels_all[i:i + 1]), args.tokens, args.stop)
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            ntok += len(out) if name == 'generate2' else len(out[0][0])
        sec = median(times)
        result[name] = {'batch': 1, 'seconds_per_image': sec, 'images_per_s': 1 / sec, 'cpu_seconds_per_image': median(cpu), 'mean_tokens': ntok / args.paper_images, 'times_s': [round(x, 4) for x in times]}
        print(f'{name} batch 1: {sec:.3f} s/image', file=sys.stderr)
    result['peak_rss_mb'] = round(peak_rss_mb())
    print(json.dumps(result))


@torch.no_grad()
def check_golden(golden, max_cases=None):
    """All three decoders must give exactly the golden tokens (e2e/captions.json in the golden folder)."""
    gpt2 = load_gpt2(os.path.join(golden, 'gpt2_tiny'))
    spec = json.load(open(os.path.join(golden, 'e2e', 'captions.json')))
    tensors = read_safetensors(os.path.join(golden, 'e2e', 'tensors.safetensors'))
    stop, length, k = spec['stop_token']['id'], spec['entry_length'], spec['beam_size']
    report, ok = [], True
    cases = spec['cases'] if not max_cases else spec['cases'][::max(1, len(spec['cases']) // max_cases)][:max_cases]  # spread over the variants
    for case in cases:
        prefix = tensors[case['tensors']['prefix_embeds']].to(torch.float32).reshape(1, case['prefix_length'], -1)
        want = case['greedy']['tokens']
        got_kv = greedy_kv(gpt2, prefix, length, stop)[0]
        got_g2 = generate2(gpt2, prefix, length, stop)
        beams = generate_beam(gpt2, prefix, length, stop, k)
        want_beams = [(case['beam']['beams'][i]['tokens'], case['beam']['beams'][i]['length']) for i in case['beam']['order_by_score']]
        r = {'case': case['id'], 'greedy_kv': got_kv == want, 'generate2': got_g2 == want, 'generate_beam': beams == want_beams}
        ok = ok and all(v for kk, v in r.items() if kk != 'case')
        report.append(r)
    print(json.dumps({'ok': ok, 'cases': report, 'blas': loaded_blas()}))
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--pack', help='a Photocap pack folder (the bench writes a real-size random one)')
    ap.add_argument('--batches', default='1,16,32', help='greedy_kv batch sizes, comma-separated')
    ap.add_argument('--tokens', type=int, default=20, help='maximum generated tokens')
    ap.add_argument('--stop', type=int, default=13, help="stop token id ('.')")
    ap.add_argument('--repeats', type=int, default=1, help='timed runs per greedy_kv batch')
    ap.add_argument('--paper-images', type=int, default=2, help='images (one at a time) for generate2 and generate_beam; 0 skips them')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--check-golden', metavar='GOLDEN_DIR', help='a golden folder holding gpt2_tiny/ and e2e/ (test/fixtures/golden or ../shared/reference/golden): require its tokens from all three decoders')
    ap.add_argument('--max-cases', type=int, help='check only the first N golden cases')
    args = ap.parse_args()
    args.batches = [int(x) for x in args.batches.split(',') if x]
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    if args.check_golden:
        sys.exit(0 if check_golden(args.check_golden, args.max_cases) else 1)
    if not args.pack:
        ap.error('--pack is required in speed mode')
    speed(args)


if __name__ == '__main__':
    main()
