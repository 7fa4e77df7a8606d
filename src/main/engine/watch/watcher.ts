// Watching library roots with chokidar after our own startup scan.
//
// [Note: watching]
// - ignoreInitial: the startup scan (jobs 'scan') already compares every file
//   with the database; chokidar's initial 'add' storm would only repeat it.
// - awaitWriteFinish: a photo being copied in is ingested once it stopped
//   growing, not half-written (the ingest step double-checks size and mtime).
// - followSymlinks: true, so a linked folder (a phone, another disk) is
//   watched under the path the user sees, as the scanner walks it. Chokidar 5
//   has no loop protection of its own (a link to a parent would be followed
//   until the OS says ELOOP, some 40 levels down), so `ignored` refuses every
//   folder that scanner.ts's `folderSkipReason` refuses: a folder that is one
//   of its own ancestors (loop), or a link into a tree already watched under
//   another path (alias). Same rule, same paths: [Note: symbolic links] in
//   library/scanner.ts. A link that dangles when watching starts is not
//   retried here; the next scan (start, rescan, a root coming back) finds it.
//   A link that loops on itself (ELOOP) is reported by the scan, not here.
// - usePolling per root for network and removable disks, where OS events are
//   missing or unreliable.
// - Hidden and system folders and the root's exclusion patterns are ignored
//   here too, so the two paths into the library agree.
// Events are buffered for a moment and handed over in one batch, so 10,000
// files appearing at once become a few transactions, not 10,000.
import fs from 'node:fs'
import path from 'node:path'
import { watch, type FSWatcher } from 'chokidar'
import { compileExclusions, isHiddenOrSystem, isImageName } from '../library/files.ts'
import { isSidecarName, photosOfSidecar } from '../library/sidecars.ts'
import { folderId, folderSkipReason, type FolderStep } from '../library/scanner.ts'
import type { Root } from '../types.ts'

export interface WatchChange {
  rootId: number
  rel: string
  kind: 'file-added' | 'file-changed' | 'file-removed' | 'folder-removed'
}

export interface WatcherOptions {
  onChanges(changes: WatchChange[]): void
  onError(rootId: number, message: string): void
  /** Milliseconds a file must stay the same size before it is reported. */
  stabilityMs?: number
  pollIntervalMs?: number
}

/**
 * Whether the folder at `rel` (under `rootPath`) is a loop or an alias that the
 * scanner would not walk either ([Note: symbolic links] in scanner.ts).
 * Synchronous, because chokidar's `ignored` is: a few stat calls per folder
 * (not per file) as chokidar first meets it.
 */
export function linkRule(rootPath: string): (rel: string) => boolean {
  let rootStep: FolderStep | null = null
  return (rel) => {
    try {
      rootStep ??= { id: folderId(fs.statSync(rootPath)), real: fs.realpathSync(rootPath), base: true }
      const chain: FolderStep[] = [rootStep]
      let abs = rootPath
      for (const name of rel.split('/')) {
        abs = path.join(abs, name)
        const lst = fs.lstatSync(abs)
        const link = lst.isSymbolicLink()
        const st = link ? fs.statSync(abs) : lst
        if (!st.isDirectory()) return false
        const step: FolderStep = { id: folderId(st), real: link ? fs.realpathSync(abs) : path.join(chain[chain.length - 1]!.real, name), base: link }
        if (folderSkipReason(chain, step) !== null) return true
        chain.push(step)
      }
      return false
    } catch {
      // Gone or unreadable right now: chokidar meets the same error and reports or skips it.
      return false
    }
  }
}

export class LibraryWatcher {
  private readonly watchers = new Map<number, FSWatcher>()
  private buffer: WatchChange[] = []
  private timer: NodeJS.Timeout | null = null

  constructor(private readonly options: WatcherOptions) {}

  /** Start watching a root; resolves once chokidar has read the tree. */
  async add(root: Root): Promise<void> {
    await this.remove(root.id)
    const excluded = compileExclusions(root.exclude)
    const relOf = (p: string): string => path.relative(root.path, p).split(path.sep).join('/')
    const linkedFolderSkipped = linkRule(root.path)
    const w = watch(root.path, {
      ignoreInitial: true,
      followSymlinks: true,
      usePolling: root.usePolling,
      interval: this.options.pollIntervalMs ?? 1000,
      binaryInterval: this.options.pollIntervalMs ?? 1000,
      ignorePermissionErrors: true,
      awaitWriteFinish: { stabilityThreshold: this.options.stabilityMs ?? 300, pollInterval: 100 },
      ignored: (p, stats) => {
        const rel = relOf(p)
        if (rel === '' || rel.startsWith('..')) return false
        if (rel.split('/').some(isHiddenOrSystem)) return true
        if (excluded(rel)) return true
        if (stats?.isDirectory() === true && linkedFolderSkipped(rel)) return true
        // Only image files (and their XMP sidecars) matter; folders must be watched to see what enters them.
        return stats?.isFile() === true && !isImageName(path.basename(p)) && !isSidecarName(path.basename(p))
      },
    })
    this.watchers.set(root.id, w)
    const push = (kind: WatchChange['kind']) => (p: string) => {
      const rel = relOf(p)
      // A sidecar written or edited by another tool: its photo is read again (library/sidecars.ts).
      if ((kind === 'file-added' || kind === 'file-changed') && isSidecarName(path.basename(p))) {
        for (const image of photosOfSidecar(p)) this.push({ rootId: root.id, rel: relOf(image), kind: 'file-changed' })
        return
      }
      if ((kind === 'file-added' || kind === 'file-changed') && !isImageName(path.basename(p))) return
      if (kind === 'file-removed' && !isImageName(path.basename(p))) return
      this.push({ rootId: root.id, rel, kind })
    }
    w.on('add', push('file-added'))
    w.on('change', push('file-changed'))
    w.on('unlink', push('file-removed'))
    w.on('unlinkDir', push('folder-removed'))
    w.on('error', (error) => {
      // A link that loops on itself (ELOOP) is a broken link, already in the
      // root's scan errors ([Note: symbolic links]); not an engine error.
      if ((error as NodeJS.ErrnoException).code === 'ELOOP') return
      this.options.onError(root.id, error instanceof Error ? error.message : String(error))
    })
    await new Promise<void>((resolve) => w.once('ready', () => resolve()))
  }

  async remove(rootId: number): Promise<void> {
    const w = this.watchers.get(rootId)
    if (!w) return
    this.watchers.delete(rootId)
    await w.close()
  }

  watching(rootId: number): boolean {
    return this.watchers.has(rootId)
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.flush()
    await Promise.all([...this.watchers.values()].map((w) => w.close()))
    this.watchers.clear()
  }

  private push(change: WatchChange): void {
    this.buffer.push(change)
    this.timer ??= setTimeout(() => this.flush(), 50)
  }

  private flush(): void {
    this.timer = null
    const batch = this.buffer
    this.buffer = []
    if (batch.length) this.options.onChanges(batch)
  }
}
