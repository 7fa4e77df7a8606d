// OpenAI CLIP's ModifiedResNet image tower (openai/CLIP clip/model.py):
// a stem of three 3×3 convolutions with a 2×2 average pool, four stages of
// Bottleneck blocks whose strides are average pools ("anti-aliased": after the
// 3×3 convolution, and before the 1×1 convolution of the downsample branch),
// then attention pooling with the mean token as the only query.
//
// BatchNorm is in inference form (the stored running statistics) and is folded
// into the convolution before it at build time: w' = w·γ/√(σ²+ε) per output
// channel, b' = β − μ·γ/√(σ²+ε), computed in float64. The image tower is never
// trained, so nothing needs the unfolded parameters.
import { GraphBuilder, type Value } from '../graph/builder.ts'
import type { Graph } from '../graph/ir.ts'
import type { HostTensor } from '../weights/tensor.ts'
import type { ClipConfig, ClipResNetVisionConfig } from './config.ts'
import { linearOutIn, mergeHeads, splitHeads } from './layers.ts'
import { attnPoolWidth } from './open-clip-weights.ts'
import { WeightsError, type WeightMap } from './weight-names.ts'

/** torch.nn.BatchNorm2d's default, which OpenAI's model uses. */
export const BATCH_NORM_EPS = 1e-5

/** Width of one attention-pool head (openai: heads = 32·W/64). */
const POOL_HEAD_DIM = 64

export interface ClipResNetGraphOptions {
  /** Add the intermediate stages as outputs (golden tests): `stem.act1…3`, `stem`, `layer1…4`, the first strided block's branches, `attnpool.tokens`, `attnpool.attn_weights`. */
  debug?: boolean
}

class Tower {
  readonly g = new GraphBuilder('clip_vision')
  readonly debug: [Value, string][] = []

  constructor(
    private readonly weights: WeightMap,
    private readonly wantDebug: boolean,
  ) {}

  w(name: string): HostTensor {
    const t = this.weights.get(name)
    if (!t) throw new WeightsError(`ResNet CLIP tensor ${name} was not provided`)
    return t
  }

  tap(v: Value, name: string): Value {
    if (this.wantDebug) this.debug.push([v, name])
    return v
  }

  /** conv (no bias) followed by BatchNorm, folded into one biased convolution. */
  convBn(x: Value, conv: string, bn: string, pad: number, stride = 1): Value {
    const w = this.w(`${conv}.weight`)
    const gamma = this.w(`${bn}.weight`).data as Float32Array
    const beta = this.w(`${bn}.bias`).data as Float32Array
    const mean = this.w(`${bn}.running_mean`).data as Float32Array
    const variance = this.w(`${bn}.running_var`).data as Float32Array
    const out = w.shape[0]!
    const per = w.data.length / out
    const src = w.data as Float32Array
    const folded = new Float32Array(src.length)
    const bias = new Float32Array(out)
    for (let o = 0; o < out; o++) {
      const scale = gamma[o]! / Math.sqrt(variance[o]! + BATCH_NORM_EPS)
      for (let i = o * per; i < (o + 1) * per; i++) folded[i] = src[i]! * scale
      bias[o] = beta[o]! - mean[o]! * scale
    }
    const wv = this.g.initializer(`${conv}.weight_bn_folded`, { dtype: 'float32', shape: [...w.shape], data: folded })
    const bv = this.g.initializer(`${conv}.bias_bn_folded`, { dtype: 'float32', shape: [out], data: bias })
    return this.g.conv2d(x, wv, { stride, pads: pad, bias: bv })
  }

  init(name: string): Value {
    return this.g.initializer(name, this.w(name))
  }
}

function bottleneck(t: Tower, x: Value, pre: string, stride: number, hasDownsample: boolean, tapBranches: boolean): Value {
  const g = t.g
  const a = g.relu(t.convBn(x, `${pre}conv1`, `${pre}bn1`, 0))
  let b = g.relu(t.convBn(a, `${pre}conv2`, `${pre}bn2`, 1))
  if (tapBranches) t.tap(b, `${pre.slice('visual.'.length)}branch_conv2`)
  b = g.averagePool(b, stride)
  if (tapBranches) t.tap(b, `${pre.slice('visual.'.length)}branch_avgpool`)
  const c = t.convBn(b, `${pre}conv3`, `${pre}bn3`, 0)
  if (tapBranches) t.tap(c, `${pre.slice('visual.'.length)}branch_bn3`)
  let idn = x
  if (hasDownsample) {
    idn = t.convBn(g.averagePool(x, stride), `${pre}downsample.0`, `${pre}downsample.1`, 0)
    if (tapBranches) t.tap(idn, `${pre.slice('visual.'.length)}downsample`)
  }
  return g.relu(g.add(c, idn))
}

function attentionPool(t: Tower, x: Value, v: ClipResNetVisionConfig, outDim: number): Value {
  const g = t.g
  const E = attnPoolWidth(v.width)
  const grid = v.imageSize / 32
  const cells = grid * grid
  // [B,E,g,g] -> [B,g²,E], token index h·g + w (row-major), mean token first.
  const tokens = g.transpose(g.reshape(x, [0, 0, cells]), [0, 2, 1])
  let seq = g.concat([g.reduceMean(tokens, [1], true), tokens], 1)
  seq = t.tap(g.add(seq, t.init('visual.attnpool.positional_embedding')), 'attnpool.tokens')
  const p = (n: string) => t.init(`visual.attnpool.${n}`)
  const query = g.slice(seq, [0], [1], [1]) // [B,1,E]: the mean token is the only query
  const heads = v.heads
  const q = splitHeads(g, linearOutIn(g, query, p('q_proj.weight'), p('q_proj.bias')), heads, POOL_HEAD_DIM)
  const k = splitHeads(g, linearOutIn(g, seq, p('k_proj.weight'), p('k_proj.bias')), heads, POOL_HEAD_DIM)
  const val = splitHeads(g, linearOutIn(g, seq, p('v_proj.weight'), p('v_proj.bias')), heads, POOL_HEAD_DIM)
  const scores = g.matmul(g.mul(q, g.f32(1 / Math.sqrt(POOL_HEAD_DIM))), g.transpose(k, [0, 1, 3, 2])) // [B,H,1,N]
  const weights = g.softmax(scores, -1)
  if (E !== heads * POOL_HEAD_DIM) throw new WeightsError(`attention pool width ${E} is not ${heads} heads of ${POOL_HEAD_DIM}`)
  t.tap(g.squeeze(weights, [2]), 'attnpool.attn_weights')
  const pooled = g.squeeze(mergeHeads(g, g.matmul(weights, val), heads, POOL_HEAD_DIM), [1]) // [B,E]
  const out = linearOutIn(g, pooled, p('c_proj.weight'), p('c_proj.bias'))
  if (out.shape[1] !== outDim) throw new WeightsError(`attnpool.c_proj gives ${String(out.shape[1])} values, the config's embed_dim is ${outDim}`)
  return out
}

/** Vision graph of a ResNet CLIP: `pixel_values` [B,3,R,R] -> `image_embeds` [B,embed_dim] (not normalised). `weights`: open-clip-weights.ts names. */
export function buildClipResNetVisionGraph(weights: WeightMap, cfg: ClipConfig, opts: ClipResNetGraphOptions = {}): Graph {
  const v = cfg.vision
  if (v.architecture !== 'resnet') throw new WeightsError('buildClipResNetVisionGraph needs a ResNet CLIP config')
  const t = new Tower(weights, opts.debug ?? false)
  const g = t.g
  const pixels = g.input('pixel_values', 'float32', ['batch', 3, v.imageSize, v.imageSize])
  let x = t.tap(g.relu(t.convBn(pixels, 'visual.conv1', 'visual.bn1', 1, 2)), 'stem.act1')
  x = t.tap(g.relu(t.convBn(x, 'visual.conv2', 'visual.bn2', 1)), 'stem.act2')
  x = t.tap(g.relu(t.convBn(x, 'visual.conv3', 'visual.bn3', 1)), 'stem.act3')
  x = t.tap(g.averagePool(x, 2), 'stem')
  let firstStrided = true
  for (let s = 1; s <= 4; s++) {
    for (let b = 0; b < v.layers[s - 1]!; b++) {
      const stride = b === 0 && s > 1 ? 2 : 1
      x = g.scope(`layer${s}.${b}`, () => bottleneck(t, x, `visual.layer${s}.${b}.`, stride, b === 0, stride > 1 && firstStrided))
      if (stride > 1) firstStrided = false
    }
    x = t.tap(x, `layer${s}`)
  }
  const embeds = attentionPool(t, x, v, cfg.projectionDim)
  g.output(embeds, 'image_embeds')
  for (const [val, name] of t.debug) g.output(g.identity(val), name)
  return g.build()
}
