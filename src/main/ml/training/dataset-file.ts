// The `photocap train --data` file: JSON lines of {"embedding": [floats],
// "caption": "..."} or {"image": "path", "caption": "..."} (image paths are
// relative to the file's folder). Errors name the file, the line and why.
import fs from 'node:fs'
import path from 'node:path'

export type DatasetLine = { line: number; caption: string } & ({ embedding: Float32Array } | { image: string })

export function parseDatasetJsonl(text: string, file: string): DatasetLine[] {
  const out: DatasetLine[] = []
  const lines = text.split(/\r?\n/)
  let dim: number | null = null
  lines.forEach((raw, i) => {
    const line = i + 1
    if (!raw.trim()) return
    let obj: unknown
    try {
      obj = JSON.parse(raw)
    } catch (e) {
      throw new Error(`${file}:${line}: not valid JSON (${e instanceof Error ? e.message : String(e)})`)
    }
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new Error(`${file}:${line}: expected a JSON object`)
    const o = obj as Record<string, unknown>
    if (typeof o.caption !== 'string' || !o.caption.length) throw new Error(`${file}:${line}: "caption" must be a non-empty string`)
    if (Array.isArray(o.embedding)) {
      const emb = o.embedding
      if (!emb.length || !emb.every((x) => typeof x === 'number' && Number.isFinite(x)))
        throw new Error(`${file}:${line}: "embedding" must be a non-empty array of finite numbers`)
      if (dim !== null && emb.length !== dim) throw new Error(`${file}:${line}: embedding has ${emb.length} values, earlier lines have ${dim}`)
      dim = emb.length
      out.push({ line, caption: o.caption, embedding: Float32Array.from(emb as number[]) })
    } else if (typeof o.image === 'string' && o.image.length) {
      out.push({ line, caption: o.caption, image: path.resolve(path.dirname(file), o.image) })
    } else throw new Error(`${file}:${line}: needs "embedding" (array of numbers) or "image" (a path)`)
  })
  if (!out.length) throw new Error(`${file}: no examples`)
  return out
}

export function readDatasetJsonl(file: string): DatasetLine[] {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (e) {
    throw new Error(`${file}: cannot read the dataset (${e instanceof Error ? e.message : String(e)})`)
  }
  return parseDatasetJsonl(text, file)
}
