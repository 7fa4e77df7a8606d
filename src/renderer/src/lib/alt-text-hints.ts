// Advice shown while a caption is edited, from common alt-text guidance: a
// screen reader already says "image", so "image of…" repeats it; a file name
// or camera counter says nothing about the photo. (Length has its own line.)
const REDUNDANT_OPENING = /^\s*(an? )?(image|picture|photo(graph)?|pic) (of|showing)\b/i
const FILE_LIKE =
  /^\s*(IMG|DSC|DSCN|DSCF|PXL|P|MVIMG|GOPR|DJI)?[_-]?\d{3,}[\w-]*(\.(jpe?g|png|heic|tiff?|webp|dng|raw|gif|bmp))?\s*$|\.(jpe?g|png|heic|tiff?|webp|dng|gif|bmp)\s*$/i

export function altTextHints(text: string, fileName = ''): string[] {
  const t = text.trim()
  if (t === '') return []
  const out: string[] = []
  if (REDUNDANT_OPENING.test(t)) out.push('Starts with “image of” or “picture of”: screen readers already say it is an image, so start with what it shows.')
  const stem = fileName.replace(/\.[^.]+$/, '')
  if (FILE_LIKE.test(t) || (stem.length > 2 && t.toLowerCase() === stem.toLowerCase()))
    out.push('Looks like a file name: describe what the photo shows instead.')
  return out
}
