// Walking a library root: every image file with its size and mtime, skipping
// hidden and system folders and the user's exclusion patterns. Folders that
// cannot be read are reported, not fatal.
//
// [Note: symbolic links]
// Links are followed, to files and to folders: a careful user keeps
// `~/Pictures/Phone -> /mnt/phone/DCIM` or a link to another disk inside the
// library folder and expects those photos indexed and watched. A photo found
// through a link keeps the path as seen through the link (`Phone/IMG_1.jpg`),
// the path the user sees; its content identity makes it one photo however many
// paths reach it.
// Following links must still end, and should not index the same folder twice
// for nothing. `folderSkipReason` decides, for every folder about to be
// entered, from the chain of folders leading to it (root first):
// - 'loop': the folder IS one of its own ancestors (same device and inode) -
//   a link to a parent, a cycle a -> b -> a, a bind mount of a parent. Every
//   folder on a chain is then distinct, so chains are finite and the walk ends.
// - 'alias': a link whose target lies inside the root, or inside a folder an
//   earlier link on the chain led to. The walk already covers that folder under
//   its own path, so the link would only add a second path to the same photos
//   (and a link into a hidden or excluded folder stays skipped).
// Both are skipped quietly: nothing is wrong and nothing is missing. Two
// links to the same folder outside the root are both followed (two paths the
// user can see, one photo each). The watcher applies the same rule
// (watch/watcher.ts), so the two ways into the library agree on paths.
// A link that cannot be followed (target gone: an unplugged disk; a link
// cycle: ELOOP; no permission) is reported as a problem under its own path,
// so what was indexed through it is kept, not marked missing; except a broken
// link named like a photo, which is a photo that is gone (as before).
import fs from 'node:fs/promises'
import type { Dirent, Stats } from 'node:fs'
import path from 'node:path'
import { isHiddenOrSystem, isImageName } from './files.ts'
import { sidecarIn } from './sidecars.ts'

export interface ScanEntry {
  rel: string
  size: number
  mtimeMs: number
  /** The photo's XMP sidecar's mtime (library/sidecars.ts), null when it has none. */
  sidecarMtimeMs?: number | null
}

/**
 * What a scan could not do, by kind (a door or the periodic check acts on the
 * kind, never on the wording of `error`, which is for people): the library
 * folder itself, a folder or a file in it, or a link it could not follow.
 */
export type ScanProblemKind = 'root' | 'folder' | 'file' | 'link'

export interface ScanProblem {
  path: string
  kind: ScanProblemKind
  error: string
}

/** The file system calls a walk makes; injectable so error paths can be tested. */
export interface WalkFs {
  readdir(dir: string): Promise<Dirent[]>
  /** Follows links: the target's type and identity. */
  stat(file: string): Promise<Stats>
  /** Canonical path of a link's target (default: fs.realpath). */
  realpath?(file: string): Promise<string>
}

export const nodeWalkFs: WalkFs = {
  readdir: (dir) => fs.readdir(dir, { withFileTypes: true }),
  stat: (file) => fs.stat(file),
  realpath: (file) => fs.realpath(file),
}

/** A folder on the way down a walk: what the loop and alias rules need. */
export interface FolderStep {
  /** Device and inode: the folder's identity, whatever path reached it. */
  id: string
  /** Canonical (link-free) path. */
  real: string
  /** The root, or a folder entered through a link: its whole real tree is walked under this path. */
  base: boolean
}

export type FolderSkip = 'loop' | 'alias'

/** Why the folder `next`, reached through `chain` (root first), is not walked; null to walk it. [Note: symbolic links] */
export function folderSkipReason(chain: readonly FolderStep[], next: FolderStep): FolderSkip | null {
  if (chain.some((f) => f.id === next.id)) return 'loop'
  if (next.base && chain.some((f) => f.base && isInside(next.real, f.real))) return 'alias'
  return null
}

/** `p` is `dir` or below it (canonical paths). */
export function isInside(p: string, dir: string): boolean {
  if (p === dir) return true
  const rel = path.relative(dir, p)
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)
}

export const folderId = (st: Stats): string => `${st.dev}:${st.ino}`

export async function* walkRoot(
  root: string,
  isExcluded: (rel: string) => boolean,
  problems: ScanProblem[],
  walkFs: WalkFs = nodeWalkFs,
  signal?: AbortSignal,
): AsyncGenerator<ScanEntry> {
  const realpath = walkFs.realpath ?? nodeWalkFs.realpath!
  let rootStep: FolderStep
  try {
    rootStep = { id: folderId(await walkFs.stat(root)), real: await realpath(root), base: true }
  } catch (error) {
    problems.push({ path: root, kind: 'folder', error: `cannot read folder: ${describeFsError(error)}` })
    return
  }
  const stack: { rel: string; chain: FolderStep[] }[] = [{ rel: '', chain: [rootStep] }]
  while (stack.length > 0) {
    signal?.throwIfAborted()
    const { rel: relDir, chain } = stack.pop()!
    const here = chain[chain.length - 1]!
    const absDir = relDir === '' ? root : path.join(root, ...relDir.split('/'))
    let entries: Dirent[]
    try {
      entries = await walkFs.readdir(absDir)
    } catch (error) {
      problems.push({ path: absDir, kind: 'folder', error: `cannot read folder: ${describeFsError(error)}` })
      continue
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : 1))
    const names = new Set(entries.map((e) => e.name))
    const subdirs: { rel: string; chain: FolderStep[] }[] = []
    const enter = (rel: string, next: FolderStep): void => {
      if (folderSkipReason(chain, next) === null) subdirs.push({ rel, chain: [...chain, next] })
    }
    for (const e of entries) {
      if (isHiddenOrSystem(e.name)) continue
      const rel = relDir === '' ? e.name : `${relDir}/${e.name}`
      const abs = path.join(absDir, e.name)
      const link = e.isSymbolicLink()
      if (!(e.isDirectory() || e.isFile() || link) || isExcluded(rel)) continue
      if (!e.isDirectory() && !link && !isImageName(e.name)) continue
      let st: Stats
      try {
        st = await walkFs.stat(abs)
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if (e.isDirectory()) {
          if (code !== 'ENOENT') problems.push({ path: abs, kind: 'folder', error: `cannot read folder: ${describeFsError(error)}` })
        } else if (isImageName(e.name)) {
          // Vanished between readdir and stat, or a broken link to a photo: not a photo (now).
          if (code !== 'ENOENT') problems.push({ path: abs, kind: 'file', error: `cannot read file: ${describeFsError(error)}` })
        } else if (link) {
          // Most likely a linked folder whose disk is not mounted: say so, and keep what was indexed through it.
          problems.push({ path: abs, kind: 'link', error: `cannot follow link: ${describeFsError(error)}` })
        }
        continue
      }
      if (st.isDirectory()) {
        if (!link) {
          enter(rel, { id: folderId(st), real: path.join(here.real, e.name), base: false })
          continue
        }
        let real: string
        try {
          real = await realpath(abs)
        } catch (error) {
          problems.push({ path: abs, kind: 'link', error: `cannot follow link: ${describeFsError(error)}` })
          continue
        }
        enter(rel, { id: folderId(st), real, base: true })
        continue
      }
      if (st.isFile() && isImageName(e.name)) {
        const side = sidecarIn(names, e.name)
        let sidecarMtimeMs: number | null = null
        if (side)
          sidecarMtimeMs = await walkFs.stat(path.join(absDir, side)).then(
            (s) => Math.floor(s.mtimeMs),
            () => null,
          )
        yield { rel, size: st.size, mtimeMs: Math.floor(st.mtimeMs), sidecarMtimeMs }
      }
    }
    // Depth-first, in name order.
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!)
  }
}

export function describeFsError(error: unknown): string {
  const e = error as NodeJS.ErrnoException
  const byCode: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOENT: 'no such file or folder',
    ELOOP: 'too many symbolic links',
    EIO: 'input/output error',
    ENOTDIR: 'not a folder',
    EISDIR: 'is a folder',
    EMFILE: 'too many open files',
    EBUSY: 'busy',
  }
  if (e && typeof e.code === 'string') return `${byCode[e.code] ?? e.message} (${e.code})`
  return error instanceof Error ? error.message : String(error)
}
