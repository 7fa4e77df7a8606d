// Pixel stages after the resize, as pure functions over typed arrays:
// centre crop + "convert to RGB" (grey replicated, alpha dropped without
// compositing, as the reference's PIL convert('RGB')) and ToTensor + Normalize in float32.

export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const

/**
 * Crop a `size`x`size` window at (top, left) out of interleaved pixels with
 * 1 (grey), 2 (grey+alpha), 3 (RGB) or 4 (RGBA) channels; returns RGB HWC u8.
 */
export function cropToRgb(pixels: Uint8Array, width: number, height: number, channels: number, size: number, top: number, left: number): Uint8Array {
  if (pixels.length !== width * height * channels) throw new Error(`cropToRgb: ${pixels.length} bytes do not make a ${width}x${height}x${channels} image`)
  if (top < 0 || left < 0 || top + size > height || left + size > width)
    throw new Error(`cropToRgb: a ${size}x${size} crop at (${top}, ${left}) does not fit a ${width}x${height} image`)
  const out = new Uint8Array(size * size * 3)
  const grey = channels <= 2
  for (let y = 0; y < size; y++) {
    let src = ((top + y) * width + left) * channels
    let dst = y * size * 3
    for (let x = 0; x < size; x++, src += channels, dst += 3) {
      if (grey) {
        const v = pixels[src]!
        out[dst] = v
        out[dst + 1] = v
        out[dst + 2] = v
      } else {
        out[dst] = pixels[src]!
        out[dst + 1] = pixels[src + 1]!
        out[dst + 2] = pixels[src + 2]!
      }
    }
  }
  return out
}

// [Note: bit-exact normalisation]
// torchvision computes u8/255, then (x - mean) / std, each in float32 with mean and
// std rounded to float32; rounding after every operation reproduces it bit for bit.
const MEAN32 = CLIP_MEAN.map(Math.fround)
const STD32 = CLIP_STD.map(Math.fround)
const LUT: Float32Array[] = [0, 1, 2].map((c) => {
  const t = new Float32Array(256)
  for (let u = 0; u < 256; u++) t[u] = Math.fround(Math.fround(Math.fround(u / 255) - MEAN32[c]!) / STD32[c]!)
  return t
})

/** RGB HWC u8 [size,size,3] -> normalised CHW float32 [3,size,size]. */
export function normalizeRgbToChw(rgb: Uint8Array, size: number): Float32Array {
  const plane = size * size
  if (rgb.length !== plane * 3) throw new Error(`normalizeRgbToChw: expected ${plane * 3} bytes for ${size}x${size} RGB, got ${rgb.length}`)
  const out = new Float32Array(plane * 3)
  const [r, g, b] = LUT as [Float32Array, Float32Array, Float32Array]
  for (let i = 0, j = 0; i < plane; i++, j += 3) {
    out[i] = r[rgb[j]!]!
    out[plane + i] = g[rgb[j + 1]!]!
    out[2 * plane + i] = b[rgb[j + 2]!]!
  }
  return out
}

/** Stack per-image CHW tensors into one [B,3,S,S] buffer. */
export function stackChw(images: readonly Float32Array[], size: number): Float32Array {
  const each = 3 * size * size
  const out = new Float32Array(images.length * each)
  images.forEach((img, i) => {
    if (img.length !== each) throw new Error(`stackChw: image ${i} has ${img.length} values, expected ${each} (3x${size}x${size})`)
    out.set(img, i * each)
  })
  return out
}
