// A pack made ready to run: opened, hashed, compiled (cached) and its ONNX
// sessions created lazily, one per model, on the provider the caller asked for
// (with CPU fallback; the provider actually used is reported).
import path from 'node:path'
import type * as ort from 'onnxruntime-node'
import { openPack, type Pack } from '../packs/pack.ts'
import { HashMemo, packHashes, type PackHashes } from '../packs/hashes.ts'
import { compilePack, type CompiledPack, type ModelName } from '../packs/compile-cache.ts'
import { createSession } from '../runtime/session.ts'
import type { WeightFormat } from '../graph/quantize.ts'
import type { ProviderName, ProviderRequest } from '../runtime/providers.ts'
import { loadClipTokenizer } from '../tokenizers/clip-vocab-files.ts'
import { loadGpt2Tokenizer } from '../tokenizers/gpt2-vocab-files.ts'
import type { ClipTokenizer } from '../tokenizers/clip-bpe.ts'
import type { Gpt2Tokenizer } from '../tokenizers/gpt2-bpe.ts'

export interface PackRuntimeOptions {
  /** Where compiled ONNX files are cached (default <dataDir>/cache/compiled). */
  cacheDir: string
  provider?: ProviderRequest
  /** ORT intra-op threads per session (default: os.availableParallelism(), [Note: thread placement] in runtime/session.ts). */
  threads?: number
  /** Weight format of the compiled graphs (default float32; int8/int4 are the opt-in fast mode, graph/quantize.ts). */
  weights?: WeightFormat
  /** Spin idle ORT threads (default false: measured faster on a busy 2-core CPU, see bench/caption.bench.ts). */
  allowSpinning?: boolean
  log?: (text: string) => void
}

export interface SessionTimings {
  /** Seconds spent compiling now (0 when the compile cache was used). */
  compileSeconds: number
  /** Seconds spent creating each session. */
  sessionSeconds: Partial<Record<ModelName, number>>
}

export class PackRuntime {
  private sessions = new Map<ModelName, Promise<ort.InferenceSession>>()
  private clipTok: ClipTokenizer | null = null
  private gpt2Tok: Gpt2Tokenizer | null = null
  provider: ProviderName | null = null
  providerFallbackReason: string | null = null
  readonly timings: SessionTimings

  private constructor(
    readonly pack: Pack,
    readonly hashes: PackHashes,
    readonly compiled: CompiledPack,
    private readonly options: PackRuntimeOptions,
  ) {
    this.timings = { compileSeconds: compiled.compiled ? compiled.seconds : 0, sessionSeconds: {} }
  }

  static async open(packDir: string, options: PackRuntimeOptions): Promise<PackRuntime> {
    const pack = openPack(packDir)
    const hashes = await packHashes(pack, new HashMemo(path.join(options.cacheDir, 'file-hashes.json')))
    const compiled = await compilePack(pack, hashes, options.cacheDir, {
      ...(options.log ? { log: options.log } : {}),
      ...(options.weights ? { weights: options.weights } : {}),
    })
    return new PackRuntime(pack, hashes, compiled, options)
  }

  session(name: ModelName): Promise<ort.InferenceSession> {
    let s = this.sessions.get(name)
    if (!s) {
      s = this.createOne(name)
      this.sessions.set(name, s)
      s.catch(() => this.sessions.delete(name))
    }
    return s
  }

  private async createOne(name: ModelName): Promise<ort.InferenceSession> {
    const started = performance.now()
    const created = await createSession(this.compiled.paths[name], {
      provider: this.options.provider ?? 'auto',
      ...(this.options.threads !== undefined ? { threads: this.options.threads } : {}),
      allowSpinning: this.options.allowSpinning ?? false,
    })
    this.timings.sessionSeconds[name] = (performance.now() - started) / 1000
    // The first session decides what we report; a later fallback is reported too.
    if (this.provider === null || created.provider === 'cpu') {
      this.provider = created.provider
      this.providerFallbackReason = created.fallbackReason ?? this.providerFallbackReason
    }
    return created.session
  }

  /** Create every session now (so the provider in use is known and load time is paid up front). */
  async warm(names: ModelName[] = ['clipVision', 'clipText', 'mapping', 'gpt2']): Promise<void> {
    for (const n of names) await this.session(n)
  }

  clipTokenizer(): ClipTokenizer {
    this.clipTok ??= loadClipTokenizer(this.pack.clip.dir)
    return this.clipTok
  }

  gpt2Tokenizer(): Gpt2Tokenizer {
    this.gpt2Tok ??= loadGpt2Tokenizer(this.pack.gpt2.dir)
    return this.gpt2Tok
  }

  async close(): Promise<void> {
    const all = [...this.sessions.values()]
    this.sessions.clear()
    for (const s of all) {
      try {
        await (await s).release()
      } catch {
        // a session that failed to load has nothing to release
      }
    }
  }
}
