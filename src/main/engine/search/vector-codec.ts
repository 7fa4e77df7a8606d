// Pure encodings of embedding vectors for the in-memory index (vector-index.ts).
// Stored vectors are L2-normalised first, so a dot product is the cosine.

/** A unit-length copy of `v`; a zero vector stays zero (it matches nothing). */
export function normalize(v: ArrayLike<number>): Float32Array {
  let sum = 0
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!
  const out = new Float32Array(v.length)
  if (sum === 0 || !Number.isFinite(sum)) return out
  const inv = 1 / Math.sqrt(sum)
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * inv
  return out
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!
  return s
}

const f32 = new Float32Array(1)
const u32 = new Uint32Array(f32.buffer)

/**
 * IEEE 754 half from a float with round-to-nearest-even. Values below the smallest
 * normal half (2^-14) are flushed to a signed zero: for unit vectors that error
 * is under 6e-5 per component, far below the half's own rounding step near 1.
 */
export function floatToHalf(x: number): number {
  f32[0] = x
  const bits = u32[0]!
  const sign = (bits >>> 16) & 0x8000
  const exp = (bits >>> 23) & 0xff
  let mant = bits & 0x7fffff
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0)
  const e = exp - 127 + 15
  if (e >= 0x1f) return sign | 0x7c00
  if (e <= 0) return sign
  // round to nearest even on the 13 dropped bits
  const rest = mant & 0x1fff
  mant >>>= 13
  let half = sign | (e << 10) | mant
  if (rest > 0x1000 || (rest === 0x1000 && (mant & 1) === 1)) half++
  return half
}

// The one half-to-float conversion, shared with the weight readers.
export { halfToFloat } from '../../ml/weights/to-float32.ts'

/** Symmetric int8 quantisation with one scale per vector: v ≈ codes * scale. */
export function quantizeInt8(v: ArrayLike<number>, codes: Int8Array, offset = 0): number {
  let max = 0
  for (let i = 0; i < v.length; i++) max = Math.max(max, Math.abs(v[i]!))
  if (max === 0) {
    codes.fill(0, offset, offset + v.length)
    return 0
  }
  const scale = max / 127
  for (let i = 0; i < v.length; i++) codes[offset + i] = Math.round(v[i]! / scale)
  return scale
}

/**
 * The query side of the int8 kernel: int16 codes, as fine as possible while
 * dim * 127 * max|code| stays below 2^31 (the kernel's i32 accumulators).
 */
export function quantizeQueryInt16(q: ArrayLike<number>, codes: Int16Array): number {
  let max = 0
  for (let i = 0; i < q.length; i++) max = Math.max(max, Math.abs(q[i]!))
  if (max === 0) {
    codes.fill(0)
    return 0
  }
  const limit = Math.min(32767, Math.floor((2 ** 31 - 1) / (q.length * 127)))
  const scale = max / limit
  for (let i = 0; i < q.length; i++) codes[i] = Math.round(q[i]! / scale)
  return scale
}
