// Plain-JS twins of the SIMD kernels in wasm-kernels.ts ([Note: SIMD scoring kernels]):
// the reference the kernels are tested against, and the fallback where a runtime
// has no WebAssembly SIMD. Same inputs, same outputs (up to float rounding order).
import { halfToFloat } from './vector-codec.ts'

export function dotF32Js(q: Float32Array, m: Float32Array, n: number, dim: number, out: Float32Array): void {
  for (let r = 0; r < n; r++) {
    const o = r * dim
    let s = 0
    for (let j = 0; j < dim; j++) s += m[o + j]! * q[j]!
    out[r] = s
  }
}

let halfTable: Float32Array | null = null
function halves(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536)
    for (let h = 0; h < 65536; h++) halfTable[h] = halfToFloat(h)
  }
  return halfTable
}

/** `q` here is the plain (unscaled) query. */
export function dotF16Js(q: Float32Array, m: Uint16Array, n: number, dim: number, out: Float32Array): void {
  const table = halves()
  for (let r = 0; r < n; r++) {
    const o = r * dim
    let s = 0
    for (let j = 0; j < dim; j++) s += table[m[o + j]!]! * q[j]!
    out[r] = s
  }
}

export function dotI8Js(q16: Int16Array, m: Int8Array, scales: Float32Array, n: number, dim: number, qscale: number, out: Float32Array): void {
  for (let r = 0; r < n; r++) {
    const o = r * dim
    let s = 0
    for (let j = 0; j < dim; j++) s += m[o + j]! * q16[j]!
    out[r] = s * scales[r]! * qscale
  }
}
