// The GPT-2 decoder ONNX session (the decoder graph of models/gpt2.ts) as a
// DecoderStep: the KV cache is the previous run's `present.*` tensors, kept as
// ORT tensors and handed back as `past.*`; `cache_order` reorders or drops rows
// inside the graph (see [Note: batched decoding over one KV cache]). Only the
// outputs the step's head asks for are fetched ([Note: decoding inside the
// graph] in models/gpt2.ts): greedy receives one id per row, beam search k.
import * as ort from 'onnxruntime-node'
import type { DecoderCache, DecoderRunInput, DecoderRunOutput, DecoderStep, StepHead } from '../decoding/decoder-step.ts'
import type { Gpt2Config } from '../models/config.ts'

type Past = Record<string, ort.Tensor>

export class Gpt2DecoderStep implements DecoderStep {
  readonly vocabSize: number
  readonly embedDim: number
  private readonly heads: number
  private readonly headDim: number
  private readonly layers: number
  private readonly presentNames: string[]
  private readonly hasSummaries: boolean

  constructor(
    private readonly session: ort.InferenceSession,
    cfg: Gpt2Config,
  ) {
    this.vocabSize = cfg.vocabSize
    this.embedDim = cfg.nEmbd
    this.heads = cfg.nHead
    this.headDim = cfg.nEmbd / cfg.nHead
    this.layers = cfg.nLayer
    this.presentNames = []
    for (let i = 0; i < cfg.nLayer; i++) this.presentNames.push(`present.${i}.key`, `present.${i}.value`)
    // Graphs compiled before the in-graph summaries existed have no top_k input: full logits then.
    this.hasSummaries = session.inputNames.includes('top_k')
  }

  private fetches(head: StepHead): string[] {
    if (!this.hasSummaries || head === 'logits') return ['logits', ...this.presentNames]
    if (head === 'argmax') return ['next_token', ...this.presentNames]
    return ['top_values', 'top_ids', 'row_max', 'row_sum_exp', ...this.presentNames]
  }

  async run(input: DecoderRunInput): Promise<DecoderRunOutput> {
    const B = input.batch
    const feeds: Record<string, ort.Tensor> = {
      prefix_embeds: new ort.Tensor('float32', input.prefixEmbeds, [B, input.prefixLength, this.embedDim]),
      input_ids: new ort.Tensor(
        'int64',
        BigInt64Array.from(input.inputIds, (x) => BigInt(x)),
        [B, input.tokenLength],
      ),
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
    const head = input.head ?? 'logits'
    // top_k 0: no beam summaries at all (greedy and raw logits do not read them; see [Note: decoding inside the graph]).
    const k = typeof head === 'object' ? Math.min(head.topK, this.vocabSize) : 0
    if (this.hasSummaries) feeds.top_k = new ort.Tensor('int64', BigInt64Array.of(BigInt(k)), [1])
    const out = await this.session.run(feeds, this.fetches(head))
    const cache: Past = {}
    for (const name of this.presentNames) cache[name] = out[name]!
    const result: DecoderRunOutput = { cache: cache as DecoderCache }
    if (out.logits) result.logits = out.logits.data as Float32Array
    if (out.next_token) result.nextTokens = Int32Array.from(out.next_token.data as BigInt64Array, Number)
    if (out.top_values && out.top_ids && out.row_max && out.row_sum_exp) {
      result.topK = {
        k,
        values: out.top_values.data as Float32Array,
        ids: Int32Array.from(out.top_ids.data as BigInt64Array, Number),
        rowMax: out.row_max.data as Float32Array,
        rowSumExp: out.row_sum_exp.data as Float32Array,
      }
    }
    if (!result.logits && !result.nextTokens && !result.topK) throw new Error('GPT-2 session returned none of the requested outputs')
    return result
  }
}
