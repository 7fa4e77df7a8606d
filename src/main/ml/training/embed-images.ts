// Embedding the images of a `--data` file with the pack's CLIP, once: the
// vectors are cached next to the dataset (DATASET.embeddings.<pack hash>.safetensors)
// so a second run does not decode and embed the images again.
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { MlService } from '../service.ts'
import { readSafetensors, writeSafetensors } from '../weights/safetensors.ts'
import type { HostTensor } from '../weights/tensor.ts'

type EmbedService = Pick<MlService, 'embedImages' | 'close'>

async function openService(packDir: string): Promise<EmbedService> {
  const { createInProcessMlService } = await import('../pipeline/index.ts')
  const dataDir = path.join(os.tmpdir(), 'photocap-train-embed')
  return createInProcessMlService({ packDir, dataDir, threads: 2 })
}

export async function embedImageFiles(packDir: string, files: string[], datasetFile: string): Promise<Map<number, Float32Array>> {
  const hash = crypto.createHash('sha256')
  // Whichever CLIP weights the pack has (HF model.safetensors, or a ResNet CLIP's open_clip files).
  const clipWeights = ['model.safetensors', 'open_clip_model.safetensors', 'open_clip_pytorch_model.bin']
    .map((f) => path.join(packDir, 'clip', f))
    .filter((f) => fs.existsSync(f))
  hash.update(clipWeights.length ? clipWeights.map((f) => `${fs.statSync(f).size}:${fs.statSync(f).mtimeMs}`).join('|') : packDir)
  for (const f of files) {
    const st = fs.statSync(f, { throwIfNoEntry: false })
    if (!st) throw new Error(`${datasetFile}: image ${f} does not exist`)
    hash.update(`${f}\0${st.size}\0${st.mtimeMs}\0`)
  }
  const cache = `${datasetFile}.embeddings.${hash.digest('hex').slice(0, 16)}.safetensors`
  if (fs.existsSync(cache)) {
    const t = readSafetensors(cache).get('embeddings')
    if (t && t.shape[0] === files.length) {
      const d = t.shape[1]!
      const data = t.data as Float32Array
      return new Map(files.map((_, i) => [i, data.slice(i * d, (i + 1) * d)]))
    }
  }
  const service = await openService(packDir)
  try {
    const res = await service.embedImages(files)
    const out = new Map<number, Float32Array>()
    res.forEach((r, i) => {
      if (!r.ok) throw new Error(`${files[i]}: cannot embed the image (${'error' in r ? String(r.error) : 'unknown reason'})`)
      out.set(i, r.embedding)
    })
    const d = out.get(0)!.length
    const data = new Float32Array(files.length * d)
    out.forEach((e, i) => data.set(e, i * d))
    const t: HostTensor = { dtype: 'float32', shape: [files.length, d], data }
    writeSafetensors(cache, { embeddings: t }, { note: 'CLIP image embeddings of the dataset, in file order' })
    return out
  } finally {
    await service.close()
  }
}
