// Weight-only quantization (quantize.ts): ONNX Runtime's MatMulNBits computes
// exactly x · dequantize(W) for our packing, and the quantized weights are
// within half a step of the originals.
import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { GraphBuilder } from './builder.ts'
import { emitOnnx } from './emit-onnx.ts'
import { pruneUnused } from './optimize.ts'
import { dequantizeAt, quantizeBlockwise, quantizeWeights } from './quantize.ts'
import { tmpDir } from '../models/testing/golden.ts'

const K = 80 // not a multiple of the block: the last block is zero-padded
const N = 96
const w = Float32Array.from({ length: K * N }, (_, i) => Math.sin(i * 0.37) * 0.05 + (i % 7) * 1e-3)
const x = Float32Array.from({ length: 3 * K }, (_, i) => Math.cos(i * 0.11))

function graph(head: boolean) {
  const g = new GraphBuilder('q')
  const input = g.input('x', 'float32', ['b', K])
  if (head) {
    // The tied LM head: Gemm(x, W[N,K], transB).
    const wt = Float32Array.from({ length: K * N }, (_, i) => w[(i % K) * N + Math.floor(i / K)]!)
    g.output(g.gemm(input, g.initializer('w', { dtype: 'float32', shape: [N, K], data: wt }), null, { transB: true }), 'y')
  } else {
    g.output(g.matmul(input, g.initializer('w', { dtype: 'float32', shape: [K, N], data: w })), 'y')
  }
  return g.build()
}

describe('MatMulNBits weight quantization', () => {
  for (const bits of [4, 8] as const) {
    it(`${bits}-bit: weights within half a step; ORT equals x · dequantized W (MatMul and tied head)`, async () => {
      const qz = quantizeBlockwise((k, n) => w[k * N + n]!, K, N, bits, 32)
      for (let n = 0; n < N; n++) {
        for (let k = 0; k < K; k++) {
          const step = qz.scales[n * qz.kBlocks + Math.floor(k / 32)]!
          expect(Math.abs(dequantizeAt(qz, k, n, bits, 32) - w[k * N + n]!)).toBeLessThanOrEqual(step / 2 + 1e-9)
        }
      }
      for (const head of [false, true]) {
        const g = pruneUnused(quantizeWeights(graph(head), { bits, accuracyLevel: 0, minValues: 1 }))
        expect(g.nodes.map((n) => n.op)).toEqual(['MatMulNBits'])
        expect(g.initializers.has('w')).toBe(false)
        const s = await ort.InferenceSession.create(emitOnnx(g, { dir: tmpDir() }).modelPath, { intraOpNumThreads: 1 })
        const y = (await s.run({ x: new ort.Tensor('float32', x, [3, K]) })).y!.data as Float32Array
        await s.release()
        let worst = 0
        for (let b = 0; b < 3; b++) {
          for (let n = 0; n < N; n++) {
            let want = 0
            for (let k = 0; k < K; k++) want += x[b * K + k]! * dequantizeAt(qz, k, n, bits, 32)
            worst = Math.max(worst, Math.abs(want - y[b * N + n]!))
          }
        }
        expect(worst).toBeLessThan(1e-5)
      }
    })
  }
})
