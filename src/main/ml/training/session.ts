// Runs the training-step graph (train-graph.ts) in onnxruntime-node: holds the
// trained tensors, their gradients and AdamW moments on the host (one
// WebAssembly memory, adamw-wasm.ts), feeds the tensors with each batch, takes
// the gradients back into place and updates the tensors there ([Note: host
// optimizer]). This is the only training module that touches ORT or the file system.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import v8 from 'node:v8'
import vm from 'node:vm'
import * as ort from 'onnxruntime-node'
import { emitOnnx } from '../graph/emit-onnx.ts'
import { createSession } from '../runtime/session.ts'
import type { ProviderRequest } from '../runtime/providers.ts'
import type { HostTensor } from '../weights/tensor.ts'
import type { AdamWConfig } from './adamw.ts'
import { AdamWArena } from './adamw-wasm.ts'
import type { Batch } from './dataset.ts'
import { targetIndices } from './loss.ts'
import { buildTrainGraph, gpt2PaperName, type TrainGraphSpec } from './train-graph.ts'

export interface TrainingSessionOptions {
  /** Where the ONNX graph is written (default: a fresh temp folder, removed by release()). */
  workDir?: string
  provider?: ProviderRequest
  threads?: number
  /**
   * ORT's CPU memory arena (see createSession's cpuMemArena). Off by default for
   * training: with the arena a frozen-GPT-2 step (transformer p10, batch 16)
   * peaked at 4.99 GB, without it 3.83 GB, step time within the noise
   * (bench/train-step-child.ts, load ~22; README "Memory").
   */
  cpuMemArena?: boolean
}

/**
 * [Note: garbage between steps] onnxruntime-node copies every fetched output into a new
 * ArrayBuffer, the gradients too (0.17 GB a step for the transformer mapping, 0.63 GB with
 * GPT-2 tuned); the copies are dropped at once, but V8 collects them only when it next
 * decides to, often after the next step has made its own copies. A full collection before
 * each step (a few ms on the small JS heap) frees them and whatever the set-up left (the
 * caller's initial tensors once copied in). Measured, frozen transformer p10 batch 16: peak
 * RSS 2.01 → 1.84 GB; MLP p10 with GPT-2 tuned 4.17 → 3.61 GB (bench/train-step-child.ts).
 */
let gcFn: (() => void) | null | undefined
function collectGarbage(): void {
  if (gcFn === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc
    if (exposed) gcFn = exposed
    else {
      try {
        v8.setFlagsFromString('--expose-gc')
        gcFn = vm.runInNewContext('gc') as () => void
      } catch {
        gcFn = null
      }
    }
  }
  gcFn?.()
}

export type SessionSpec = Omit<TrainGraphSpec, 'mappingWeights' | 'gpt2Weights'>

export interface StepResult {
  loss: number
  prefix: Float32Array
  targetLogProb: Float32Array
}

export class TrainingSession {
  /**
   * Current trained tensors by paper name (clip_project.*, gpt.transformer.*):
   * views into the session's memory, updated in place by step() (copy what must
   * outlive the next step; restore() to load others).
   */
  readonly params = new Map<string, HostTensor>()
  readonly m = new Map<string, Float32Array>()
  readonly v = new Map<string, Float32Array>()
  /** Optimizer steps taken (Adam's t). */
  t = 0
  provider = 'cpu'
  fallbackReason: string | null = null
  /** The gradients as pre-allocated fetches: ORT writes them into the arena. */
  private readonly gradFetches: Record<string, ort.Tensor | null> = { loss: null, prefix: null, target_logprob: null }

  private constructor(
    /** The spec without its weight maps (a frozen GPT-2 is kept only as `frozen`). */
    readonly spec: SessionSpec,
    readonly trainable: string[],
    private readonly session: ort.InferenceSession,
    private readonly arena: AdamWArena,
    /** Frozen GPT-2 as input tensors over the caller's arrays ([Note: frozen GPT-2] in train-graph.ts). */
    private readonly frozen: Record<string, ort.Tensor>,
    private readonly workDir: string,
    private readonly ownsWorkDir: boolean,
  ) {}

  static async create(spec: TrainGraphSpec, opts: TrainingSessionOptions = {}): Promise<TrainingSession> {
    const { graph, trainable } = buildTrainGraph(spec)
    const ownsWorkDir = !opts.workDir
    const workDir = opts.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-train-'))
    fs.mkdirSync(workDir, { recursive: true })
    const { modelPath } = emitOnnx(graph, { dir: workDir, fileName: 'train-step.onnx' })
    const created = await createSession(modelPath, {
      provider: opts.provider ?? 'cpu',
      threads: opts.threads ?? 2,
      graphOptimizationLevel: 'all',
      cpuMemArena: opts.cpuMemArena ?? false,
      prepacking: false,
    })
    const initial = new Map<string, HostTensor>()
    for (const [name, t] of spec.mappingWeights) initial.set(name, t)
    if (spec.tuneGpt2) for (const [name, t] of spec.gpt2Weights) initial.set(gpt2PaperName(name), t)
    const arena = new AdamWArena(new Map(trainable.map((name) => [name, initial.get(name)!.data.length])))
    const { mappingWeights: _m, gpt2Weights: _g, ...config } = spec
    const frozen: Record<string, ort.Tensor> = {}
    if (!spec.tuneGpt2) for (const [name, t] of spec.gpt2Weights) frozen[`gpt2.${name}`] = new ort.Tensor('float32', t.data as Float32Array, t.shape)
    const s = new TrainingSession(config, trainable, created.session, arena, frozen, workDir, ownsWorkDir)
    s.provider = created.provider
    s.fallbackReason = created.fallbackReason
    for (const name of trainable) {
      const t = initial.get(name)!
      const a = arena.tensors.get(name)!
      a.param.set(t.data as Float32Array)
      s.params.set(name, { dtype: 'float32', shape: [...t.shape], data: a.param })
      s.m.set(name, a.m)
      s.v.set(name, a.v)
      s.gradFetches[`grad.${name}`] = new ort.Tensor('float32', a.grad, t.shape)
    }
    return s
  }

  /** Load a trained tensor and its moments (a checkpoint) into place. */
  restore(name: string, param: Float32Array, m: Float32Array, v: Float32Array): void {
    const a = this.arena.tensors.get(name)
    if (!a) throw new Error(`restore(): ${name} is not trained by this session`)
    if (param.length !== a.param.length || m.length !== a.m.length || v.length !== a.v.length)
      throw new Error(`restore(): ${name} has ${param.length} values, the session trains ${a.param.length}`)
    a.param.set(param)
    a.m.set(m)
    a.v.set(v)
  }

  private feeds(batch: Batch): Record<string, ort.Tensor> {
    const { spec } = this
    const B = spec.batchSize
    const L = spec.seqLen
    const P = spec.mapping.prefixLength
    if (batch.size !== B || batch.length !== L) throw new Error(`batch is [${batch.size}, ${batch.length}], the training graph was built for [${B}, ${L}]`)
    const pos = new BigInt64Array(B * (P + L))
    for (let r = 0; r < B; r++) for (let j = 0; j < P + L; j++) pos[r * (P + L) + j] = BigInt(j)
    const f: Record<string, ort.Tensor> = {
      ...this.frozen,
      clip_embedding: new ort.Tensor('float32', batch.clip, [B, batch.clipDim]),
      tokens: new ort.Tensor('int64', batch.tokens, [B, L]),
      attention_mask: new ort.Tensor('int64', batch.attentionMask, [B, P + L]),
      position_ids: new ort.Tensor('int64', pos, [B, P + L]),
      target_index: new ort.Tensor('int64', targetIndices(batch.tokens, B, L, spec.gpt2.vocabSize), [B, L]),
      loss_weight: new ort.Tensor('float32', batch.lossWeight, [B, L]),
    }
    for (const name of this.trainable) {
      const t = this.params.get(name)!
      f[`param.${name}`] = new ort.Tensor('float32', t.data as Float32Array, t.shape)
    }
    return f
  }

  /** Loss and gradients; the gradients land in the arena (the returned map holds onnxruntime-node's copies). */
  private run(batch: Batch): Promise<ort.InferenceSession.ReturnType> {
    return this.session.run(this.feeds(batch), this.gradFetches)
  }

  /** Loss and gradients only (no optimizer step). */
  async gradients(batch: Batch): Promise<StepResult & { grads: Map<string, Float32Array> }> {
    const out = await this.run(batch)
    const grads = new Map<string, Float32Array>()
    for (const name of this.trainable) grads.set(name, out[`grad.${name}`]!.data as Float32Array)
    return { ...this.common(out), grads }
  }

  private common(out: ort.InferenceSession.ReturnType): StepResult {
    return {
      loss: Number((out.loss!.data as Float32Array)[0]),
      prefix: out.prefix!.data as Float32Array,
      targetLogProb: out.target_logprob!.data as Float32Array,
    }
  }

  /** One optimizer step with learning rate `lr`; returns the loss before the update. */
  async step(batch: Batch, lr: number): Promise<StepResult> {
    const cfg: AdamWConfig | null = this.spec.optimizer
    if (!cfg) throw new Error('step(): this training session was created without an optimizer')
    const t = this.t + 1
    collectGarbage() // [Note: garbage between steps]
    const out = await this.run(batch)
    this.arena.step(lr, t, cfg)
    this.t = t
    return this.common(out)
  }

  async release(): Promise<void> {
    await this.session.release()
    if (this.ownsWorkDir) fs.rmSync(this.workDir, { recursive: true, force: true })
  }
}
