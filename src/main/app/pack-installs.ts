// Installing a real model pack from the interface: the ML engine's installer
// (resumable, sha256-verified downloads into <dataDir>/models) run in the
// background, one at a time, its progress as the API's `install` state, with cancel.
import type { MethodOutput } from '../../shared/api.ts'
import { ApiError } from '../../shared/errors.ts'
import { installPack } from '../ml/packs/installer/install.ts'
import { loadManifests, type Manifest } from '../ml/packs/installer/manifest.ts'

export type InstallState = NonNullable<MethodOutput<'models.info'>['install']>

export function manifestSize(m: Manifest): number {
  return m.files.reduce((n, f) => n + ('size' in f && f.size ? f.size : 0), 0)
}

export function availableManifests(): Manifest[] {
  try {
    return loadManifests()
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
      const manifest = availableManifests().find((m) => m.name === packId)
      if (!manifest) throw new ApiError('not_found', `no pack manifest named '${packId}'`)
      const sizes = new Map(manifest.files.map((f) => [f.path, 'size' in f && f.size ? f.size : 0]))
      const done = new Map<string, number>()
      const current: InstallState = { packId, receivedBytes: 0, totalBytes: manifestSize(manifest), state: 'running', error: null }
      state = current
      abort = new AbortController()
      void installPack(packId, {
        dataDir: deps.dataDir,
        signal: abort.signal,
        onProgress: (file, received, total) => {
          done.set(file, received)
          if (total && !sizes.get(file)) sizes.set(file, total)
          current.receivedBytes = [...done.values()].reduce((a, b) => a + b, 0)
          current.totalBytes = Math.max(current.receivedBytes, [...sizes.values()].reduce((a, b) => a + b, 0))
          changed()
        },
      }).then(
        () => {
          current.state = 'done'
          current.receivedBytes = current.totalBytes
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
