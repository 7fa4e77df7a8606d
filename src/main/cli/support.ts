// What the library commands (index, watch, list, status, caption set) share:
// where the database is, how the ML service is loaded, how progress is drawn.
import path from 'node:path'
import type { MlService } from '../ml/service.ts'
import type { WeightFormat } from '../ml/graph/quantize.ts'
import type { ProviderRequest } from '../ml/runtime/providers.ts'
import { cacheDirFor, defaultDataDir, defaultDbPath } from '../engine/data-dir.ts'
import type { JobProgress } from '../engine/types.ts'

export interface LibraryLocation {
  dataDir: string
  dbPath: string
  cacheDir: string
}

export function libraryLocation(env: NodeJS.ProcessEnv, cwd: string, dbFlag: string | undefined): LibraryLocation {
  const dataDir = defaultDataDir(env)
  const dbPath = dbFlag ? path.resolve(cwd, dbFlag) : defaultDbPath(dataDir)
  return { dataDir, dbPath, cacheDir: cacheDirFor(dbPath, dataDir) }
}

export interface MlOptions {
  packDir?: string | null
  dataDir: string
  provider?: string
  threads?: number
  weights?: WeightFormat
  log?: (text: string) => void
  /**
   * Where the models run when PHOTOCAP_ML_IN_PROCESS does not say: the ML
   * worker for commands that serve or index (default), this process for the
   * one-shot `caption` and `embed` (no UI to keep responsive; saves the
   * worker's start-up).
   */
  inProcessByDefault?: boolean
}

/**
 * The one switch for where the CLI runs the models: PHOTOCAP_ML_IN_PROCESS=1
 * in this process, =0 in the ML worker process; unset, the command's default.
 * PHOTOCAP_ML_WORKER=1, the older spelling of =0, is still understood.
 */
export function mlInProcess(env: NodeJS.ProcessEnv, byDefault: boolean): boolean {
  const v = env.PHOTOCAP_ML_IN_PROCESS
  if (v === '1') return true
  if (v === '0') return false
  if (env.PHOTOCAP_ML_WORKER === '1') return false
  return byDefault
}

/**
 * The CLI's one way to get an ML service (every command that captions or
 * embeds calls it): the ML engine's factory, loaded lazily so commands that do
 * not caption never load ONNX Runtime, with the switch above.
 */
export async function loadMlService(options: MlOptions, env: NodeJS.ProcessEnv = process.env): Promise<MlService> {
  const { createMlService } = await import('../ml/pipeline/index.ts')
  return createMlService({
    dataDir: options.dataDir,
    ...(options.packDir ? { packDir: options.packDir } : {}),
    // createMlService validates the name (a setting is user input).
    ...(options.provider && options.provider !== 'auto' ? { provider: options.provider as ProviderRequest } : {}),
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(options.weights !== undefined && options.weights !== 'float32' ? { weights: options.weights } : {}),
    ...(options.log ? { log: options.log } : {}),
    inProcess: mlInProcess(env, options.inProcessByDefault ?? false),
  })
}

/** The one wording of the warning every command prints while the generated tiny pack is in use. */
export const TINY_PACK_WARNING =
  "the generated tiny test pack is in use (random weights): its captions and embeddings are meaningless; install a real pack with 'photocap models install NAME' or pass --pack DIR"

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--'
  const s = Math.round(seconds)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const ss = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`
}

/** One progress line: bar, done/total, what is running, rate and ETA. */
export function progressLine(p: JobProgress, width = 24): string {
  const frac = p.total > 0 ? Math.min(1, p.done / p.total) : 0
  const filled = Math.round(frac * width)
  const bar = '#'.repeat(filled) + '-'.repeat(width - filled)
  const active = (Object.entries(p.byKind) as [string, { queued: number; running: number }][])
    .filter(([, c]) => c.queued + c.running > 0)
    .map(([k, c]) => `${k} ${c.queued + c.running}`)
    .join(', ')
  const eta = p.etaSeconds === null ? '--:--' : formatDuration(p.etaSeconds)
  return `[${bar}] ${p.done}/${p.total} ${p.rate.toFixed(1)}/s ETA ${eta}${p.failed ? ` ${p.failed} failed` : ''}${p.paused ? ' (paused)' : ''}${active ? `  ${active}` : ''}`
}
