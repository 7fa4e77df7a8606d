// The training-step graph: ClipCap forward (mapping + GPT-2 with full-sequence
// logits, built by the same model builders as inference, with the trained
// tensors as graph inputs), the caption loss and its backward pass (autodiff.ts)
// in ONE ONNX graph that onnxruntime-node runs per batch. The AdamW update is
// not in the graph: the session applies it in place on the host ([Note: host
// optimizer] in adamw-wasm.ts).
//
// Graph I/O (names are exact; `<n>` is a trained tensor's paper name, e.g.
// `clip_project.model.0.weight` or `gpt.transformer.h.0.attn.c_attn.weight`):
//   inputs  clip_embedding f32 [B,D] (already normalised iff normalize_prefix),
//           tokens i64 [B,L], attention_mask i64 [B,P+L], position_ids i64 [B,P+L],
//           target_index i64 [B,L], loss_weight f32 [B,L],
//           param.<n>; with GPT-2 frozen also gpt2.<canonical name> (not differentiated)
//   outputs loss f32 [], prefix f32 [B,P,E], target_logprob f32 [B,L], grad.<n>
//
// [Note: frozen GPT-2] Without --tune-gpt2 the GPT-2 weights are graph inputs
// `gpt2.<canonical name>` that are not differentiated: autodiff emits only the
// activation gradients that flow back to the prefix (no weight gradients, no
// optimizer state). Inputs, not initializers: the session feeds the caller's
// arrays (ORT reads them in place), so the process holds GPT-2 once; as
// initializers ORT held a second copy (~0.5 GB, mapped from the external data
// file the session had to write first). With tuning, wte is ONE
// input used by the embedding Gather and the tied LM head, so its gradient is
// the sum of the lookup part and the dense head part.
import { GraphBuilder, type Value } from '../graph/builder.ts'
import type { Graph } from '../graph/ir.ts'
import { foldInitializerTransposes, pruneUnused } from '../graph/optimize.ts'
import type { Gpt2Config, MappingConfig } from '../models/config.ts'
import { gpt2Forward } from '../models/gpt2.ts'
import { mappingForward } from '../models/mapping.ts'
import { declareParams } from '../models/params.ts'
import type { WeightMap } from '../models/weight-names.ts'
import type { AdamWConfig } from './adamw.ts'
import { addGradients } from './autodiff.ts'
import { buildCaptionLoss } from './loss.ts'

/** Paper name of a canonical GPT-2 tensor (`wte.weight` → `gpt.transformer.wte.weight`). */
export const gpt2PaperName = (canonical: string): string => `gpt.transformer.${canonical}`

export interface TrainGraphSpec {
  mapping: MappingConfig
  gpt2: Gpt2Config
  /** `clip_project.*` tensors (nn.Linear [out,in] layout, as in the paper's state dict). */
  mappingWeights: WeightMap
  /** Canonical GPT-2 names (normalizeGpt2Weights). */
  gpt2Weights: WeightMap
  tuneGpt2: boolean
  batchSize: number
  /** Padded caption length L. */
  seqLen: number
  /** The session's AdamW (applied on the host, not in the graph); null: gradients only, no step(). */
  optimizer: AdamWConfig | null
}

export interface TrainGraph {
  graph: Graph
  /** Paper names of the trained tensors, in graph-input order. */
  trainable: string[]
}

export function buildTrainGraph(spec: TrainGraphSpec): TrainGraph {
  const { mapping, gpt2 } = spec
  const B = spec.batchSize
  const L = spec.seqLen
  const P = mapping.prefixLength
  if (P + L > gpt2.nPositions) throw new Error(`prefix length ${P} + caption length ${L} exceeds GPT-2's ${gpt2.nPositions} positions`)
  const g = new GraphBuilder(`train_${mapping.type}_${spec.tuneGpt2 ? 'tuned' : 'frozen'}`, { fusedGelu: true })
  const clip = g.input('clip_embedding', 'float32', [B, mapping.clipDim])
  const tokens = g.input('tokens', 'int64', [B, L])
  const attentionMask = g.input('attention_mask', 'int64', [B, P + L])
  const positionIds = g.input('position_ids', 'int64', [B, P + L])
  const targetIndex = g.input('target_index', 'int64', [B, L])
  const lossWeight = g.input('loss_weight', 'float32', [B, L])

  const trainable: { paper: string; value: Value }[] = []
  const mapParams = declareParams(g, spec.mappingWeights, 'input', 'param.')
  for (const [name, v] of mapParams) trainable.push({ paper: name, value: v })
  let gptParams: Map<string, Value>
  if (spec.tuneGpt2) {
    gptParams = new Map()
    for (const [name, t] of spec.gpt2Weights) {
      const v = g.input(`param.${gpt2PaperName(name)}`, t.dtype, [...t.shape])
      gptParams.set(name, v)
      trainable.push({ paper: gpt2PaperName(name), value: v })
    }
  } else gptParams = declareParams(g, spec.gpt2Weights, 'input', 'gpt2.')

  // The dataset already normalised the embedding (train.py --normalize_prefix), so the graph must not again.
  const prefix = g.scope('mapping', () => mappingForward(g, mapParams, { ...mapping, normalizePrefix: false }, clip).prefix)
  // [Note: head on the loss rows only] The tied LM head (the biggest matmul) is applied only to the
  // L rows the loss reads (positions P−1 … P+L−2), not to all P+L: gpt2Forward's hidden states after
  // ln_f are sliced first; its own last-position logits are unused and pruned by ORT.
  const hidden = g.scope(
    'gpt2',
    () => gpt2Forward(g, gptParams, gpt2, { prefixEmbeds: prefix, inputIds: tokens, attentionMask, positionIds }, { logits: 'last', hidden: true }).hidden!,
  )
  const { loss, targetLogProb } = g.scope('loss', () => {
    const rows = g.slice(hidden, [P - 1], [P + L - 1], [1]) // [B, L, E]
    // rows·wteᵀ as a Gemm with transB: no transposed copy of wte ([Note: no transposed weights] in grad-rules.ts).
    const wte = gptParams.get('wte.weight')!
    const logits = g.reshape(g.gemm(g.reshape(rows, [-1, wte.shape[1] as number]), wte, null, { transB: true }), [B, L, wte.shape[0] as number]) // [B, L, V]
    return buildCaptionLoss(g, { logits, targetIndex, lossWeight, prefixLength: 1 })
  })
  g.output(loss, 'loss')
  g.output(prefix, 'prefix')
  g.output(targetLogProb, 'target_logprob')

  const grads = addGradients(
    g,
    loss,
    trainable.map((t) => t.value),
  )
  for (const t of trainable) g.output(grads.get(t.value.name)!, `grad.${t.paper}`)
  // Drop what no output needs (gpt2Forward's last-position logits and KV outputs), and bake
  // Transposes of frozen weights that have no other reader into the stored tensors.
  return { graph: foldInitializerTransposes(pruneUnused(g.build())), trainable: trainable.map((t) => t.paper) }
}
