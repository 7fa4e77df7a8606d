// A generated captioning dataset for proving that training learns: coloured
// shapes (circle, square, triangle, …) at random positions and sizes on a
// light background, each captioned by a template ("a red circle."). Written
// as PNG files plus a `--data` JSON-lines file.
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { mulberry32 } from './dataset.ts'

export const SHAPE_COLORS: Record<string, [number, number, number]> = {
  red: [220, 30, 30],
  green: [30, 170, 40],
  blue: [30, 60, 220],
  yellow: [235, 215, 20],
}
export const SHAPES = ['circle', 'square', 'triangle'] as const

export interface ShapeExample {
  file: string
  caption: string
  color: string
  shape: (typeof SHAPES)[number]
}

function inside(shape: (typeof SHAPES)[number], x: number, y: number, cx: number, cy: number, r: number): boolean {
  const dx = x - cx
  const dy = y - cy
  if (shape === 'circle') return dx * dx + dy * dy <= r * r
  if (shape === 'square') return Math.abs(dx) <= r * 0.85 && Math.abs(dy) <= r * 0.85
  // upward triangle with its base at cy + r
  if (dy > r || dy < -r) return false
  const half = ((dy + r) / (2 * r)) * r
  return Math.abs(dx) <= half
}

/** Render `count` images (cycling through every colour × shape) into `dir`. */
export interface ShapesOptions {
  /** Image side in pixels. */
  size?: number
  /** Shape radius as a fraction of the side: [min, max]. */
  radius?: [number, number]
  /** Largest offset of the centre from the middle, as a fraction of the side. */
  jitter?: number
}

export async function writeShapesDataset(dir: string, count: number, seed: number, opts: ShapesOptions = {}): Promise<ShapeExample[]> {
  const size = opts.size ?? 64
  const [rMin, rMax] = opts.radius ?? [0.25, 0.35]
  const jitter = opts.jitter ?? 0.1
  fs.mkdirSync(dir, { recursive: true })
  const rnd = mulberry32(seed)
  const colors = Object.keys(SHAPE_COLORS)
  const out: ShapeExample[] = []
  for (let i = 0; i < count; i++) {
    const color = colors[i % colors.length]!
    const shape = SHAPES[Math.floor(i / colors.length) % SHAPES.length]!
    const r = size * (rMin + (rMax - rMin) * rnd())
    const cx = size * (0.5 + jitter * (2 * rnd() - 1))
    const cy = size * (0.5 + jitter * (2 * rnd() - 1))
    const bg = 230 + Math.floor(20 * rnd())
    const [cr, cg, cb] = SHAPE_COLORS[color]!
    const px = Buffer.alloc(size * size * 3)
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const o = (y * size + x) * 3
        const hit = inside(shape, x + 0.5, y + 0.5, cx, cy, r)
        px[o] = hit ? cr : bg
        px[o + 1] = hit ? cg : bg
        px[o + 2] = hit ? cb : bg
      }
    }
    const file = path.join(dir, `shape-${String(i).padStart(4, '0')}.png`)
    await sharp(px, { raw: { width: size, height: size, channels: 3 } })
      .png()
      .toFile(file)
    out.push({ file, caption: `a ${color} ${shape}.`, color, shape })
  }
  return out
}
