// The AdamW update (adamw.ts's math) as one WebAssembly SIMD loop over a
// memory that holds every trained tensor, its gradient and its moments.
//
// [Note: host optimizer] The training graph outputs only gradients; the update
// runs here, in place. Before, the graph also output every updated tensor and
// both moments, and onnxruntime-node hands each output back in a NEW buffer
// (pre-allocated `fetches` are filled and then copied again), so each step
// allocated params + m + v afresh next to the old ones: ~0.5 GB a step for the
// transformer mapping, ~1.9 GB with GPT-2 tuned. Now the tensors live in this
// memory for the whole run: ORT reads the params from it (input tensors share
// memory, no copy) and writes the gradients into it (pre-allocated fetches);
// the one copy onnxruntime-node still makes of each gradient is dropped at once.
// A plain TypeScript loop with Math.fround per operation measured ~30 ns per
// element (1.3 s a step for the transformer mapping, 4.7 s with GPT-2 tuned);
// f32x4 is ~2–5 ns. WebAssembly's f32x4 add/sub/mul/div/sqrt are IEEE float32,
// correctly rounded and never fused, so the result is bit for bit that of the
// graph's float32 ops and of adamwUpdateHost (tested in pure.test.ts).
//
// Layout: four blocks [params][grads][m][v] of `blockBytes` each; a tensor sits
// at the same offset in each, 64-byte aligned, its padding zero (the update
// keeps zero padding zero), so one call updates every tensor.
import { adamwStepSize, type AdamWConfig } from './adamw.ts'

const uleb = (n: number): number[] => {
  const out: number[] = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n) b |= 0x80
    out.push(b)
  } while (n)
  return out
}
const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'utf8')]
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body]

/**
 * `adamw(p, g, m, v, bytes, β1, β2, 1−β1, 1−β2, eps, step, decay)`: offsets in
 * bytes, `bytes` a multiple of 16, the scalars float32. Per lane, as buildAdamWUpdate did:
 *   m = m·β1 + g·(1−β1); v = v·β2 + (g·g)·(1−β2); u = p − step·(m/(sqrt(v)+eps)); p = u − u·decay
 */
function kernelBytes(): Uint8Array<ArrayBuffer> {
  const I32 = 0x7f
  const F32 = 0x7d
  const V128 = 0x7b
  const simd = (op: number): number[] => [0xfd, ...uleb(op)]
  const LOAD = simd(0x00)
  const STORE = simd(0x0b)
  const SPLAT = simd(0x13)
  const SQRT = simd(0xe3)
  const ADD = simd(0xe4)
  const SUB = simd(0xe5)
  const MUL = simd(0xe6)
  const DIV = simd(0xe7)
  const MEMARG = [4, 0] // 16-byte alignment hint, offset 0
  const get = (i: number): number[] => [0x20, i]
  const set = (i: number): number[] => [0x21, i]
  const tee = (i: number): number[] => [0x22, i]
  // Locals: 0–4 p g m v bytes (i32), 5–11 the scalars (f32), 12 off (i32), 13–19 the scalars splatted, 20 g, 21 m, 22 v, 23 u.
  const at = (base: number): number[] => [...get(base), ...get(12), 0x6a] // base + off
  const [B1, B2, A1, A2, EPS, STEP, DECAY] = [13, 14, 15, 16, 17, 18, 19]
  const [G, M, V, U] = [20, 21, 22, 23]
  const body = [
    2, 1, I32, 11, V128,
    ...[5, 6, 7, 8, 9, 10, 11].flatMap((k, j) => [...get(k), ...SPLAT, ...set(13 + j)]),
    0x02, 0x40, 0x03, 0x40, // block, loop
    ...get(12), ...get(4), 0x4f, 0x0d, 1, // off >= bytes: break
    ...at(1), ...LOAD, ...MEMARG, ...set(G),
    ...at(2), ...at(2), ...LOAD, ...MEMARG, ...get(B1), ...MUL, ...get(G), ...get(A1), ...MUL, ...ADD, ...tee(M), ...STORE, ...MEMARG,
    ...at(3), ...at(3), ...LOAD, ...MEMARG, ...get(B2), ...MUL, ...get(G), ...get(G), ...MUL, ...get(A2), ...MUL, ...ADD, ...tee(V), ...STORE, ...MEMARG,
    ...at(0), ...LOAD, ...MEMARG, ...get(STEP), ...get(M), ...get(V), ...SQRT, ...get(EPS), ...ADD, ...DIV, ...MUL, ...SUB, ...set(U),
    ...at(0), ...get(U), ...get(U), ...get(DECAY), ...MUL, ...SUB, ...STORE, ...MEMARG,
    ...get(12), 0x41, 16, 0x6a, ...set(12), // off += 16
    0x0c, 0, 0x0b, 0x0b, 0x0b, // continue; end loop, block, function
  ] // prettier-ignore
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0],
    ...section(1, [1, 0x60, 12, I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32, 0]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 0x00]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('adamw'), 0x00, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ])
}

type Kernel = (p: number, g: number, m: number, v: number, bytes: number, ...scalars: number[]) => void
let compiled: WebAssembly.Module | null = null

const PAGE = 65536
const ALIGN = 64

export interface ArenaTensor {
  /** Views into the arena: the trained tensor, its gradient and its two moments. */
  param: Float32Array
  grad: Float32Array
  m: Float32Array
  v: Float32Array
}

/** The trained tensors, their gradients and AdamW moments in one WebAssembly memory (see the Note above). */
export class AdamWArena {
  readonly tensors = new Map<string, ArenaTensor>()
  private readonly kernel: Kernel
  private readonly blockBytes: number

  /** `sizes`: element count per tensor name. Everything starts at zero. */
  constructor(sizes: ReadonlyMap<string, number>) {
    const offsets = new Map<string, number>()
    let bytes = 0
    for (const [n, count] of sizes) {
      offsets.set(n, bytes)
      bytes += Math.ceil((count * 4) / ALIGN) * ALIGN
    }
    this.blockBytes = Math.max(bytes, ALIGN)
    const pages = Math.ceil((4 * this.blockBytes) / PAGE)
    if (pages > 65536) throw new Error(`the trained tensors need ${(4 * this.blockBytes) / 2 ** 30} GiB with gradients and moments, over WebAssembly's 4 GiB`)
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages })
    compiled ??= new WebAssembly.Module(kernelBytes())
    this.kernel = new WebAssembly.Instance(compiled, { env: { memory } }).exports.adamw as Kernel
    const view = (block: number, offset: number, count: number) => new Float32Array(memory.buffer, block * this.blockBytes + offset, count)
    for (const [n, count] of sizes) {
      const o = offsets.get(n)!
      this.tensors.set(n, { param: view(0, o, count), grad: view(1, o, count), m: view(2, o, count), v: view(3, o, count) })
    }
  }

  /** One AdamW step (the t-th, t ≥ 1) of every tensor from the gradients in the arena. */
  step(lr: number, t: number, cfg: AdamWConfig): void {
    const f = Math.fround
    const B = this.blockBytes
    this.kernel(
      0,
      B,
      2 * B,
      3 * B,
      B,
      f(cfg.beta1),
      f(cfg.beta2),
      f(1 - cfg.beta1),
      f(1 - cfg.beta2),
      f(cfg.eps),
      f(adamwStepSize(lr, t, cfg)),
      f(lr * cfg.weightDecay),
    )
  }
}
