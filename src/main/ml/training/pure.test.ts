// The pure pieces of training: schedule, transformers' AdamW (host reference
// vs the WebAssembly update vs the same float32 ops run by ORT), dataset
// pipeline rules, caption loss (graph vs float64 host reference).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { GraphBuilder } from '../graph/builder.ts'
import { emitOnnx } from '../graph/emit-onnx.ts'
import { adamwStepSize, adamwUpdateHost, PAPER_ADAMW } from './adamw.ts'
import { AdamWArena } from './adamw-wasm.ts'
import { batchOrder, l2NormalizeF32, makeBatch, maxSeqLen } from './dataset.ts'
import { parseDatasetJsonl } from './dataset-file.ts'
import { randomTensor } from './gradcheck.ts'
import { buildCaptionLoss, captionLossHost, targetIndices } from './loss.ts'
import { learningRateAt } from './schedule.ts'

async function runGraph(b: GraphBuilder, feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.ReturnType> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'train-pure-'))
  try {
    const { modelPath } = emitOnnx(b.build(), { dir })
    const s = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1 })
    const out = await s.run(feeds)
    await s.release()
    return out
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

describe('schedule (get_linear_schedule_with_warmup)', () => {
  it('gives 0, lr/2, lr, 2lr/3, lr/3 for W=2, S=5', () => {
    const lrs = [0, 1, 2, 3, 4].map((k) => learningRateAt(k, { lr: 1e-3, warmup: 2, total: 5 }))
    expect(lrs[0]).toBe(0)
    expect(lrs[1]).toBeCloseTo(5e-4, 15)
    expect(lrs[2]).toBeCloseTo(1e-3, 15)
    expect(lrs[3]).toBeCloseTo((2 / 3) * 1e-3, 15)
    expect(lrs[4]).toBeCloseTo((1 / 3) * 1e-3, 15)
  })
  it('has no warm-up when W = 0 and never goes negative past S', () => {
    expect(learningRateAt(0, { lr: 1, warmup: 0, total: 4 })).toBe(1)
    expect(learningRateAt(9, { lr: 1, warmup: 0, total: 4 })).toBe(0)
  })
})

describe('transformers AdamW', () => {
  it('folds bias correction into the step and adds eps to sqrt(v) (not torch.optim.AdamW)', () => {
    // First step with g: m = 0.1g, v = 0.001g², step = lr·sqrt(0.001)/0.1; update = step·0.1g/(sqrt(0.001)|g| + eps).
    const p = Float32Array.of(1)
    const g = Float32Array.of(1e-4)
    adamwUpdateHost(p, g, new Float32Array(1), new Float32Array(1), 0.1, 1, PAPER_ADAMW)
    const transformers = 1 - (((0.1 * Math.sqrt(0.001)) / 0.1) * (0.1 * 1e-4)) / (Math.sqrt(0.001) * 1e-4 + 1e-6)
    const torch = 1 - ((0.1 / 0.1) * (0.1 * 1e-4)) / ((Math.sqrt(0.001) * 1e-4) / Math.sqrt(0.001) + 1e-6)
    expect(p[0]).toBeCloseTo(transformers, 6)
    expect(Math.abs(p[0]! - torch)).toBeGreaterThan(1e-3)
  })

  it('step 0 with lr 0 leaves p unchanged but advances m and v', () => {
    const p = Float32Array.of(0.5, -0.25)
    const m = new Float32Array(2)
    const v = new Float32Array(2)
    adamwUpdateHost(p, Float32Array.of(1, -2), m, v, 0, 1, PAPER_ADAMW)
    expect(Array.from(p)).toEqual([0.5, -0.25])
    expect(m[0]).toBeCloseTo(0.1, 7)
    expect(v[1]).toBeCloseTo(0.004, 7)
  })

  it('the WebAssembly update equals the host reference and the same float32 ops in ORT bit for bit, with decoupled decay after the update', async () => {
    // Two tensors (4,099 and 37 values: neither a multiple of the 4 SIMD lanes) share the arena; enough values that a
    // scalar left in float64 (eps, the step size) changes some roundings.
    const sizes = new Map([
      ['a', 4099],
      ['b', 37],
    ])
    for (const cfg of [{ ...PAPER_ADAMW, weightDecay: 0.1 }, PAPER_ADAMW]) {
      const arena = new AdamWArena(sizes)
      const lr = 1e-3
      const host = new Map<string, { p: Float32Array; g: Float32Array; m: Float32Array; v: Float32Array }>()
      let seed = 1
      for (const [name, n] of sizes) {
        const t = arena.tensors.get(name)!
        t.param.set(randomTensor([n], seed++).data as Float32Array)
        t.m.set(randomTensor([n], seed++, 1e-4).data as Float32Array)
        t.v.set(Float32Array.from(randomTensor([n], seed++, 1e-7).data as Float32Array, (x) => Math.abs(x)))
        host.set(name, { p: t.param.slice(), g: new Float32Array(n), m: t.m.slice(), v: t.v.slice() })
      }
      for (let t = 1; t <= 3; t++) {
        for (const [name, n] of sizes) {
          // Gradients of very different sizes, so m/denom is far from ±1 for some entries.
          const g = Float32Array.from(randomTensor([n], seed++, 1e-3).data as Float32Array, (x, i) => (i % 7 === 0 ? x * 1e4 : x))
          arena.tensors.get(name)!.grad.set(g)
          host.get(name)!.g = g
        }
        const before = new Map([...host].map(([k, h]) => [k, { p: h.p.slice(), m: h.m.slice(), v: h.v.slice() }]))
        arena.step(lr, t, cfg)
        for (const [name, h] of host) {
          adamwUpdateHost(h.p, h.g, h.m, h.v, lr, t, cfg)
          const a = arena.tensors.get(name)!
          expect(Array.from(a.param), `${name} p, step ${t}`).toEqual(Array.from(h.p))
          expect(Array.from(a.m), `${name} m, step ${t}`).toEqual(Array.from(h.m))
          expect(Array.from(a.v), `${name} v, step ${t}`).toEqual(Array.from(h.v))
        }
        // The same update as float32 graph ops in ORT (the form the training graph used to carry).
        const n = sizes.get('a')!
        const b = new GraphBuilder('adamw')
        const [P, G, M, V] = ['p', 'g', 'm', 'v'].map((x) => b.input(x, 'float32', [n]))
        const step = b.input('step', 'float32', [])
        const decay = b.input('decay', 'float32', [])
        const m = b.add(b.mul(M!, b.f32(cfg.beta1)), b.mul(G!, b.f32(1 - cfg.beta1)))
        const v = b.add(b.mul(V!, b.f32(cfg.beta2)), b.mul(b.mul(G!, G!), b.f32(1 - cfg.beta2)))
        const u = b.sub(P!, b.mul(step, b.div(m, b.add(b.sqrt(v), b.f32(cfg.eps)))))
        b.output(b.sub(u, b.mul(u, decay)), 'p2')
        b.output(m, 'm2')
        const T = (d: Float32Array) => new ort.Tensor('float32', d, [n])
        const prev = before.get('a')!
        const out = await runGraph(b, {
          p: T(prev.p),
          g: T(host.get('a')!.g),
          m: T(prev.m),
          v: T(prev.v),
          step: new ort.Tensor('float32', Float32Array.of(adamwStepSize(lr, t, cfg)), []),
          decay: new ort.Tensor('float32', Float32Array.of(lr * cfg.weightDecay), []),
        })
        expect(Array.from(out.p2!.data as Float32Array), `ORT p, step ${t}`).toEqual(Array.from(arena.tensors.get('a')!.param))
        expect(Array.from(out.m2!.data as Float32Array), `ORT m, step ${t}`).toEqual(Array.from(arena.tensors.get('a')!.m))
      }
    }
    // Decay changes the result by lr·wd·p (here ~1e-4).
    const p = Float32Array.of(1)
    const noDecay = Float32Array.of(1)
    adamwUpdateHost(p, Float32Array.of(1e-3), new Float32Array(1), new Float32Array(1), 1e-3, 1, { ...PAPER_ADAMW, weightDecay: 0.1 })
    adamwUpdateHost(noDecay, Float32Array.of(1e-3), new Float32Array(1), new Float32Array(1), 1e-3, 1, PAPER_ADAMW)
    expect(Math.abs(noDecay[0]! - p[0]! - 1e-4 * noDecay[0]!)).toBeLessThan(1e-6)
  })
})

describe('dataset pipeline', () => {
  it('max_seq_len = min(int(mean + 10·std), max), unbiased std', () => {
    expect(maxSeqLen([12, 7, 11, 12, 8, 7, 10, 9, 9, 10, 9, 9, 11, 11, 10])).toBe(12)
    // One outlier: mean + 10·std caps below the maximum.
    const lens = [...Array.from({ length: 200 }, () => 10), 400]
    const mean = lens.reduce((a, b) => a + b) / lens.length
    const std = Math.sqrt(lens.reduce((a, b) => a + (b - mean) ** 2, 0) / (lens.length - 1))
    expect(maxSeqLen(lens)).toBe(Math.trunc(mean + 10 * std))
    expect(maxSeqLen(lens)).toBeLessThan(400)
  })

  it('pads with 0, masks [1]·P + [1]·len + [0]·pad, truncates, weights only non-zero targets ("!" = id 0 too)', () => {
    const items = [
      { embedding: Float32Array.of(3, 4), tokens: [5, 6, 7] },
      { embedding: Float32Array.of(1, 0), tokens: [8, 0, 9, 10, 11] }, // a genuine "!" (id 0) and too long
    ]
    const b = makeBatch(items, [0, 1], { prefixLength: 2, maxLen: 4, normalize: true })
    expect(Array.from(b.tokens, Number)).toEqual([5, 6, 7, 0, 8, 0, 9, 10])
    expect(Array.from(b.attentionMask, Number)).toEqual([1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1])
    expect(b.targets).toBe(6)
    expect(Array.from(b.lossWeight)).toEqual([1, 1, 1, 0, 1, 0, 1, 1].map((x) => Math.fround(x / 6)))
    expect(Array.from(b.clip)).toEqual([0.6000000238418579, 0.800000011920929, 1, 0])
    expect(Array.from(makeBatch(items, [0], { prefixLength: 2, maxLen: 4, normalize: false }).clip)).toEqual([3, 4])
  })

  it('normalises per item in float32 without epsilon and refuses a zero vector', () => {
    expect(Array.from(l2NormalizeF32(Float32Array.of(0, 2)))).toEqual([0, 1])
    expect(() => l2NormalizeF32(Float32Array.of(0, 0))).toThrow(/all-zero/)
  })

  it('batches: file order with --no-shuffle, seeded shuffles per epoch otherwise, drop_last', () => {
    expect(batchOrder(7, 3, { shuffle: false, seed: 1, epoch: 0 })).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ])
    const a = batchOrder(20, 4, { shuffle: true, seed: 5, epoch: 0 })
    expect(batchOrder(20, 4, { shuffle: true, seed: 5, epoch: 0 })).toEqual(a)
    expect(batchOrder(20, 4, { shuffle: true, seed: 5, epoch: 1 })).not.toEqual(a)
    expect(batchOrder(20, 4, { shuffle: true, seed: 6, epoch: 0 })).not.toEqual(a)
    expect(a.flat().sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i))
  })

  it('parses the --data JSON lines and names the line of a bad record', () => {
    const ok = parseDatasetJsonl('{"embedding":[1,2],"caption":"a dog."}\n\n{"image":"x.jpg","caption":"a cat."}\n', '/d/set.jsonl')
    expect(ok).toHaveLength(2)
    expect('image' in ok[1]! && ok[1].image).toBe('/d/x.jpg')
    expect(() => parseDatasetJsonl('{"embedding":[1,2],"caption":"a"}\n{"embedding":[1],"caption":"b"}', 'f.jsonl')).toThrow(
      /f\.jsonl:2: embedding has 1 values/,
    )
    expect(() => parseDatasetJsonl('{"caption":"b"}', 'f.jsonl')).toThrow(/f\.jsonl:1: needs "embedding"/)
    expect(() => parseDatasetJsonl('nope', 'f.jsonl')).toThrow(/f\.jsonl:1: not valid JSON/)
  })
})

describe('caption loss', () => {
  it('graph = float64 reference: slice [P−1:−1], ignore_index 0, mean over non-zero targets', async () => {
    const B = 2
    const P = 3
    const L = 4
    const V = 11
    const T = P + L
    const logits = randomTensor([B, T, V], 9, 4).data as Float32Array
    const tokens = BigInt64Array.from([3n, 7n, 0n, 0n, 1n, 0n, 10n, 2n])
    const items = [
      { embedding: Float32Array.of(1), tokens: [3, 7] },
      { embedding: Float32Array.of(1), tokens: [1, 0, 10, 2] },
    ]
    const batch = makeBatch(items, [0, 1], { prefixLength: P, maxLen: L, normalize: false })
    expect(Array.from(batch.tokens)).toEqual(Array.from(tokens))
    const b = new GraphBuilder('loss')
    const lg = b.input('logits', 'float32', [B, T, V])
    const ti = b.input('target_index', 'int64', [B, L])
    const lw = b.input('loss_weight', 'float32', [B, L])
    b.output(buildCaptionLoss(b, { logits: lg, targetIndex: ti, lossWeight: lw, prefixLength: P }).loss, 'loss')
    const out = await runGraph(b, {
      logits: new ort.Tensor('float32', logits, [B, T, V]),
      target_index: new ort.Tensor('int64', targetIndices(tokens, B, L, V), [B, L]),
      loss_weight: new ort.Tensor('float32', batch.lossWeight, [B, L]),
    })
    const ref = captionLossHost(logits, B, T, V, tokens, P)
    expect(Math.abs((out.loss!.data as Float32Array)[0]! - ref)).toBeLessThan(1e-5)
    // Hand check of one term: row 0, token 0 (= 3) is predicted by position P−1.
    const row = Array.from(logits.subarray((P - 1) * V, P * V))
    const max = Math.max(...row)
    const term0 = max + Math.log(row.reduce((a, x) => a + Math.exp(x - max), 0)) - row[3]!
    expect(term0).toBeGreaterThan(0)
    expect(ref * 5).toBeGreaterThan(term0 - 1e-9) // 5 non-zero targets, all terms positive
  })
})
