// Shared by the pipeline, worker and CLI tests: a generated tiny pack (made
// once per process in a temp folder) and small generated test images.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { ensureTinyPack } from '../packs/tiny-pack.ts'

let shared: string | null = null

/** A data dir holding the generated tiny pack (created once per test process). */
export function sharedTinyDataDir(): string {
  if (!shared) {
    shared = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-tiny-'))
    ensureTinyPack({ dataDir: shared })
  }
  return shared
}

/** Write a few distinct small images (PNG, JPEG, WebP) into `dir`. */
export async function writeTestImages(dir: string): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true })
  const files: string[] = []
  const specs: [string, number, number, [number, number, number]][] = [
    ['red.png', 300, 200, [220, 30, 30]],
    ['green.jpg', 180, 260, [30, 200, 60]],
    ['blue.webp', 240, 240, [40, 60, 220]],
  ]
  for (const [name, w, h, [r, g, b]] of specs) {
    const raw = Buffer.alloc(w * h * 3)
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = (y * w + x) * 3
        raw[i] = (r + x) % 256
        raw[i + 1] = (g + y) % 256
        raw[i + 2] = (b + x * y) % 256
      }
    }
    const file = path.join(dir, name)
    await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).toFile(file)
    files.push(file)
  }
  return files
}
