// Runs the training-step graph (train-graph.ts) in onnxruntime-node: holds the
// trained tensors and AdamW moments on the host, feeds them with each batch,
// and takes back the updated ones. This is the only training module that
// touches ORT or the file system.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as ort from 'onnxruntime-node'
import { emitOnnx } from '../graph/emit-onnx.ts'
import { createSession } from '../runtime/session.ts'
import type { ProviderRequest } from '../runtime/providers.ts'
import type { HostTensor } from '../weights/tensor.ts'
import { adamwStepSize, type AdamWConfig } from './adamw.ts'
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

export interface StepResult {
  loss: number
  prefix: Float32Array
  targetLogProb: Float32Array
}

export class TrainingSession {
  /** Current trained tensors by paper name (clip_project.*, gpt.transformer.*). */
  readonly params = new Map<string, HostTensor>()
  readonly m = new Map<string, Float32Array>()
  readonly v = new Map<string, Float32Array>()
  /** Optimizer steps taken (Adam's t). */
  t = 0
  provider = 'cpu'
  fallbackReason: string | null = null

  private constructor(
    readonly spec: TrainGraphSpec,
    readonly trainable: string[],
    private readonly session: ort.InferenceSession,
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
    const s = new TrainingSession(spec, trainable, created.session, workDir, ownsWorkDir)
    s.provider = created.provider
    s.fallbackReason = created.fallbackReason
    for (const [name, t] of spec.mappingWeights) s.params.set(name, { ...t, data: Float32Array.from(t.data as Float32Array) })
    if (spec.tuneGpt2) for (const [name, t] of spec.gpt2Weights) s.params.set(gpt2PaperName(name), { ...t, data: Float32Array.from(t.data as Float32Array) })
    if (spec.optimizer) {
      for (const name of trainable) {
        const n = s.params.get(name)!.data.length
        s.m.set(name, new Float32Array(n))
        s.v.set(name, new Float32Array(n))
      }
    }
    return s
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

  /** Loss and gradients only (a graph built with optimizer: null). */
  async gradients(batch: Batch): Promise<StepResult & { grads: Map<string, Float32Array> }> {
    if (this.spec.optimizer) throw new Error('gradients(): this training graph applies the optimizer; build it with optimizer: null')
    const out = await this.session.run(this.feeds(batch))
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
    if (!cfg) throw new Error('step(): this training graph was built without an optimizer')
    const t = this.t + 1
    const f = this.feeds(batch)
    f.step_size = new ort.Tensor('float32', Float32Array.of(adamwStepSize(lr, t, cfg)), [])
    f.decay = new ort.Tensor('float32', Float32Array.of(lr * cfg.weightDecay), [])
    for (const name of this.trainable) {
      const shape = this.params.get(name)!.shape
      f[`adam_m.${name}`] = new ort.Tensor('float32', this.m.get(name)!, shape)
      f[`adam_v.${name}`] = new ort.Tensor('float32', this.v.get(name)!, shape)
    }
    const out = await this.session.run(f)
    for (const name of this.trainable) {
      const p = this.params.get(name)!
      this.params.set(name, { ...p, data: out[`new.${name}`]!.data as Float32Array })
      this.m.set(name, out[`new_m.${name}`]!.data as Float32Array)
      this.v.set(name, out[`new_v.${name}`]!.data as Float32Array)
    }
    this.t = t
    return this.common(out)
  }

  async release(): Promise<void> {
    await this.session.release()
    if (this.ownsWorkDir) fs.rmSync(this.workDir, { recursive: true, force: true })
  }
}
