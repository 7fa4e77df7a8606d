// The GPT-2 decoder ONNX session (CONTRACTS.md "GPT-2 decoder") as a
// DecoderStep: the KV cache is the previous run's `present.*` tensors, kept as
// ORT tensors and handed back as `past.*`; `cache_order` reorders or drops rows
// inside the graph (see [Note: batched decoding over one KV cache]).
import * as ort from 'onnxruntime-node'
import type { DecoderCache, DecoderRunInput, DecoderRunOutput, DecoderStep } from '../decoding/decoder-step.ts'
import type { Gpt2Config } from '../models/config.ts'

type Past = Record<string, ort.Tensor>

export class Gpt2DecoderStep implements DecoderStep {
  readonly vocabSize: number
  readonly embedDim: number
  private readonly heads: number
  private readonly headDim: number
  private readonly layers: number

  constructor(private readonly session: ort.InferenceSession, cfg: Gpt2Config) {
    this.vocabSize = cfg.vocabSize
    this.embedDim = cfg.nEmbd
    this.heads = cfg.nHead
    this.headDim = cfg.nEmbd / cfg.nHead
    this.layers = cfg.nLayer
  }

  async run(input: DecoderRunInput): Promise<DecoderRunOutput> {
    const B = input.batch
    const feeds: Record<string, ort.Tensor> = {
      prefix_embeds: new ort.Tensor('float32', input.prefixEmbeds, [B, input.prefixLength, this.embedDim]),
      input_ids: new ort.Tensor('int64', BigInt64Array.from(input.inputIds, (x) => BigInt(x)), [B, input.tokenLength]),
      attention_mask: new ort.Tensor('int64', input.attentionMask, [B, input.pastLength + input.prefixLength + input.tokenLength]),
      position_ids: new ort.Tensor('int64', input.positionIds, [B, input.prefixLength + input.tokenLength]),
      cache_order: new ort.Tensor('int64', input.cacheOrder, [B]),
    }
    const past = input.cache as Past | null
    for (let i = 0; i < this.layers; i++) {
      for (const kv of ['key', 'value']) {
        feeds[`past.${i}.${kv}`] = past?.[`present.${i}.${kv}`] ?? new ort.Tensor('float32', new Float32Array(0), [B, this.heads, 0, this.headDim])
      }
    }
    const out = await this.session.run(feeds)
    const logits = out.logits
    if (!logits) throw new Error('GPT-2 session returned no logits')
    const cache: Past = {}
    for (const [name, t] of Object.entries(out)) if (name.startsWith('present.')) cache[name] = t
    return { logits: logits.data as Float32Array, cache: cache as DecoderCache }
  }
}
