// Test support for the golden-vector tests of the ML models: fixture paths
// (copies of ../shared/reference/golden in test/fixtures/golden), tolerance
// checks (exact tokens, absolute/relative tolerances per tensor class), and compile-and-open helpers.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as ort from 'onnxruntime-node'
import { emitOnnx } from '../../graph/emit-onnx.ts'
import type { Graph } from '../../graph/ir.ts'
import { optimizeForInference } from '../../graph/optimize.ts'
import { readSafetensors } from '../../weights/safetensors.ts'
import type { HostTensor } from '../../weights/tensor.ts'

export const GOLDEN_DIR = fileURLToPath(new URL('../../../../../test/fixtures/golden/', import.meta.url))

export function golden(...parts: string[]): string {
  return path.join(GOLDEN_DIR, ...parts)
}

export function readGolden(...parts: string[]): Map<string, HostTensor> {
  return readSafetensors(golden(...parts))
}

export function tensor(map: Map<string, HostTensor>, name: string): HostTensor {
  const t = map.get(name)
  if (!t) throw new Error(`golden fixture has no tensor ${name}`)
  return t
}

export function tmpDir(prefix = 'photocap-ml-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix))
}

/**
 * Elementwise |a − e| ≤ atol + rtol·|e|; returns null or a message naming the
 * worst element. Shapes must match exactly.
 */
export function allcloseReport(actual: ArrayLike<number>, actualShape: readonly number[], expected: HostTensor, atol: number, rtol: number): string | null {
  if (actualShape.length !== expected.shape.length || actualShape.some((d, i) => d !== expected.shape[i])) {
    return `shape [${actualShape}] != expected [${expected.shape}]`
  }
  const e = expected.data as Float32Array
  let worst = -1
  let worstExcess = 0
  let maxAbs = 0
  for (let i = 0; i < e.length; i++) {
    const diff = Math.abs(actual[i]! - e[i]!)
    if (!(diff <= atol + rtol * Math.abs(e[i]!))) {
      const excess = Number.isNaN(diff) ? Infinity : diff - (atol + rtol * Math.abs(e[i]!))
      if (excess > worstExcess || worst < 0) {
        worst = i
        worstExcess = excess
      }
    }
    if (diff > maxAbs) maxAbs = diff
  }
  if (worst < 0) return null
  return `element ${worst}: got ${actual[worst]}, expected ${e[worst]} (atol ${atol}, rtol ${rtol}; max abs diff ${maxAbs})`
}

/** Compile a graph to a temp folder (inference clean-ups applied) and open it on CPU with one thread. */
export async function openGraph(graph: Graph, threshold = 1024): Promise<ort.InferenceSession> {
  const dir = tmpDir()
  const res = emitOnnx(optimizeForInference(graph), { dir, externalDataThreshold: threshold })
  return ort.InferenceSession.create(res.modelPath, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' })
}

export function ortTensor(t: HostTensor): ort.Tensor {
  if (t.dtype === 'float32') return new ort.Tensor('float32', t.data as Float32Array, t.shape)
  if (t.dtype === 'int64') return new ort.Tensor('int64', t.data as BigInt64Array, t.shape)
  throw new Error(`ortTensor: unsupported dtype ${t.dtype}`)
}

export function f32Tensor(data: Float32Array, shape: number[]): ort.Tensor {
  return new ort.Tensor('float32', data, shape)
}

export function i64Tensor(values: ArrayLike<number> | BigInt64Array, shape: number[]): ort.Tensor {
  const data = values instanceof BigInt64Array ? values : BigInt64Array.from(Array.from(values), (x) => BigInt(x))
  return new ort.Tensor('int64', data, shape)
}
