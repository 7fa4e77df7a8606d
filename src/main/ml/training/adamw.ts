// transformers.AdamW (v4.10), the optimizer of the paper's train.py — NOT
// torch.optim.AdamW (their bias correction and weight decay differ). Per parameter at its t-th step:
//   m = β1·m + (1−β1)·g ;  v = β2·v + (1−β2)·g²
//   step = lr·sqrt(1−β2^t)/(1−β1^t)            (bias correction folded into the step)
//   p ← p − step·m/(sqrt(v) + eps)             (eps added to sqrt(v), not to sqrt(v̂))
//   p ← p − lr·wd·p                            (decoupled decay, after the update)
// Defaults: β = (0.9, 0.999), eps 1e-6, weight decay 0.
//
// Two forms: `adamwUpdateHost` (pure TypeScript, the reference the tests use)
// and AdamWArena (adamw-wasm.ts: the same float32 ops as one WebAssembly SIMD
// loop, what training runs). The step size and lr·wd are computed in float64,
// like PyTorch's Python floats, then rounded to float32 once.

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

/**
 * One in-place update of p, m, v: every operation rounded to float32, the
 * scalars (β, 1−β, eps, step size, lr·wd) float32 too, as the graph form
 * computes it. The training session runs this on the gradients its graph
 * outputs ([Note: host optimizer] in session.ts).
 */
export function adamwUpdateHost(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, lr: number, t: number, cfg: AdamWConfig): void {
  if (g.length !== p.length || m.length !== p.length || v.length !== p.length)
    throw new Error(`AdamW: lengths differ (p ${p.length}, g ${g.length}, m ${m.length}, v ${v.length})`)
  const f = Math.fround
  const step = f(adamwStepSize(lr, t, cfg))
  const decay = f(lr * cfg.weightDecay)
  const b1 = f(cfg.beta1)
  const b2 = f(cfg.beta2)
  const a1 = f(1 - cfg.beta1)
  const a2 = f(1 - cfg.beta2)
  const eps = f(cfg.eps)
  // A product or sum of two float32 values computed in float64 and rounded once is the float32 result (exact for ×, +, /, sqrt).
  for (let i = 0; i < p.length; i++) {
    const gi = g[i]!
    const mi = f(f(m[i]! * b1) + f(gi * a1))
    const vi = f(f(v[i]! * b2) + f(f(gi * gi) * a2))
    m[i] = mi
    v[i] = vi
    const denom = f(f(Math.sqrt(vi)) + eps)
    const pi = f(p[i]! - f(step * f(mi / denom)))
    p[i] = f(pi - f(pi * decay))
  }
}
