import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { GraphBuilder } from './builder.ts'
import { emitOnnx } from './emit-onnx.ts'
import { foldInitializerTransposes, optimizeForInference, pruneUnused, transposeHost } from './optimize.ts'

describe('transposeHost', () => {
  it('transposes 2-D float32 (blocked path) and N-D tensors of any dtype', () => {
    const r = 70
    const c = 130 // not multiples of the block size
    const data = Float32Array.from({ length: r * c }, (_, i) => i)
    const t = transposeHost({ dtype: 'float32', shape: [r, c], data }, [1, 0])
    expect(t.shape).toEqual([c, r])
    for (const [i, j] of [
      [0, 0],
      [69, 129],
      [5, 77],
      [64, 64],
    ] as const)
      expect(t.data[j * r + i]).toBe(data[i * c + j])
    const x = { dtype: 'int64' as const, shape: [2, 3, 4], data: BigInt64Array.from({ length: 24 }, (_, i) => BigInt(i)) }
    const y = transposeHost(x, [2, 0, 1])
    expect(y.shape).toEqual([4, 2, 3])
    // y[k, a, b] = x[a, b, k]
    expect(y.data[3 * 6 + 1 * 3 + 2]).toBe(x.data[1 * 12 + 2 * 4 + 3])
  })
})

describe('inference clean-ups', () => {
  it('folding Transpose(weight) and pruning dead nodes keeps the outputs identical', async () => {
    const build = () => {
      const g = new GraphBuilder('fold')
      const x = g.input('x', 'float32', [2, 3])
      const w = g.initializer('w', { dtype: 'float32', shape: [4, 3], data: Float32Array.from({ length: 12 }, (_, i) => i / 10 - 0.5) })
      const shared = g.initializer('shared', { dtype: 'float32', shape: [3, 3], data: Float32Array.from({ length: 9 }, (_, i) => i) })
      const y = g.matmul(g.matmul(x, g.transpose(shared, [1, 0])), shared) // shared has two readers: not folded
      g.output(g.matmul(y, g.transpose(w, [1, 0])), 'y')
      g.tanh(x) // dead
      return g.build()
    }
    const plain = build()
    const opt = optimizeForInference(build())
    expect(opt.nodes.filter((n) => n.op === 'Transpose')).toHaveLength(1)
    expect(opt.nodes.some((n) => n.op === 'Tanh')).toBe(false)
    expect(opt.initializers.has('w')).toBe(false)
    expect(opt.initializers.has('shared')).toBe(true)
    const xs = new ort.Tensor('float32', Float32Array.from([1, -2, 3, 0.5, 0, -1]), [2, 3])
    const results: Float32Array[] = []
    for (const graph of [plain, opt]) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fold-'))
      const s = await ort.InferenceSession.create(emitOnnx(graph, { dir }).modelPath, { intraOpNumThreads: 1 })
      results.push((await s.run({ x: xs })).y!.data as Float32Array)
    }
    expect(Array.from(results[1]!)).toEqual(Array.from(results[0]!))
  })

  it('does not fold a transposed weight that is also a graph output', () => {
    const g = new GraphBuilder('keep')
    const w = g.initializer('w', { dtype: 'float32', shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) })
    g.output(g.transpose(w, [1, 0]), 't')
    g.output(w, 'w')
    const graph = foldInitializerTransposes(pruneUnused(g.build()))
    expect(graph.nodes.map((n) => n.op)).toContain('Transpose')
  })
})
