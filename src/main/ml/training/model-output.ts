// Writing a trained model: OUT/mapping/config.json + model.safetensors
// (`clip_project.*`, the paper's state-dict names and nn.Linear layout) and,
// when GPT-2 was tuned, OUT/gpt2/config.json + model.safetensors with Hugging
// Face GPT2LMHeadModel names (`transformer.*`, Conv1D [in,out]) including the
// whole tied embedding (every row moves: the LM-head gradient is dense).
import fs from 'node:fs'
import path from 'node:path'
import type { MappingConfig } from '../models/config.ts'
import type { WeightMap } from '../models/weight-names.ts'
import { writeSafetensors } from '../weights/safetensors.ts'

/** The mapping config.json for `cfg`: the pack's fields kept, the architecture fields set from cfg. */
export function mappingConfigJson(cfg: MappingConfig, base: Record<string, unknown>, opts: { tunedGpt2: boolean }): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ...base,
    type: cfg.type,
    prefix_length: cfg.prefixLength,
    clip_length: cfg.type === 'transformer' ? cfg.clipLength : null,
    num_layers: cfg.type === 'transformer' ? cfg.numLayers : null,
    clip_dim: cfg.clipDim,
    prefix_dim: cfg.prefixDim,
    normalize_prefix: cfg.normalizePrefix,
  }
  if (cfg.type === 'mlp') {
    out.mlp_hidden_dim = cfg.mlpHiddenDim
    out.mlp_activation = 'tanh'
    for (const k of ['num_heads', 'mlp_ratio', 'attn_qkv_bias', 'layer_norm_eps']) delete out[k]
  } else {
    out.num_heads = cfg.numHeads
    out.mlp_ratio = cfg.mlpRatio
    out.attn_qkv_bias = false
    out.layer_norm_eps = 1e-5
    for (const k of ['mlp_hidden_dim', 'mlp_activation']) delete out[k]
  }
  if (opts.tunedGpt2) {
    out.gpt2_tuned = true
    out.paper_class = 'ClipCaptionModel'
  } else if (base.paper_class === undefined) out.paper_class = 'ClipCaptionPrefix'
  out.checkpoint_contains_gpt2 = false
  return out
}

export interface TrainedModel {
  mappingJson: Record<string, unknown>
  mapping: WeightMap
  /** Canonical GPT-2 names, or null when GPT-2 stayed frozen. */
  gpt2: WeightMap | null
  gpt2ConfigPath: string
}

export function writeTrainedModel(outDir: string, model: TrainedModel): void {
  const mappingDir = path.join(outDir, 'mapping')
  fs.mkdirSync(mappingDir, { recursive: true })
  writeSafetensors(path.join(mappingDir, 'model.safetensors'), model.mapping, { format: 'pt', producer: 'photocap train' })
  fs.writeFileSync(path.join(mappingDir, 'config.json'), JSON.stringify(model.mappingJson, null, 1) + '\n')
  if (model.gpt2) {
    const gptDir = path.join(outDir, 'gpt2')
    fs.mkdirSync(gptDir, { recursive: true })
    const named: WeightMap = new Map([...model.gpt2].map(([k, t]) => [`transformer.${k}`, t]))
    writeSafetensors(path.join(gptDir, 'model.safetensors'), named, { format: 'pt', producer: 'photocap train --tune-gpt2' })
    fs.copyFileSync(model.gpt2ConfigPath, path.join(gptDir, 'config.json'))
  }
}
