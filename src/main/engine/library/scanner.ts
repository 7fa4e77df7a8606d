// Walking a library root: every image file with its size and mtime, skipping
// hidden and system folders and the user's exclusion patterns. Folders that
// cannot be read are reported, not fatal. Symbolic links to folders are not
// followed (a link back to a parent would loop forever; add the target as its
// own root instead); links to files are followed.
import fs from 'node:fs/promises'
import path from 'node:path'
import { isHiddenOrSystem, isImageName } from './files.ts'

export interface ScanEntry {
  rel: string
  size: number
  mtimeMs: number
}

export interface ScanProblem {
  path: string
  error: string
}

/** The file system calls a walk makes; injectable so error paths can be tested. */
export interface WalkFs {
  readdir(dir: string): Promise<import('node:fs').Dirent[]>
  stat(file: string): Promise<import('node:fs').Stats>
}

export const nodeWalkFs: WalkFs = {
  readdir: (dir) => fs.readdir(dir, { withFileTypes: true }),
  stat: (file) => fs.stat(file),
}

export async function* walkRoot(
  root: string,
  isExcluded: (rel: string) => boolean,
  problems: ScanProblem[],
  walkFs: WalkFs = nodeWalkFs,
  signal?: AbortSignal,
): AsyncGenerator<ScanEntry> {
  const stack: string[] = ['']
  while (stack.length > 0) {
    signal?.throwIfAborted()
    const relDir = stack.pop()!
    const absDir = relDir === '' ? root : path.join(root, ...relDir.split('/'))
    let entries: import('node:fs').Dirent[]
    try {
      entries = await walkFs.readdir(absDir)
    } catch (error) {
      problems.push({ path: absDir, error: `cannot read folder: ${describeFsError(error)}` })
      continue
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : 1))
    const subdirs: string[] = []
    for (const e of entries) {
      if (isHiddenOrSystem(e.name)) continue
      const rel = relDir === '' ? e.name : `${relDir}/${e.name}`
      if (e.isDirectory()) {
        if (!isExcluded(rel)) subdirs.push(rel)
        continue
      }
      if (!(e.isFile() || e.isSymbolicLink()) || !isImageName(e.name) || isExcluded(rel)) continue
      const abs = path.join(absDir, e.name)
      try {
        const st = await walkFs.stat(abs)
        if (!st.isFile()) continue
        yield { rel, size: st.size, mtimeMs: Math.floor(st.mtimeMs) }
      } catch (error) {
        // Vanished between readdir and stat, or a dangling link: not a photo (now).
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue
        problems.push({ path: abs, error: `cannot read file: ${describeFsError(error)}` })
      }
    }
    // Depth-first, in name order.
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!)
  }
}

export function describeFsError(error: unknown): string {
  const e = error as NodeJS.ErrnoException
  const byCode: Record<string, string> = {
    EACCES: 'permission denied', EPERM: 'operation not permitted', ENOENT: 'no such file or folder', ELOOP: 'too many symbolic links',
    EIO: 'input/output error', ENOTDIR: 'not a folder', EISDIR: 'is a folder', EMFILE: 'too many open files', EBUSY: 'busy',
  }
  if (e && typeof e.code === 'string') return `${byCode[e.code] ?? e.message} (${e.code})`
  return error instanceof Error ? error.message : String(error)
}
