// transformers.AdamW (v4.10), the optimizer of the paper's train.py — NOT
// torch.optim.AdamW (their bias correction and weight decay differ). Per parameter at its t-th step:
//   m = β1·m + (1−β1)·g ;  v = β2·v + (1−β2)·g²
//   step = lr·sqrt(1−β2^t)/(1−β1^t)            (bias correction folded into the step)
//   p ← p − step·m/(sqrt(v) + eps)             (eps added to sqrt(v), not to sqrt(v̂))
//   p ← p − lr·wd·p                            (decoupled decay, after the update)
// Defaults: β = (0.9, 0.999), eps 1e-6, weight decay 0.
//
// Two forms: `adamwUpdateHost` (pure TypeScript, the reference the tests use)
// and `buildAdamWUpdate` (the same math as graph IR ops, emitted into the
// training-step ONNX graph). The scalar `stepSize` and `decay` are computed on
// the host in float64 and fed to the graph as inputs, like PyTorch's Python floats.
import type { GraphBuilder, Value } from '../graph/builder.ts'

export interface AdamWConfig {
  beta1: number
  beta2: number
  eps: number
  weightDecay: number
}

export const PAPER_ADAMW: AdamWConfig = { beta1: 0.9, beta2: 0.999, eps: 1e-6, weightDecay: 0 }

/** step size lr·sqrt(1−β2^t)/(1−β1^t) for the t-th step (t ≥ 1). */
export function adamwStepSize(lr: number, t: number, cfg: AdamWConfig): number {
  if (!(t >= 1)) throw new Error(`AdamW step count must be >= 1, got ${t}`)
  return (lr * Math.sqrt(1 - cfg.beta2 ** t)) / (1 - cfg.beta1 ** t)
}

/** One in-place update of p, m, v (float32 storage, each operation rounded to float32 as PyTorch does). */
export function adamwUpdateHost(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, lr: number, t: number, cfg: AdamWConfig): void {
  const f = Math.fround
  const step = adamwStepSize(lr, t, cfg)
  const decay = lr * cfg.weightDecay
  const b1 = f(cfg.beta1)
  const b2 = f(cfg.beta2)
  const a1 = f(1 - cfg.beta1)
  const a2 = f(1 - cfg.beta2)
  for (let i = 0; i < p.length; i++) {
    const gi = g[i]!
    const mi = f(f(m[i]! * b1) + f(gi * a1))
    const vi = f(f(v[i]! * b2) + f(f(gi * gi) * a2))
    m[i] = mi
    v[i] = vi
    const denom = f(f(Math.sqrt(vi)) + cfg.eps)
    let pi = f(p[i]! - f(step * f(mi / denom)))
    if (decay !== 0) pi = f(pi - f(pi * decay))
    p[i] = pi
  }
}

export interface AdamWGraphState {
  param: Value
  m: Value
  v: Value
}

/**
 * The update as graph ops. `stepSize` and `decay` (= lr·wd) are float32 scalar
 * values (graph inputs). Returns the new parameter and moments.
 */
export function buildAdamWUpdate(b: GraphBuilder, state: AdamWGraphState, grad: Value, stepSize: Value, decay: Value, cfg: AdamWConfig): AdamWGraphState {
  const m = b.add(b.mul(state.m, b.f32(cfg.beta1)), b.mul(grad, b.f32(1 - cfg.beta1)))
  const v = b.add(b.mul(state.v, b.f32(cfg.beta2)), b.mul(b.mul(grad, grad), b.f32(1 - cfg.beta2)))
  const denom = b.add(b.sqrt(v), b.f32(cfg.eps))
  const updated = b.sub(state.param, b.mul(stepSize, b.div(m, denom)))
  const decayed = b.sub(updated, b.mul(updated, decay))
  return { param: decayed, m, v }
}
