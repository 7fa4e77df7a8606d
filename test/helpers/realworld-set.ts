// The public real-world image set (../shared/realworld/images: other projects'
// test images, never committed here). Tests that read it skip, saying so, when
// it is absent.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { isImageName } from '../../src/main/engine/library/files.ts'

export const realWorldSetDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/realworld/images')

/** Every image file under `dir` (by the library's own extension rule), sorted. */
export function imageFilesUnder(dir: string): string[] {
  const out: string[] = []
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) out.push(...imageFilesUnder(p))
    else if (isImageName(e.name)) out.push(p)
  }
  return out.sort()
}
