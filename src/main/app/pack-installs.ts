// Installing a real model pack from the interface: the ML engine's installer
// (resumable, sha256-verified downloads into <dataDir>/models) run in the
// background, one at a time, its progress as the API's `install` state, with
// cancel (the part files stay, so installing again resumes).
import type { MethodOutput } from '../../shared/api.ts'
import { ApiError } from '../../shared/errors.ts'
import { installPack, readInstallMarker, trustedOnFirstUseFiles } from '../ml/packs/installer/install.ts'
import { knownPacks, type KnownPack } from '../ml/packs/installer/catalog.ts'

export type InstallState = NonNullable<MethodOutput<'models.info'>['install']>

/** The known packs (manifests), or none when the manifests cannot be read (the app still runs on the tiny pack). */
export function knownPacksSafe(dataDir: string): KnownPack[] {
  try {
    return knownPacks(dataDir)
  } catch {
    return []
  }
}

/** The API's size fields of a pack, stated before anything downloads. */
export function packSizeFields(k: KnownPack | undefined): { sizeBytes: number; sizeExact: boolean; sizeAtMostBytes: number } {
  if (!k) return { sizeBytes: 0, sizeExact: true, sizeAtMostBytes: 0 }
  return { sizeBytes: k.download.knownBytes, sizeExact: k.download.unknownFiles.length === 0, sizeAtMostBytes: k.download.atMostBytes }
}

export function trustedFiles(packDir: string): { path: string; sha256: string }[] {
  try {
    return trustedOnFirstUseFiles(readInstallMarker(packDir))
  } catch {
    return []
  }
}

export function createPackInstalls(deps: { dataDir: string; onChange: () => void }) {
  let state: InstallState | null = null
  let abort: AbortController | null = null
  let last = 0
  const changed = (force = false): void => {
    const now = Date.now()
    if (force || now - last > 250) {
      last = now
      deps.onChange()
    }
  }

  return {
    state: (): InstallState | null => state,
    start(packId: string): void {
      if (state?.state === 'running') throw new ApiError('conflict', `pack ${state.packId} is being installed`)
      const known = knownPacksSafe(deps.dataDir).find((m) => m.name === packId)
      if (!known) throw new ApiError('not_found', `no pack manifest named '${packId}'`)
      const done = new Map<string, number>()
      const sizes = new Map<string, number>()
      const current: InstallState = {
        packId,
        receivedBytes: 0,
        totalBytes: known.download.knownBytes,
        state: 'running',
        error: null,
        bytesPerSecond: null,
        etaSeconds: null,
        notice: null,
      }
      state = current
      abort = new AbortController()
      void installPack(packId, {
        dataDir: deps.dataDir,
        signal: abort.signal,
        onNotice: (text) => {
          current.notice = text
          changed(true)
        },
        onProgress: (file, p) => {
          done.set(file, p.received)
          if (p.total !== null) sizes.set(file, p.total)
          current.receivedBytes = [...done.values()].reduce((a, b) => a + b, 0)
          // Stated sizes first; a file without one counts once its server says.
          current.totalBytes = Math.max(
            current.receivedBytes,
            known.download.knownBytes + [...sizes.entries()].filter(([f]) => known.download.unknownFiles.includes(f)).reduce((a, [, b]) => a + b, 0),
          )
          current.bytesPerSecond = p.bytesPerSecond
          current.etaSeconds = p.bytesPerSecond ? Math.max(0, (current.totalBytes - current.receivedBytes) / p.bytesPerSecond) : null
          changed()
        },
      }).then(
        () => {
          current.state = 'done'
          current.receivedBytes = current.totalBytes
          current.etaSeconds = null
          changed(true)
        },
        (error: unknown) => {
          current.state = abort?.signal.aborted ? 'cancelled' : 'failed'
          current.error = current.state === 'failed' ? (error instanceof Error ? error.message : String(error)) : null
          changed(true)
        },
      )
      changed(true)
    },
    cancel(): void {
      abort?.abort(new Error('install cancelled'))
    },
  }
}
