// Exact meaning search over every stored image embedding of one model.
//
// [Note: exact vector index]
// People's libraries are 1k-1M photos. One contiguous matrix of L2-normalised
// vectors scanned with a SIMD dot product ([Note: SIMD scoring kernels]) answers a
// query at 1M in about the time an approximate index (HNSW, IVF) needs just to
// reach recall 0.99, with none of their build time, memory overhead or update
// cost, and it is exact. bench/search.bench.ts measures this. Compressed forms
// (float16: half the memory; int8 with one scale per vector: a quarter, and the
// fastest scan) rank approximately, so the best `k * rerankFactor` candidates are
// re-scored with the exact float32 vectors (read from the database through
// `exact`), which brings recall@10 back to >= 0.99 (measured in the bench).
//
// The index is scoped to one embedding model id: vectors of two models never mix.
// Rows are dense: removing a photo moves the last row into its place.
import { createMemory, instantiateKernels, type KernelExports, type WasmMemory } from './wasm-kernels.ts'
import { dotF16Js, dotF32Js, dotI8Js } from './vector-kernels-js.ts'
import { dot, floatToHalf, halfToFloat, normalize, quantizeQueryInt16 } from './vector-codec.ts'
import { topK } from './top-k.ts'

export type VectorEncoding = 'float32' | 'float16' | 'int8'

export interface VectorIndexOptions {
  modelId: string
  dim: number
  /** Storage form of the matrix; default float32. */
  encoding?: VectorEncoding
  /** Compressed forms re-rank max(k * rerankFactor, k + 32) candidates exactly; default 4. */
  rerankFactor?: number
  /** Exact vectors for the re-rank of compressed forms (usually from the database). */
  exact?: (ids: number[]) => Array<Float32Array | undefined>
  /** Use the WebAssembly SIMD kernels when the runtime has them; default true. */
  simd?: boolean
  /** Rows to reserve up front (the matrix grows by doubling otherwise). */
  capacity?: number
}

export interface VectorHit {
  id: number
  score: number
}

/** The distribution of scores over every candidate, for adaptive cut-offs. */
export interface ScoreStats {
  count: number
  mean: number
  std: number
  max: number
}

export interface VectorSearchOptions {
  k: number
  /** Only these photo ids may match (a filter); null or absent: all. */
  allowed?: Iterable<number> | null
  /** Photo ids that must not match (e.g. the photo itself in "more like this"). */
  exclude?: Iterable<number>
  /**
   * Also report the best `background` scores over every photo, ignoring
   * allowed/exclude: what a relevance cut-off compares against, so that a
   * filter does not change what counts as relevant.
   */
  background?: number
}

export interface VectorSearchResult {
  hits: VectorHit[]
  /** Over the allowed photos. */
  stats: ScoreStats
  /** Over every photo: the distribution and the best `background` scores, best first (before any re-rank). */
  background: { stats: ScoreStats; top: Float32Array }
}

const PAGE = 65536
const align16 = (n: number) => Math.ceil(n / 16) * 16

export class VectorIndex {
  readonly modelId: string
  readonly dim: number
  readonly encoding: VectorEncoding
  readonly usesSimd: boolean
  private readonly stride: number
  private readonly elemBytes: number
  private readonly rerankFactor: number
  private readonly exact: VectorIndexOptions['exact']
  private readonly wantSimd: boolean
  private capacity = 0
  private count = 0
  private ids = new Float64Array(0)
  private rowOf = new Map<number, number>()
  private memory!: WasmMemory
  private kernels: KernelExports | null = null
  private offsets = { query: 0, out: 0, scales: 0, matrix: 0 }
  private views = { f32: new Float32Array(0), u16: new Uint16Array(0), i8: new Int8Array(0), scales: new Float32Array(0) }

  constructor(options: VectorIndexOptions) {
    if (!Number.isInteger(options.dim) || options.dim <= 0) throw new Error(`vector index: dimension must be a positive integer, got ${options.dim}`)
    this.modelId = options.modelId
    this.dim = options.dim
    this.encoding = options.encoding ?? 'float32'
    this.stride = align16(options.dim)
    this.elemBytes = this.encoding === 'float32' ? 4 : this.encoding === 'float16' ? 2 : 1
    this.rerankFactor = options.rerankFactor ?? 4
    this.exact = options.exact
    this.wantSimd = options.simd ?? true
    this.allocate(Math.max(16, options.capacity ?? 1024))
    this.usesSimd = this.kernels !== null
  }

  get size(): number {
    return this.count
  }

  /** Bytes held by the matrix, scores and scales (what the index costs in memory). */
  get bytes(): number {
    return this.memory.buffer.byteLength
  }

  has(id: number): boolean {
    return this.rowOf.has(id)
  }

  *photoIds(): IterableIterator<number> {
    for (let r = 0; r < this.count; r++) yield this.ids[r]!
  }

  /** Add or replace the vector of photo `id` (normalised here). */
  upsert(id: number, vector: ArrayLike<number>): void {
    if (vector.length !== this.dim) {
      throw new Error(`vector index (${this.modelId}): photo ${id} has a ${vector.length}-d embedding, the index holds ${this.dim}-d vectors`)
    }
    let row = this.rowOf.get(id)
    if (row === undefined) {
      if (this.count === this.capacity) this.allocate(this.capacity * 2)
      row = this.count++
      this.rowOf.set(id, row)
      this.ids[row] = id
    }
    this.writeRow(row, vector)
  }

  remove(id: number): boolean {
    const row = this.rowOf.get(id)
    if (row === undefined) return false
    const last = this.count - 1
    if (row !== last) {
      const rowBytes = this.stride * this.elemBytes
      const bytes = new Uint8Array(this.memory.buffer)
      const m = this.offsets.matrix
      bytes.copyWithin(m + row * rowBytes, m + last * rowBytes, m + (last + 1) * rowBytes)
      if (this.encoding === 'int8') this.scales()[row] = this.scales()[last]!
      const movedId = this.ids[last]!
      this.ids[row] = movedId
      this.rowOf.set(movedId, row)
    }
    this.rowOf.delete(id)
    this.count--
    return true
  }

  clear(): void {
    this.count = 0
    this.rowOf.clear()
  }

  /** The stored vector of `id` as the index holds it (decoded), or undefined. */
  vector(id: number): Float32Array | undefined {
    const row = this.rowOf.get(id)
    if (row === undefined) return undefined
    const out = new Float32Array(this.dim)
    const base = row * this.stride
    if (this.encoding === 'float32') out.set(this.matF32().subarray(base, base + this.dim))
    else if (this.encoding === 'float16') {
      const m = this.matF16()
      for (let j = 0; j < this.dim; j++) out[j] = halfToFloat(m[base + j]!)
    } else {
      const m = this.matI8()
      const s = this.scales()[row]!
      for (let j = 0; j < this.dim; j++) out[j] = m[base + j]! * s
    }
    return out
  }

  /**
   * The k photos most similar to `query` (cosine), best first, plus the score
   * distribution over every allowed photo.
   */
  search(query: ArrayLike<number>, options: VectorSearchOptions): VectorSearchResult {
    if (query.length !== this.dim) {
      throw new Error(`vector index (${this.modelId}): query has ${query.length} dimensions, the index holds ${this.dim}-d vectors`)
    }
    const q = normalize(query)
    const n = this.count
    const scores = this.scoreAll(q)
    let accept: Uint8Array | null = null
    if (options.allowed) {
      accept = new Uint8Array(n)
      for (const id of options.allowed) {
        const row = this.rowOf.get(id)
        if (row !== undefined) accept[row] = 1
      }
    }
    if (options.exclude) {
      for (const id of options.exclude) {
        const row = this.rowOf.get(id)
        if (row === undefined) continue
        accept ??= new Uint8Array(n).fill(1)
        accept[row] = 0
      }
    }
    const stats = scoreStats(scores, n, accept)
    // without a filter the background's best scores are the candidates' own (saves a pass over every row)
    const sameAsTop = !accept && wantedCandidates(options.k, this.encoding, this.rerankFactor) >= (options.background ?? 0)
    const backgroundTop = options.background && !sameAsTop ? topK(scores, n, options.background, null).scores : null
    const k = Math.max(0, Math.floor(options.k))
    const compressed = this.encoding !== 'float32'
    const top = topK(scores, n, wantedCandidates(k, this.encoding, this.rerankFactor), accept)
    const background = {
      stats: accept ? scoreStats(scores, n, null) : stats,
      top: backgroundTop ?? (options.background ? top.scores.slice(0, options.background) : new Float32Array(0)),
    }
    let hits: VectorHit[] = Array.from(top.rows, (row, i) => ({ id: this.ids[row]!, score: top.scores[i]! }))
    if (compressed && this.exact && hits.length > 0) {
      const vectors = this.exact(hits.map((h) => h.id))
      hits = hits.map((h, i) => {
        const v = vectors[i]
        return v && v.length === this.dim ? { id: h.id, score: dot(normalize(v), q) } : h
      })
      hits.sort((a, b) => b.score - a.score || a.id - b.id)
    }
    return { hits: hits.slice(0, k), stats, background }
  }

  /** Scores of every row against a unit query (a view valid until the next call). */
  private scoreAll(q: Float32Array): Float32Array {
    const n = this.count
    const { query, out, scales, matrix } = this.offsets
    const buffer = this.memory.buffer
    const outView = new Float32Array(buffer, out, n)
    if (n === 0) return outView
    if (this.encoding === 'float32') {
      const qv = new Float32Array(buffer, query, this.stride).fill(0)
      qv.set(q)
      if (this.kernels) this.kernels.dot_f32(query, matrix, n, this.stride, out)
      else dotF32Js(qv, this.matF32(), n, this.stride, outView)
    } else if (this.encoding === 'float16') {
      const qv = new Float32Array(buffer, query, this.stride).fill(0)
      if (this.kernels) {
        // the kernel reads halves as h * 2^-112 (see wasm-kernels.ts), so scale the query up
        for (let j = 0; j < this.dim; j++) qv[j] = q[j]! * 2 ** 112
        this.kernels.dot_f16(query, matrix, n, this.stride, out)
      } else {
        qv.set(q)
        dotF16Js(qv, this.matF16(), n, this.stride, outView)
      }
    } else {
      const qv = new Int16Array(buffer, query, this.stride).fill(0)
      const qscale = quantizeQueryInt16(q, qv.subarray(0, this.dim))
      if (this.kernels) this.kernels.dot_i8(query, matrix, scales, n, this.stride, qscale, out)
      else dotI8Js(qv, this.matI8(), this.scales(), n, this.stride, qscale, outView)
    }
    return outView
  }

  /** Write `v` normalised into `row`, without allocating (rebuilds write a million rows). */
  private writeRow(row: number, v: ArrayLike<number>): void {
    const base = row * this.stride
    const dim = this.dim
    let sum = 0
    let maxAbs = 0
    for (let j = 0; j < dim; j++) {
      const x = v[j]!
      sum += x * x
      const a = x < 0 ? -x : x
      if (a > maxAbs) maxAbs = a
    }
    const inv = sum > 0 && Number.isFinite(sum) ? 1 / Math.sqrt(sum) : 0
    if (this.encoding === 'float32') {
      const m = this.views.f32
      for (let j = 0; j < dim; j++) m[base + j] = v[j]! * inv
      m.fill(0, base + dim, base + this.stride)
    } else if (this.encoding === 'float16') {
      const m = this.views.u16
      for (let j = 0; j < dim; j++) m[base + j] = floatToHalf(v[j]! * inv)
      m.fill(0, base + dim, base + this.stride)
    } else {
      // symmetric int8 with one scale per row: the largest component maps to 127
      const m = this.views.i8
      const scale = (maxAbs * inv) / 127
      const toCode = scale > 0 ? inv / scale : 0
      for (let j = 0; j < dim; j++) m[base + j] = Math.round(v[j]! * toCode)
      m.fill(0, base + dim, base + this.stride)
      this.views.scales[row] = scale
    }
  }

  private matF32(): Float32Array {
    return this.views.f32
  }
  private matF16(): Uint16Array {
    return this.views.u16
  }
  private matI8(): Int8Array {
    return this.views.i8
  }
  private scales(): Float32Array {
    return this.views.scales
  }

  /** (Re)allocate linear memory for `rows` rows, keeping the rows held so far. */
  private allocate(rows: number): void {
    const capacity = align16(rows)
    const query = 0
    const out = align16(this.stride * 4)
    const scales = out + capacity * 4
    const matrix = scales + (this.encoding === 'int8' ? capacity * 4 : 0)
    const total = matrix + capacity * this.stride * this.elemBytes
    const pages = Math.ceil(total / PAGE)
    if (pages > 65536) {
      throw new Error(`vector index (${this.modelId}): ${rows} ${this.dim}-d ${this.encoding} vectors exceed 4 GiB; use a compressed encoding`)
    }
    const memory = createMemory(pages)
    if (this.memory && this.count > 0) {
      const from = new Uint8Array(this.memory.buffer)
      const to = new Uint8Array(memory.buffer)
      const rowBytes = this.stride * this.elemBytes
      to.set(from.subarray(this.offsets.matrix, this.offsets.matrix + this.count * rowBytes), matrix)
      if (this.encoding === 'int8') to.set(from.subarray(this.offsets.scales, this.offsets.scales + this.count * 4), scales)
    }
    const ids = new Float64Array(capacity)
    ids.set(this.ids.subarray(0, this.count))
    this.ids = ids
    this.memory = memory
    this.capacity = capacity
    this.offsets = { query, out, scales, matrix }
    this.kernels = this.wantSimd ? instantiateKernels(memory) : null
    const cells = capacity * this.stride
    const buf = memory.buffer
    this.views = {
      f32: this.encoding === 'float32' ? new Float32Array(buf, matrix, cells) : new Float32Array(0),
      u16: this.encoding === 'float16' ? new Uint16Array(buf, matrix, cells) : new Uint16Array(0),
      i8: this.encoding === 'int8' ? new Int8Array(buf, matrix, cells) : new Int8Array(0),
      scales: new Float32Array(buf, scales, this.encoding === 'int8' ? capacity : 0),
    }
  }
}

/** Candidates taken from the scan: k, or more for a compressed form's exact re-rank. */
function wantedCandidates(k: number, encoding: VectorEncoding, rerankFactor: number): number {
  const kk = Math.max(0, Math.floor(k))
  return encoding === 'float32' ? kk : Math.max(kk * rerankFactor, kk + 32)
}

function scoreStats(scores: Float32Array, n: number, accept: Uint8Array | null): ScoreStats {
  let count = 0
  let sum = 0
  let sumSq = 0
  let max = -Infinity
  for (let r = 0; r < n; r++) {
    if (accept && accept[r] === 0) continue
    const s = scores[r]!
    count++
    sum += s
    sumSq += s * s
    if (s > max) max = s
  }
  const mean = count ? sum / count : 0
  const std = count ? Math.sqrt(Math.max(0, sumSq / count - mean * mean)) : 0
  return { count, mean, std, max: count ? max : 0 }
}
