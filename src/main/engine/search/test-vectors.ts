// Deterministic pseudo-random vectors for tests and benchmarks (no Math.random,
// so a failure reproduces).

export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    // xorshift32
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return s / 2 ** 32
  }
}

/** Approximately Gaussian components (sum of uniforms), not normalised. */
export function randomVector(dim: number, next: () => number): Float32Array {
  const v = new Float32Array(dim)
  for (let i = 0; i < dim; i++) v[i] = next() + next() + next() - 1.5
  return v
}
