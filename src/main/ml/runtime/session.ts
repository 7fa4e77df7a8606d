// ONNX Runtime sessions with execution-provider choice and CPU fallback.
// The only module of the ML engine that creates InferenceSessions.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import * as ort from 'onnxruntime-node'
import { autoSkipReason, providerPlan, type ProviderEnvironment, type ProviderName, type ProviderRequest } from './providers.ts'

export interface CreateSessionOptions {
  /** 'auto' (default) or a provider name. */
  provider?: ProviderRequest
  /** Intra-op threads (default: defaultIntraOpThreads(), see [Note: thread placement]). */
  threads?: number
  /**
   * Let idle intra-op threads spin (ORT's default: true). false yields the CPU
   * between ops: measured 1.5-2x faster GPT-2 decoding on a busy 2-core machine
   * (bench/caption.bench.ts), and kinder to the rest of a desktop.
   */
  allowSpinning?: boolean
  /** Default 'all' (ORT fuses LayerNorm/GELU/MatMul+Add etc.). */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all'
  /**
   * ORT's CPU memory arena and memory-pattern planning (default true). false
   * frees each intermediate when its last consumer has run instead of keeping
   * the arena at its high-water mark (measured for training: bench train).
   */
  cpuMemArena?: boolean
  /**
   * Let kernels keep pre-packed copies of constant weights (ORT's default: true).
   * Each copy is as large as the weight; a training graph reads every frozen
   * weight twice (forward x·W, backward g·Wᵀ), so that is two copies of GPT-2.
   */
  prepacking?: boolean
}

export interface CreatedSession {
  session: ort.InferenceSession
  /** The provider the session actually runs on. */
  provider: ProviderName
  requested: ProviderRequest
  /** Why an accelerator was not used (a failed provider's error, or why 'auto' skipped it); null when none was skipped. */
  fallbackReason: string | null
}

let cachedEnv: ProviderEnvironment | null = null

/** What this process's onnxruntime-node offers. */
export function providerEnvironment(): ProviderEnvironment {
  if (cachedEnv) return cachedEnv
  let supported: string[] = ['cpu']
  try {
    supported = ort.listSupportedBackends().map((b) => b.name)
  } catch {
    // older builds: CPU only
  }
  let cudaLibraryPresent = false
  try {
    const require = createRequire(import.meta.url)
    const pkgDir = path.dirname(require.resolve('onnxruntime-node/package.json'))
    const binDir = path.join(pkgDir, 'bin', 'napi-v6', process.platform, process.arch)
    cudaLibraryPresent = fs.existsSync(path.join(binDir, 'libonnxruntime_providers_cuda.so'))
  } catch {
    cudaLibraryPresent = false
  }
  cachedEnv = { platform: process.platform, supported, cudaLibraryPresent }
  return cachedEnv
}

function epConfig(name: ProviderName): ort.InferenceSession.ExecutionProviderConfig {
  return name
}

function firstLine(error: unknown): string {
  const msg = error instanceof Error ? error.message : String(error)
  return (
    msg
      .split('\n')
      .find((l) => l.trim())
      ?.trim() ?? msg
  )
}

/**
 * [Note: thread placement] Every session gets one intra-op pool as wide as
 * the machine (os.availableParallelism()), no inter-op pool and the
 * sequential executor: our graphs are chains of MatMul-heavy nodes, so there
 * is little to run side by side, and a second pool only competes with the
 * first for the cores. Measured on 2 cores (`npm run bench -- caption-profile`,
 * GPT-2 decode steps, placements alternated; README): intra-op 2 beat intra-op 1
 * and both inter-op-parallel placements at batch 1 and 16 on a machine with
 * spare cycles, while with other work competing for the cores intra-op 1 was
 * as good or better at batch 16. Spinning is the caller's choice (PackRuntime
 * turns it off). Callers that leave cores to others pass `threads`
 * (the app's workerThreads preference, app-prefs.ts).
 */
export function defaultIntraOpThreads(parallelism: number = os.availableParallelism()): number {
  return Math.max(1, Math.floor(parallelism))
}

/** The ORT session options createSession uses (execution providers aside). */
export function sessionOptionsFor(options: CreateSessionOptions = {}): ort.InferenceSession.SessionOptions {
  const base: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
    executionMode: 'sequential',
    interOpNumThreads: 1,
    intraOpNumThreads: options.threads ?? defaultIntraOpThreads(),
    logSeverityLevel: 3,
  }
  if (options.cpuMemArena === false) {
    base.enableCpuMemArena = false
    base.enableMemPattern = false
  }
  const sessionConfig: Record<string, unknown> = {}
  if (options.allowSpinning !== undefined) sessionConfig.intra_op = { allow_spinning: options.allowSpinning ? '1' : '0' }
  if (options.prepacking === false) sessionConfig.disable_prepacking = '1'
  if (Object.keys(sessionConfig).length > 0) base.extra = { session: sessionConfig }
  return base
}

/**
 * Create a session for `modelPath`, trying the requested provider (or the
 * platform's automatic choice) and falling back to CPU with the reason.
 * A failure on CPU itself is thrown, naming the model file.
 */
export async function createSession(modelPath: string, options: CreateSessionOptions = {}): Promise<CreatedSession> {
  const requested = options.provider ?? 'auto'
  const env = providerEnvironment()
  const plan = providerPlan(requested, env)
  const base = sessionOptionsFor(options)
  let reason: string | null = requested === 'auto' ? autoSkipReason(env) : null
  for (const provider of plan) {
    if (provider !== 'cpu' && !env.supported.includes(provider)) {
      reason = `${provider} provider is not available in this onnxruntime-node build (available: ${env.supported.join(', ')})`
      continue
    }
    if (provider === 'cuda' && !env.cudaLibraryPresent) {
      // Trying would only make ORT print a library-load error to stderr.
      reason = 'cuda failed: CUDA provider library not installed (see README: installing onnxruntime-node with CUDA)'
      continue
    }
    try {
      const providers = provider === 'cpu' ? ['cpu'] : [epConfig(provider), 'cpu']
      const session = await ort.InferenceSession.create(modelPath, { ...base, executionProviders: providers })
      return { session, provider, requested, fallbackReason: provider === 'cpu' ? reason : null }
    } catch (error) {
      if (provider === 'cpu') throw new Error(`${modelPath}: cannot load model (${firstLine(error)})`)
      reason = `${provider} failed: ${firstLine(error)}`
    }
  }
  throw new Error(`${modelPath}: no execution provider could load the model`)
}
