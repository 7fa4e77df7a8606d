// Watching library roots with chokidar after our own startup scan.
//
// [Note: watching]
// - ignoreInitial: the startup scan (jobs 'scan') already compares every file
//   with the database; chokidar's initial 'add' storm would only repeat it.
// - awaitWriteFinish: a photo being copied in is ingested once it stopped
//   growing, not half-written (the ingest step double-checks size and mtime).
// - followSymlinks: false, so a link back to a parent folder cannot loop; the
//   scanner does not follow folder links either.
// - usePolling per root for network and removable disks, where OS events are
//   missing or unreliable.
// - Hidden and system folders and the root's exclusion patterns are ignored
//   here too, so the two paths into the library agree.
// Events are buffered for a moment and handed over in one batch, so 10,000
// files appearing at once become a few transactions, not 10,000.
import path from 'node:path'
import { watch, type FSWatcher } from 'chokidar'
import { compileExclusions, isHiddenOrSystem, isImageName } from '../library/files.ts'
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
    const w = watch(root.path, {
      ignoreInitial: true,
      followSymlinks: false,
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
        // Only image files matter; folders must be watched to see what enters them.
        return stats?.isFile() === true && !isImageName(path.basename(p))
      },
    })
    this.watchers.set(root.id, w)
    const push = (kind: WatchChange['kind']) => (p: string) => {
      const rel = relOf(p)
      if ((kind === 'file-added' || kind === 'file-changed') && !isImageName(path.basename(p))) return
      if (kind === 'file-removed' && !isImageName(path.basename(p))) return
      this.push({ rootId: root.id, rel, kind })
    }
    w.on('add', push('file-added'))
    w.on('change', push('file-changed'))
    w.on('unlink', push('file-removed'))
    w.on('unlinkDir', push('folder-removed'))
    w.on('error', (error) => this.options.onError(root.id, error instanceof Error ? error.message : String(error)))
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
