// Finite-difference gradient checker: builds a small graph with the given
// inputs, appends its backward pass with addGradients, runs both in ONNX
// Runtime and compares each analytic gradient entry with a central difference
// (f(x+h) − f(x−h)) / 2h of the same float32 graph.
//
// A non-scalar output is reduced to a scalar with fixed pseudo-random weights,
// so every output element (and every path through broadcasting) is exercised.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as ort from 'onnxruntime-node'
import { GraphBuilder, type Value } from '../graph/builder.ts'
import { emitOnnx } from '../graph/emit-onnx.ts'
import type { HostTensor } from '../weights/tensor.ts'
import { addGradients } from './autodiff.ts'

export interface GradCheckInput {
  name: string
  tensor: HostTensor
  /** Differentiate with respect to this input (float32 only). Default true for float32. */
  differentiable?: boolean
}

export interface GradCheckResult {
  /** Per differentiable input: worst |analytic − numeric| and the scale it was judged against. */
  inputs: { name: string; maxAbsErr: number; maxRelErr: number; maxGrad: number; checked: number }[]
  loss: number
}

export interface GradCheckOptions {
  h?: number
  /** Check at most this many coordinates per input (spread evenly). */
  maxCoords?: number
  seed?: number
}

function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

export function randomTensor(shape: number[], seed: number, scale = 1, offset = 0): HostTensor {
  const rnd = lcg(seed)
  const n = shape.reduce((a, b) => a * b, 1)
  return { dtype: 'float32', shape, data: Float32Array.from({ length: n }, () => (rnd() * 2 - 1) * scale + offset) }
}

function toOrt(t: HostTensor): ort.Tensor {
  if (t.dtype === 'float32') return new ort.Tensor('float32', t.data as Float32Array, t.shape)
  if (t.dtype === 'int64') return new ort.Tensor('int64', t.data as BigInt64Array, t.shape)
  if (t.dtype === 'bool') return new ort.Tensor('bool', t.data as Uint8Array, t.shape)
  throw new Error(`gradcheck: unsupported input dtype ${t.dtype}`)
}

export async function checkGradients(
  build: (b: GraphBuilder, inputs: Value[]) => Value,
  inputs: GradCheckInput[],
  opts: GradCheckOptions = {},
): Promise<GradCheckResult> {
  const h = opts.h ?? 1e-3
  const b = new GraphBuilder('gradcheck')
  const handles = inputs.map((i) => b.input(i.name, i.tensor.dtype, [...i.tensor.shape]))
  const out = build(b, handles)
  let loss = out
  if (out.shape.length > 0) {
    if (!out.shape.every((d) => typeof d === 'number')) throw new Error(`gradcheck: output ${out.name} must have a static shape, got [${out.shape}]`)
    const w = randomTensor(out.shape as number[], (opts.seed ?? 7) + 1000, 1, 0)
    loss = b.reduceSum(
      b.mul(out, b.constant(w, 'probe')),
      out.shape.map((_, i) => i),
      false,
    )
  }
  const diffIdx = inputs.map((i, k) => ((i.differentiable ?? i.tensor.dtype === 'float32') ? k : -1)).filter((k) => k >= 0)
  const grads = addGradients(
    b,
    loss,
    diffIdx.map((k) => handles[k]!),
  )
  b.output(loss, 'loss')
  diffIdx.forEach((k) => b.output(grads.get(handles[k]!.name)!, `grad_${k}`))
  const graph = b.build()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradcheck-'))
  try {
    const { modelPath } = emitOnnx(graph, { dir })
    const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1, graphOptimizationLevel: 'disabled' })
    const feeds = (over?: { k: number; data: Float32Array }): Record<string, ort.Tensor> => {
      const f: Record<string, ort.Tensor> = {}
      inputs.forEach((inp, k) => {
        f[inp.name] = over && over.k === k ? new ort.Tensor('float32', over.data, inp.tensor.shape) : toOrt(inp.tensor)
      })
      return f
    }
    const base = await session.run(feeds())
    const result: GradCheckResult = { inputs: [], loss: Number((base.loss!.data as Float32Array)[0]) }
    for (const k of diffIdx) {
      const inp = inputs[k]!
      const analytic = base[`grad_${k}`]!.data as Float32Array
      const x = inp.tensor.data as Float32Array
      if (analytic.length !== x.length) throw new Error(`gradcheck: gradient of ${inp.name} has ${analytic.length} entries, input has ${x.length}`)
      const maxGrad = analytic.reduce((m, v) => Math.max(m, Math.abs(v)), 0)
      const n = x.length
      const count = Math.min(n, opts.maxCoords ?? 64)
      let maxAbsErr = 0
      let maxRelErr = 0
      for (let c = 0; c < count; c++) {
        const j = count === n ? c : Math.floor((c * n) / count)
        const plus = Float32Array.from(x)
        plus[j] = x[j]! + h
        const minus = Float32Array.from(x)
        minus[j] = x[j]! - h
        const fp = (await session.run(feeds({ k, data: plus }))).loss!.data as Float32Array
        const fm = (await session.run(feeds({ k, data: minus }))).loss!.data as Float32Array
        const numeric = (fp[0]! - fm[0]!) / (plus[j]! - minus[j]!)
        const err = Math.abs(numeric - analytic[j]!)
        maxAbsErr = Math.max(maxAbsErr, err)
        maxRelErr = Math.max(maxRelErr, err / Math.max(Math.abs(numeric), Math.abs(analytic[j]!), 1e-3))
      }
      result.inputs.push({ name: inp.name, maxAbsErr, maxRelErr, maxGrad, checked: count })
    }
    await session.release()
    return result
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
