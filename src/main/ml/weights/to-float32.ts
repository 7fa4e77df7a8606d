// Weights stored as float64, float16 or bfloat16 are computed in float32. One
// conversion for every weight format that has them (safetensors, PyTorch
// checkpoints): little-endian values in, a new Float32Array out.

export type WidenedDType = 'float64' | 'float16' | 'bfloat16'

/** The `n` values of `dtype` at the start of `view` as float32 (rounded to nearest for float64). */
export function toFloat32(dtype: WidenedDType, view: DataView, n: number): Float32Array {
  const out = new Float32Array(n)
  switch (dtype) {
    case 'float64':
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true)
      break
    case 'float16':
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(i * 2, true))
      break
    case 'bfloat16': {
      // bfloat16 is the top half of a float32's bits.
      const bits = new Uint32Array(out.buffer)
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(i * 2, true) << 16
      break
    }
  }
  return out
}

/** An IEEE 754 half (as its 16 bits) as a number, subnormals, infinities and NaN included. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1
  const exp = (h >> 10) & 0x1f
  const frac = h & 0x3ff
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024)
  if (exp === 0x1f) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY
  return sign * 2 ** (exp - 15) * (1 + frac / 1024)
}
