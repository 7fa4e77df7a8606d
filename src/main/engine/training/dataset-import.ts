// Importing a captioned image dataset for training: a COCO-style
// captions JSON ({images: [{id, file_name}], annotations: [{image_id,
// caption}]}) plus its image folder, or a folder of images with a `.txt`
// caption beside each (same base name; one caption per non-empty line). The
// result is the `--data` JSON-lines form ({"image", "caption"}); the images
// are embedded once by the trainer and the vectors cached (embed-images.ts).
import fs from 'node:fs'
import path from 'node:path'

export interface ImportedCaption {
  image: string
  caption: string
}

const IMAGE_EXT = /\.(jpe?g|png|webp|gif|tiff?|heic|heif|avif|bmp)$/i

export function importCocoCaptions(jsonFile: string, imageDir: string): ImportedCaption[] {
  let data: unknown
  try {
    data = JSON.parse(fs.readFileSync(jsonFile, 'utf8'))
  } catch (e) {
    throw new Error(`${jsonFile}: cannot read the COCO captions file (${e instanceof Error ? e.message : String(e)})`)
  }
  const d = data as { images?: unknown; annotations?: unknown }
  if (!Array.isArray(d.images) || !Array.isArray(d.annotations))
    throw new Error(`${jsonFile}: not a COCO captions file (needs "images" and "annotations" arrays)`)
  const files = new Map<number, string>()
  for (const im of d.images as { id?: unknown; file_name?: unknown }[]) {
    if (typeof im.id !== 'number' || typeof im.file_name !== 'string') throw new Error(`${jsonFile}: every image needs a numeric "id" and a "file_name"`)
    files.set(im.id, path.resolve(imageDir, im.file_name))
  }
  const out: ImportedCaption[] = []
  for (const a of d.annotations as { image_id?: unknown; caption?: unknown }[]) {
    if (typeof a.image_id !== 'number' || typeof a.caption !== 'string')
      throw new Error(`${jsonFile}: every annotation needs a numeric "image_id" and a "caption"`)
    const file = files.get(a.image_id)
    if (!file) throw new Error(`${jsonFile}: annotation for image_id ${a.image_id}, which is not in "images"`)
    if (!fs.existsSync(file)) throw new Error(`${jsonFile}: image ${file} (image_id ${a.image_id}) does not exist`)
    const caption = a.caption.trim()
    if (caption) out.push({ image: file, caption })
  }
  if (!out.length) throw new Error(`${jsonFile}: no captions`)
  return out
}

export function importCaptionFolder(dir: string): ImportedCaption[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`${dir}: not a folder`)
  const out: ImportedCaption[] = []
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (IMAGE_EXT.test(e.name)) {
        const txt = p.replace(/\.[^.]+$/, '.txt')
        if (!fs.existsSync(txt)) continue
        for (const line of fs.readFileSync(txt, 'utf8').split(/\r?\n/)) if (line.trim()) out.push({ image: p, caption: line.trim() })
      }
    }
  }
  walk(dir)
  if (!out.length) throw new Error(`${dir}: no image has a .txt caption beside it`)
  return out
}

/** Write the imported captions as the trainer's JSON-lines dataset (image paths relative to the file). */
export function writeDatasetJsonl(items: ImportedCaption[], file: string): void {
  const base = path.dirname(path.resolve(file))
  fs.mkdirSync(base, { recursive: true })
  fs.writeFileSync(file, items.map((i) => JSON.stringify({ image: path.relative(base, i.image), caption: i.caption })).join('\n') + '\n')
}
