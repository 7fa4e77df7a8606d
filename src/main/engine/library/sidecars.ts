// XMP sidecars people's other tools wrote next to a photo: digiKam and
// darktable write `photo.jpg.xmp`, Lightroom and Capture One `photo.xmp`. Read
// on ingest (the same filler rules apply, metadata.ts), and again when the
// sidecar changes (the scan compares its mtime, pipeline.ts). Only read:
// writing sidecars is engine/export's job.
import fsSync from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import { isImageName } from './files.ts'

export interface Sidecar {
  path: string
  mtimeMs: number
}

/** Names a sidecar of `imageName` may have, most specific first. */
export function sidecarNames(imageName: string): string[] {
  const dot = imageName.lastIndexOf('.')
  const stem = dot > 0 ? imageName.slice(0, dot) : imageName
  return [`${imageName}.xmp`, `${imageName}.XMP`, `${stem}.xmp`, `${stem}.XMP`]
}

/** The sidecar of the photo at `abs`, if there is one. */
export async function findSidecar(abs: string): Promise<Sidecar | null> {
  const dir = path.dirname(abs)
  // Synchronous: a stat of a name that is (almost always) absent costs microseconds, while an
  // asynchronous one waits for a thread-pool slot behind image decodes on a busy ingest.
  for (const name of sidecarNames(path.basename(abs))) {
    const p = path.join(dir, name)
    const st = fsSync.statSync(p, { throwIfNoEntry: false })
    if (st?.isFile() && st.size <= 16 * 1024 * 1024) return { path: p, mtimeMs: Math.floor(st.mtimeMs) }
  }
  return null
}

/** Among a folder's entry names, the sidecar of `imageName` (no I/O; the scan's view). */
export function sidecarIn(names: ReadonlySet<string>, imageName: string): string | null {
  for (const n of sidecarNames(imageName)) if (names.has(n)) return n
  return null
}

export function isSidecarName(name: string): boolean {
  return /\.xmp$/i.test(name)
}

/** The photos a sidecar at `sidecar` belongs to (photo.jpg.xmp: photo.jpg; photo.xmp: every photo.<ext> there). Reads the folder once. */
export function photosOfSidecar(sidecar: string): string[] {
  const dir = path.dirname(sidecar)
  const name = path.basename(sidecar).replace(/\.xmp$/i, '')
  let entries: string[]
  try {
    entries = fsSync.readdirSync(dir)
  } catch {
    return []
  }
  if (isImageName(name)) return entries.includes(name) ? [path.join(dir, name)] : []
  return entries.filter((e) => isImageName(e) && e.slice(0, e.lastIndexOf('.')) === name).map((e) => path.join(dir, e))
}
