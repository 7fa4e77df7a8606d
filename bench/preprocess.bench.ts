// CLIP input preparation on the CPU: image file -> pixel_values (sharp cubic resize,
// no shrink-on-load, as the golden tolerances require), and the two tokenizers.
// Figures are per item medians in milliseconds.
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { median, type BenchContext } from './run.ts'
import { loadClipPixels } from '../src/main/ml/preprocess/image-decode.ts'
import { loadGpt2Tokenizer } from '../src/main/ml/tokenizers/gpt2-vocab-files.ts'
import { ClipTokenizer } from '../src/main/ml/tokenizers/clip-bpe.ts'
import { generateClipVocab } from '../src/main/ml/tokenizers/clip-vocab-gen.ts'

export const name = 'preprocess'

async function photo(file: string, width: number, height: number): Promise<void> {
  // A noisy gradient compresses like a photo (flat colours would flatter the decoder).
  const px = Buffer.alloc(width * height * 3)
  let seed = 12345
  for (let i = 0; i < px.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    px[i] = ((i % (width * 3)) / 12 + (seed & 31)) & 0xff
  }
  await sharp(px, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toFile(file)
}

async function time(fn: () => Promise<unknown> | unknown, reps: number): Promise<number> {
  const ms: number[] = []
  for (let i = 0; i < reps; i++) {
    const t = performance.now()
    await fn()
    ms.push(performance.now() - t)
  }
  return median(ms)
}

export async function run(ctx: BenchContext): Promise<Record<string, unknown>> {
  const figures: Record<string, unknown> = {}
  const sizes: Array<[string, number, number]> = ctx.quick
    ? [['jpeg_1mp', 1280, 800]]
    : [
        ['jpeg_1mp', 1280, 800],
        ['jpeg_12mp', 4032, 3024],
        ['jpeg_48mp', 8064, 6048],
      ]
  for (const [label, w, h] of sizes) {
    const file = path.join(ctx.tmpDir, `${label}.jpg`)
    await photo(file, w, h)
    ctx.log(`${label}: ${(fs.statSync(file).size / 1e6).toFixed(1)} MB`)
    figures[`${label}_ms`] = await time(() => loadClipPixels(file), ctx.quick ? 2 : 5)
  }
  const captions = Array.from({ length: 200 }, (_, i) => `A photo of ${i} dogs playing with a red ball on the beach near the water.`)
  const gpt2 = loadGpt2Tokenizer()
  figures.gpt2_encode_caption_us = ((await time(() => captions.forEach((c) => gpt2.encode(c)), 5)) * 1000) / captions.length
  const ids = captions.map((c) => gpt2.encode(c))
  figures.gpt2_decode_caption_us = ((await time(() => ids.forEach((c) => gpt2.decode(c, { hfCleanup: true })), 5)) * 1000) / captions.length
  const clipVocab = generateClipVocab(captions, 200)
  const clip = new ClipTokenizer({ encoder: JSON.parse(clipVocab.vocabJson) as Record<string, number>, merges: clipVocab.merges })
  figures.clip_tokenize_caption_us = ((await time(() => captions.forEach((c) => clip.tokenize(c)), 5)) * 1000) / captions.length
  return figures
}
