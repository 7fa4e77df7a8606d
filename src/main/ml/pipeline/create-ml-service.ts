// The composition root of the ML engine: what the library engine, the app and
// the CLI call to get an MlService.
import path from 'node:path'
import type { MlService } from '../service.ts'
import { isProviderRequest, PROVIDER_REQUESTS_TEXT, type ProviderRequest } from '../runtime/providers.ts'
import { resolveDefaultPack } from '../packs/default-pack.ts'
// The in-process implementation (ONNX Runtime and the compile cache) loads only when asked for, so a
// process that runs the models in the worker (the desktop app's main process) never loads it.
import type { BatchSizes, InProcessMlService } from './in-process-service.ts'
import type { WeightFormat } from '../graph/quantize.ts'
import type { WorkerChild } from '../worker/worker-client.ts'

export interface CreateMlServiceOptions {
  /** The pack folder; default: the installed default pack, else the generated tiny pack. */
  packDir?: string
  /** The user's data folder (tiny pack, installed packs, compile cache). */
  dataDir: string
  /** Compile cache folder (default <dataDir>/cache/compiled). */
  cacheDir?: string
  provider?: ProviderRequest
  /** Run in this process instead of the ML worker process. */
  inProcess?: boolean
  /** ORT intra-op threads per session. */
  threads?: number
  /** Compiled weight format: float32 (default) or the opt-in int8/int4 fast mode (graph/quantize.ts). */
  weights?: WeightFormat
  batchSizes?: Partial<BatchSizes>
  log?: (text: string) => void
  /** Starts the ML worker's process (the desktop app: an Electron utility process); default child_process.fork. */
  launch?: () => WorkerChild
}

export function compileCacheDir(dataDir: string): string {
  return path.join(dataDir, 'cache', 'compiled')
}

/** Callers may pass user input through untyped paths (dynamic imports): check it here. */
function checkProvider(provider: unknown): void {
  if (provider !== undefined && (typeof provider !== 'string' || !isProviderRequest(provider))) {
    throw new Error(`unknown execution provider ${JSON.stringify(provider)} (expected ${PROVIDER_REQUESTS_TEXT})`)
  }
}

/** Resolve the pack folder the options mean. */
export function resolvePackDir(options: Pick<CreateMlServiceOptions, 'packDir' | 'dataDir'>): string {
  return options.packDir !== undefined ? path.resolve(options.packDir) : resolveDefaultPack(options.dataDir).dir
}

/** An MlService in this process (tests, benchmarks, the worker itself). */
export async function createInProcessMlService(options: CreateMlServiceOptions): Promise<InProcessMlService> {
  checkProvider(options.provider)
  const { defaultBatchSizes, InProcessMlService } = await import('./in-process-service.ts')
  const { PackRuntime } = await import('./pack-runtime.ts')
  const runtime = await PackRuntime.open(resolvePackDir(options), {
    cacheDir: options.cacheDir ?? compileCacheDir(options.dataDir),
    ...(options.provider !== undefined ? { provider: options.provider } : {}),
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(options.weights !== undefined ? { weights: options.weights } : {}),
    ...(options.log !== undefined ? { log: options.log } : {}),
  })
  return new InProcessMlService(runtime, { ...defaultBatchSizes, ...options.batchSizes })
}

/**
 * The MlService for the library engine, the app and the CLI: by default in the
 * ML worker process (see [Note: ML service port] in ../service.ts).
 */
export async function createMlService(options: CreateMlServiceOptions): Promise<MlService> {
  checkProvider(options.provider)
  if (options.inProcess) return createInProcessMlService(options)
  const { WorkerMlService } = await import('../worker/worker-client.ts')
  const { log, launch, inProcess: _inProcess, ...rest } = options
  const client = new WorkerMlService({ ...rest, packDir: resolvePackDir(options) }, log, launch)
  await client.start()
  return client
}
