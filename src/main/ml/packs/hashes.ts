// Content hashes of a pack's files and the stable model ids derived from them.
//
// [Note: model ids]
// embeddingModelId changes exactly when the image/text embeddings can change:
// the CLIP config + weights. captionModelId covers CLIP + mapping + the
// EFFECTIVE GPT-2; because a mapping checkpoint may carry its own GPT-2 ("MLP +
// GPT-2 tuning"), the effective GPT-2 is keyed by both gpt2/ and the mapping
// file (conservative: it never misses a change). Ids are content hashes, so
// moving or re-installing a pack keeps them, and the library engine can tell
// which stored embeddings/captions are stale.
//
// Hashing 2 GB of real weights takes seconds, so file hashes are memoised in a
// small JSON file keyed by (absolute path, size, mtime).
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { Pack } from './pack.ts'

/** Bump when the compiled graphs change for the same weights: invalidates compile caches. */
export const COMPILER_VERSION = 'photocap-graphs-3'

export async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash('sha256')
  const stream = fs.createReadStream(file, { highWaterMark: 1 << 22 })
  for await (const chunk of stream) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

function sha256Text(parts: string[]): string {
  const h = crypto.createHash('sha256')
  for (const p of parts) h.update(`${p.length}:${p};`)
  return h.digest('hex')
}

interface MemoEntry {
  size: number
  mtimeMs: number
  sha256: string
}

export class HashMemo {
  private entries: Record<string, MemoEntry> = {}
  private dirty = false
  constructor(private readonly file: string | null) {
    if (file && fs.existsSync(file)) {
      try {
        const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown
        if (parsed && typeof parsed === 'object') this.entries = parsed as Record<string, MemoEntry>
      } catch {
        // A broken memo is only a cache: start over.
      }
    }
  }

  async hash(file: string): Promise<string> {
    const abs = path.resolve(file)
    const st = fs.statSync(abs)
    const e = this.entries[abs]
    if (e && e.size === st.size && e.mtimeMs === st.mtimeMs && typeof e.sha256 === 'string') return e.sha256
    const sha256 = await sha256File(abs)
    this.entries[abs] = { size: st.size, mtimeMs: st.mtimeMs, sha256 }
    this.dirty = true
    return sha256
  }

  save(): void {
    if (!this.file || !this.dirty) return
    fs.mkdirSync(path.dirname(this.file), { recursive: true })
    const tmp = `${this.file}.tmp-${process.pid}`
    fs.writeFileSync(tmp, JSON.stringify(this.entries))
    fs.renameSync(tmp, this.file)
    this.dirty = false
  }
}

export interface PackHashes {
  clip: string
  gpt2: string
  mapping: string
  /** Stable id of the embedding model (CLIP). */
  embeddingModelId: string
  /** Stable id of the caption model (CLIP + mapping + effective GPT-2). */
  captionModelId: string
  /** Key of the compiled ONNX files in the compile cache. */
  compileKey: string
}

export async function packHashes(pack: Pack, memo: HashMemo = new HashMemo(null)): Promise<PackHashes> {
  const clip = sha256Text(['clip', await memo.hash(pack.clip.configPath), await memo.hash(pack.clip.weightsPath)])
  const gpt2 = sha256Text(['gpt2', await memo.hash(pack.gpt2.configPath), await memo.hash(pack.gpt2.weightsPath)])
  const mapping = sha256Text([
    'mapping',
    await memo.hash(pack.mapping.configPath),
    await memo.hash(pack.mapping.weightsPath),
    JSON.stringify(pack.mapping.config),
  ])
  memo.save()
  const embeddingModelId = `clip-${clip.slice(0, 16)}`
  const captionModelId = `clipcap-${sha256Text([clip, mapping, gpt2]).slice(0, 16)}`
  const compileKey = sha256Text([COMPILER_VERSION, clip, mapping, gpt2, String(pack.imageSize)]).slice(0, 24)
  return { clip, gpt2, mapping, embeddingModelId, captionModelId, compileKey }
}
