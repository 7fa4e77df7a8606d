// [Note: SIMD scoring kernels]
// Exact meaning search is one dot product per stored photo. Plain JavaScript does
// about 1.3 G multiply-adds/s here (100k x 512-d in ~40 ms; 1M in ~400 ms), which
// misses the 1M goal, so the three scan loops are tiny WebAssembly SIMD kernels:
//   dot_f32(q, m, n, dim, out)                 float32 rows
//   dot_f16(q, m, n, dim, out)                 IEEE half rows, q pre-scaled by 2^112
//   dot_i8(q16, m, scales, n, dim, qscale, out) int8 rows with a per-row scale
// The bytes are assembled here from a handful of opcodes instead of shipping a
// prebuilt .wasm blob, so every instruction can be read and reviewed. The kernels
// only read and write the linear memory that the index owns (vector-store.ts).
// Every kernel has a plain-JS twin in vector-kernels-js.ts; tests check that
// both give the same scores, and the JS twin runs where SIMD is unavailable.
// Requirements: dim % 16 === 0 and all pointers 16-byte aligned.

const I32 = 0x7f
const F32 = 0x7d
const V128 = 0x7b

function uleb(n: number): number[] {
  const out: number[] = []
  do {
    let byte = n & 0x7f
    n >>>= 7
    if (n !== 0) byte |= 0x80
    out.push(byte)
  } while (n !== 0)
  return out
}

function sleb(n: number): number[] {
  const out: number[] = []
  for (;;) {
    const byte = n & 0x7f
    n >>= 7
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)
    out.push(done ? byte : byte | 0x80)
    if (done) return out
  }
}

const str = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'utf8')]
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()]
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body]

// Instruction helpers (scalar opcodes from the core spec, SIMD under prefix 0xfd).
const get = (i: number) => [0x20, ...uleb(i)]
const set = (i: number) => [0x21, ...uleb(i)]
const i32c = (v: number) => [0x41, ...sleb(v)]
const simd = (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm]
const memarg = (align: number, offset = 0) => [...uleb(align), ...uleb(offset)]
const v128load = (offset = 0) => simd(0x00, ...memarg(0, offset))
const v128const32 = (x: number) => {
  const b = Buffer.alloc(16)
  for (let i = 0; i < 4; i++) b.writeUInt32LE(x >>> 0, i * 4)
  return simd(0x0c, ...b)
}
const op = {
  i32add: [0x6a],
  i32geu: [0x4f],
  i32ltu: [0x49],
  f32add: [0x92],
  f32mul: [0x94],
  f32convI32s: [0xb2],
  f32store: [0x38, ...memarg(2)],
  f32load: [0x2a, ...memarg(2)],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  brIf: (d: number) => [0x0d, ...uleb(d)],
  br: (d: number) => [0x0c, ...uleb(d)],
  f32x4add: simd(0xe4),
  f32x4mul: simd(0xe6),
  f32x4lane: (l: number) => simd(0x1f, l),
  i32x4lane: (l: number) => simd(0x1b, l),
  i32x4add: simd(0xae),
  i32x4shl: simd(0xab),
  i32x4dotI16: simd(0xba),
  i16x8extLowI8s: simd(0x87),
  i16x8extHighI8s: simd(0x88),
  i32x4extLowI16u: simd(0xa9),
  i32x4extHighI16u: simd(0xaa),
  v128and: simd(0x4e),
  v128or: simd(0x50),
}

/** Horizontal sum of the f32x4 in local `acc`, left on the stack. */
const hsumF32 = (acc: number) => [
  ...get(acc),
  ...op.f32x4lane(0),
  ...get(acc),
  ...op.f32x4lane(1),
  ...op.f32add,
  ...get(acc),
  ...op.f32x4lane(2),
  ...op.f32add,
  ...get(acc),
  ...op.f32x4lane(3),
  ...op.f32add,
]
const hsumI32 = (acc: number) => [
  ...get(acc),
  ...op.i32x4lane(0),
  ...get(acc),
  ...op.i32x4lane(1),
  ...op.i32add,
  ...get(acc),
  ...op.i32x4lane(2),
  ...op.i32add,
  ...get(acc),
  ...op.i32x4lane(3),
  ...op.i32add,
]
const zero = (local: number) => [...v128const32(0), ...set(local)]
const addTo = (local: number, by: number[]) => [...get(local), ...by, ...op.i32add, ...set(local)]

/**
 * Row loop shared by the kernels: for r in [0, n): `body` accumulates over one row
 * (mp = row start, qp = query start), then `finish` stores out[r]. Locals 0..params-1
 * are the parameters; the caller names the extra locals.
 */
function rowLoop(p: { n: number; m: number; r: number; mp: number; rowBytes: number; out: number }, perRow: number[]): number[] {
  return [
    ...i32c(0),
    ...set(p.r),
    ...get(p.m),
    ...set(p.mp),
    ...op.block,
    ...op.loop,
    ...get(p.r),
    ...get(p.n),
    ...op.i32geu,
    ...op.brIf(1),
    ...perRow,
    ...addTo(p.mp, get(p.rowBytes)),
    ...addTo(p.out, i32c(4)),
    ...addTo(p.r, i32c(1)),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ]
}

function dotF32(): { params: number[]; locals: number[]; body: number[] } {
  // params: q=0 m=1 n=2 dim=3 out=4; locals: r=5 j=6 mp=7 rowBytes=8 qp=9 (i32) acc=10 acc2=11 (v128)
  const [q, m, n, dim, out, r, j, mp, rowBytes, qp, acc, acc2] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
  const perRow = [
    ...zero(acc),
    ...zero(acc2),
    ...i32c(0),
    ...set(j),
    ...get(q),
    ...set(qp),
    ...op.loop,
    // acc += m[j..j+4] * q[j..j+4]; acc2 += the next four (two chains for ILP)
    ...get(acc),
    ...get(mp),
    ...get(j),
    ...op.i32add,
    ...v128load(0),
    ...get(qp),
    ...v128load(0),
    ...op.f32x4mul,
    ...op.f32x4add,
    ...set(acc),
    ...get(acc2),
    ...get(mp),
    ...get(j),
    ...op.i32add,
    ...v128load(16),
    ...get(qp),
    ...v128load(16),
    ...op.f32x4mul,
    ...op.f32x4add,
    ...set(acc2),
    ...addTo(j, i32c(32)),
    ...addTo(qp, i32c(32)),
    ...get(j),
    ...get(rowBytes),
    ...op.i32ltu,
    ...op.brIf(0),
    ...op.end,
    ...get(acc),
    ...get(acc2),
    ...op.f32x4add,
    ...set(acc),
    ...get(out),
    ...hsumF32(acc),
    ...op.f32store,
  ]
  return {
    params: [I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, I32, I32, V128, V128],
    body: [...get(dim), ...i32c(4), 0x6c /* i32.mul */, ...set(rowBytes), ...rowLoop({ n, m, r, mp, rowBytes, out }, perRow)],
  }
}

function dotF16(): { params: number[]; locals: number[]; body: number[] } {
  // params: q=0 (f32, pre-scaled by 2^112) m=1 (u16) n=2 dim=3 out=4
  // locals: r=5 j=6 mp=7 rowBytes=8 qp=9 (i32) acc=10 v=11 magMask=12 signMask=13 (v128)
  // Half -> float bits: ((h & 0x7fff) << 13) | ((h & 0x8000) << 16) is the float
  // h * 2^-112 exactly (zero and subnormal halves included), hence the pre-scaled query.
  const [q, m, n, dim, out, r, j, mp, rowBytes, qp, acc, v, magMask, signMask] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
  const halfToBits = (extend: number[]) => [
    ...get(v),
    ...extend,
    ...get(magMask),
    ...op.v128and,
    ...i32c(13),
    ...op.i32x4shl,
    ...get(v),
    ...extend,
    ...get(signMask),
    ...op.v128and,
    ...i32c(16),
    ...op.i32x4shl,
    ...op.v128or,
  ]
  const perRow = [
    ...zero(acc),
    ...i32c(0),
    ...set(j),
    ...get(q),
    ...set(qp),
    ...op.loop,
    ...get(mp),
    ...get(j),
    ...op.i32add,
    ...v128load(0),
    ...set(v),
    ...get(acc),
    ...halfToBits(op.i32x4extLowI16u),
    ...get(qp),
    ...v128load(0),
    ...op.f32x4mul,
    ...op.f32x4add,
    ...set(acc),
    ...get(acc),
    ...halfToBits(op.i32x4extHighI16u),
    ...get(qp),
    ...v128load(16),
    ...op.f32x4mul,
    ...op.f32x4add,
    ...set(acc),
    ...addTo(j, i32c(16)),
    ...addTo(qp, i32c(32)),
    ...get(j),
    ...get(rowBytes),
    ...op.i32ltu,
    ...op.brIf(0),
    ...op.end,
    ...get(out),
    ...hsumF32(acc),
    ...op.f32store,
  ]
  return {
    params: [I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, I32, I32, V128, V128, V128, V128],
    body: [
      ...v128const32(0x7fff),
      ...set(magMask),
      ...v128const32(0x8000),
      ...set(signMask),
      ...get(dim),
      ...i32c(2),
      0x6c,
      ...set(rowBytes),
      ...rowLoop({ n, m, r, mp, rowBytes, out }, perRow),
    ],
  }
}

function dotI8(): { params: number[]; locals: number[]; body: number[] } {
  // params: q16=0 (i16) m=1 (i8) scales=2 (f32 per row) n=3 dim=4 qscale=5 (f32) out=6
  // locals: r=7 j=8 mp=9 rowBytes(=dim)=10 qp=11 sp=12 (i32) acc=13 v=14 (v128)
  // The caller keeps dim * 127 * max|q16| below 2^31 so the i32 lanes cannot overflow.
  const [q, m, scales, n, dim, qscale, out, r, j, mp, rowBytes, qp, sp, acc, v] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]
  const perRow = [
    ...zero(acc),
    ...i32c(0),
    ...set(j),
    ...get(q),
    ...set(qp),
    ...op.loop,
    ...get(mp),
    ...get(j),
    ...op.i32add,
    ...v128load(0),
    ...set(v),
    ...get(acc),
    ...get(v),
    ...op.i16x8extLowI8s,
    ...get(qp),
    ...v128load(0),
    ...op.i32x4dotI16,
    ...op.i32x4add,
    ...set(acc),
    ...get(acc),
    ...get(v),
    ...op.i16x8extHighI8s,
    ...get(qp),
    ...v128load(16),
    ...op.i32x4dotI16,
    ...op.i32x4add,
    ...set(acc),
    ...addTo(j, i32c(16)),
    ...addTo(qp, i32c(32)),
    ...get(j),
    ...get(rowBytes),
    ...op.i32ltu,
    ...op.brIf(0),
    ...op.end,
    ...get(out),
    ...hsumI32(acc),
    ...op.f32convI32s,
    ...get(sp),
    ...op.f32load,
    ...op.f32mul,
    ...get(qscale),
    ...op.f32mul,
    ...op.f32store,
    ...addTo(sp, i32c(4)),
  ]
  return {
    params: [I32, I32, I32, I32, I32, F32, I32],
    locals: [I32, I32, I32, I32, I32, I32, V128, V128],
    body: [...get(dim), ...set(rowBytes), ...get(scales), ...set(sp), ...rowLoop({ n, m, r, mp, rowBytes, out }, perRow)],
  }
}

function localsDecl(types: number[]): number[] {
  // Run-length encode consecutive equal types, as the binary format wants.
  const groups: number[][] = []
  for (const t of types) {
    const last = groups[groups.length - 1]
    if (last && last[1] === t) last[0]!++
    else groups.push([1, t])
  }
  return vec(groups.map(([count, t]) => [...uleb(count!), t!]))
}

/** The kernel module's bytes: imports `env.memory`, exports dot_f32, dot_f16, dot_i8. */
export function kernelModuleBytes(): Uint8Array {
  const fns = [
    { name: 'dot_f32', ...dotF32() },
    { name: 'dot_f16', ...dotF16() },
    { name: 'dot_i8', ...dotI8() },
  ]
  const types = section(1, vec(fns.map((f) => [0x60, ...vec(f.params.map((t) => [t])), 0x00])))
  const imports = section(2, vec([[...str('env'), ...str('memory'), 0x02, 0x00, 0x01]]))
  const funcs = section(3, vec(fns.map((_, i) => uleb(i))))
  const exports = section(7, vec(fns.map((f, i) => [...str(f.name), 0x00, ...uleb(i)])))
  const code = section(
    10,
    vec(
      fns.map((f) => {
        const body = [...localsDecl(f.locals), ...f.body, ...op.end]
        return [...uleb(body.length), ...body]
      }),
    ),
  )
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...types, ...imports, ...funcs, ...exports, ...code])
}

export interface KernelExports {
  dot_f32(q: number, m: number, n: number, dim: number, out: number): void
  dot_f16(q: number, m: number, n: number, dim: number, out: number): void
  dot_i8(q16: number, m: number, scales: number, n: number, dim: number, qscale: number, out: number): void
}

// The node project's type libraries (ES2023 + @types/node) do not declare the
// WebAssembly JS API, so the few members used here are typed locally.
export interface WasmMemory {
  readonly buffer: ArrayBuffer
}
interface WasmModule {
  readonly __wasmModule?: never
}
interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory
  Module: new (bytes: Uint8Array) => WasmModule
  Instance: new (module: WasmModule, imports: object) => { exports: unknown }
  validate(bytes: Uint8Array): boolean
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly

/** Linear memory of `pages` 64 KiB pages (WebAssembly's, so the kernels can read it; a plain ArrayBuffer otherwise). */
export function createMemory(pages: number): WasmMemory {
  return wasm ? new wasm.Memory({ initial: pages }) : { buffer: new ArrayBuffer(pages * 65536) }
}

let compiled: WasmModule | null | undefined

/** The compiled module, or null where this runtime lacks WebAssembly SIMD. */
export function kernelModule(): WasmModule | null {
  if (compiled !== undefined) return compiled
  const bytes = kernelModuleBytes()
  const mod = wasm && wasm.validate(bytes) ? new wasm.Module(bytes) : null
  compiled = mod
  return mod
}

export function instantiateKernels(memory: WasmMemory): KernelExports | null {
  const mod = kernelModule()
  if (!mod || !wasm) return null
  return new wasm.Instance(mod, { env: { memory } }).exports as KernelExports
}
