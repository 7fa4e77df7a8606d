// Reading PyTorch `.pt` state dicts without Python: the zip format that
// `torch.save` writes by default since 1.6 (`<archive>/data.pkl` + one raw
// little-endian storage per `<archive>/data/<key>`). The pickle runs on a small
// restricted VM: only the opcodes a state dict needs, and only whitelisted
// globals (OrderedDict, tensor rebuilders, storage types) — a checkpoint that
// names anything else is refused, never executed.
import fs from 'node:fs'
import { inflateRawSync } from 'node:zlib'
import { numel, type HostTensor } from './tensor.ts'
import { toFloat32 } from './to-float32.ts'

export class TorchCheckpointError extends Error {}

// ---------------------------------------------------------------- zip reading

interface ZipEntry {
  name: string
  method: number
  compressedSize: number
  size: number
  localHeaderOffset: number
}

/**
 * The largest zip entry read: a storage as big as GPT-2 large's embedding
 * (50257 x 1280 float32, 257 MB) with room to spare, and low enough that a
 * hostile entry cannot push the process toward its memory limit.
 */
export const MAX_ENTRY_BYTES = 512 * 1024 * 1024

/** Why a zip entry name is refused (absolute, `..`, backslashes, NUL), or null. */
function unsafeEntryName(name: string): string | null {
  if (name.includes('\0')) return 'its name contains NUL'
  if (name.includes('\\')) return 'its name contains a backslash'
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'its name is an absolute path'
  if (name.split('/').some((part) => part === '..')) return 'its name climbs out of the archive (..)'
  return null
}

/** A minimal central-directory reader (stored or deflated entries; zip64 aware). */
class ZipFile {
  readonly entries = new Map<string, ZipEntry>()

  constructor(
    private readonly fd: number,
    private readonly size: number,
    private readonly path: string,
  ) {
    const tailLen = Math.min(size, 65557 + 20 + 56)
    const tail = this.read(size - tailLen, tailLen)
    let eocd = -1
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i
        break
      }
    }
    if (eocd < 0) throw this.fail('not a zip archive (no end-of-central-directory record)')
    let count = tail.readUInt16LE(eocd + 10)
    let cdSize = tail.readUInt32LE(eocd + 12)
    let cdOffset = tail.readUInt32LE(eocd + 16)
    // zip64: the locator sits right before the EOCD record
    if (eocd >= 20 && tail.readUInt32LE(eocd - 20) === 0x07064b50) {
      const z64Offset = Number(tail.readBigUInt64LE(eocd - 20 + 8))
      const z64 = this.read(z64Offset, 56)
      if (z64.readUInt32LE(0) !== 0x06064b50) throw this.fail('corrupt zip64 end-of-central-directory record')
      count = Number(z64.readBigUInt64LE(32))
      cdSize = Number(z64.readBigUInt64LE(40))
      cdOffset = Number(z64.readBigUInt64LE(48))
    }
    if (cdOffset + cdSize > size) throw this.fail('truncated zip archive (central directory beyond end of file)')
    const cd = this.read(cdOffset, cdSize)
    let p = 0
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50) throw this.fail('corrupt zip central directory')
      const method = cd.readUInt16LE(p + 10)
      let compressedSize = cd.readUInt32LE(p + 20)
      let entrySize = cd.readUInt32LE(p + 24)
      const nameLen = cd.readUInt16LE(p + 28)
      const extraLen = cd.readUInt16LE(p + 30)
      const commentLen = cd.readUInt16LE(p + 32)
      let localHeaderOffset = cd.readUInt32LE(p + 42)
      const name = cd.toString('utf8', p + 46, p + 46 + nameLen)
      // zip64 extended information: present fields replace the 0xFFFFFFFF ones, in order
      let e = p + 46 + nameLen
      const extraEnd = e + extraLen
      while (e + 4 <= extraEnd) {
        const id = cd.readUInt16LE(e)
        const len = cd.readUInt16LE(e + 2)
        if (id === 0x0001) {
          let q = e + 4
          if (entrySize === 0xffffffff) ((entrySize = Number(cd.readBigUInt64LE(q))), (q += 8))
          if (compressedSize === 0xffffffff) ((compressedSize = Number(cd.readBigUInt64LE(q))), (q += 8))
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = Number(cd.readBigUInt64LE(q))
        }
        e += 4 + len
      }
      const bad = unsafeEntryName(name)
      if (bad) throw this.fail(`zip entry ${JSON.stringify(name.slice(0, 200))} is refused: ${bad}`)
      if (this.entries.has(name)) throw this.fail(`zip entry ${JSON.stringify(name.slice(0, 200))} appears twice`)
      this.entries.set(name, { name, method, compressedSize, size: entrySize, localHeaderOffset })
      p = extraEnd + commentLen
    }
  }

  fail(why: string): TorchCheckpointError {
    return new TorchCheckpointError(`${this.path}: ${why}`)
  }

  read(offset: number, length: number): Buffer {
    if (offset < 0 || offset + length > this.size) throw this.fail(`truncated file (wanted bytes ${offset}..${offset + length} of ${this.size})`)
    const buf = Buffer.alloc(length)
    let got = 0
    while (got < length) {
      const n = fs.readSync(this.fd, buf, got, length - got, offset + got)
      if (n === 0) throw this.fail('unexpected end of file')
      got += n
    }
    return buf
  }

  data(name: string): Buffer {
    const entry = this.entries.get(name)
    if (!entry) throw this.fail(`archive has no entry ${name}`)
    const local = this.read(entry.localHeaderOffset, 30)
    if (local.readUInt32LE(0) !== 0x04034b50) throw this.fail(`corrupt local header for ${name}`)
    const start = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28)
    if (entry.method !== 0 && entry.method !== 8) throw this.fail(`entry ${name} uses unsupported zip compression method ${entry.method}`)
    if (entry.size > MAX_ENTRY_BYTES) throw this.fail(`entry ${name} declares ${entry.size} bytes, over the ${MAX_ENTRY_BYTES} bytes one entry may have`)
    const raw = this.read(start, entry.compressedSize)
    if (entry.method === 0) {
      if (raw.length !== entry.size) throw this.fail(`entry ${name} is stored with ${raw.length} bytes but declares ${entry.size}`)
      return raw
    }
    // Inflate no further than the declared size (a zip bomb declares little and inflates to gigabytes).
    let out: Buffer
    try {
      out = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) })
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError)
        throw this.fail(`entry ${name} inflates to more than its declared ${entry.size} bytes (a zip bomb or a corrupt archive)`)
      throw this.fail(`entry ${name} does not inflate (${error instanceof Error ? error.message : String(error)})`)
    }
    if (out.length !== entry.size) throw this.fail(`entry ${name} inflates to ${out.length} bytes but declares ${entry.size}`)
    return out
  }
}

// ---------------------------------------------------------------- storages and tensors

type StorageDType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool'

const STORAGE_TYPES: Record<string, { dtype: StorageDType; bytes: number }> = {
  FloatStorage: { dtype: 'float32', bytes: 4 },
  DoubleStorage: { dtype: 'float64', bytes: 8 },
  HalfStorage: { dtype: 'float16', bytes: 2 },
  BFloat16Storage: { dtype: 'bfloat16', bytes: 2 },
  LongStorage: { dtype: 'int64', bytes: 8 },
  IntStorage: { dtype: 'int32', bytes: 4 },
  ShortStorage: { dtype: 'int16', bytes: 2 },
  CharStorage: { dtype: 'int8', bytes: 1 },
  ByteStorage: { dtype: 'uint8', bytes: 1 },
  BoolStorage: { dtype: 'bool', bytes: 1 },
}

class StorageType {
  constructor(
    readonly name: string,
    readonly dtype: StorageDType,
    readonly bytes: number,
  ) {}
}

class StorageRef {
  constructor(
    readonly type: StorageType,
    readonly key: string,
    readonly numel: number,
  ) {}
}

class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

/** A whitelisted callable global. */
class PyGlobal {
  constructor(
    readonly qualified: string,
    readonly call: (args: unknown[]) => unknown,
  ) {}
}

/** Python dict / OrderedDict: insertion-ordered. */
type PyDict = Map<unknown, unknown>

const MARK = Symbol('mark')

function asInt(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v
  if (typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v)
  throw new Error(`${what} is not an integer`)
}

function intTuple(v: unknown, what: string): number[] {
  if (!Array.isArray(v)) throw new Error(`${what} is not a tuple`)
  return v.map((x, i) => asInt(x, `${what}[${i}]`))
}

function resolveGlobal(module: string, name: string): unknown {
  const qualified = `${module}.${name}`
  if (qualified === 'collections.OrderedDict') return new PyGlobal(qualified, () => new Map())
  if (qualified === 'torch._utils._rebuild_tensor_v2' || qualified === 'torch._utils._rebuild_tensor') {
    return new PyGlobal(qualified, (args) => {
      const [storage, offset, size, stride] = args
      if (!(storage instanceof StorageRef)) throw new Error(`${qualified}: first argument is not a storage`)
      return new TensorRef(storage, asInt(offset, 'storage offset'), intTuple(size, 'size'), intTuple(stride, 'stride'))
    })
  }
  if (qualified === 'torch._utils._rebuild_parameter') {
    return new PyGlobal(qualified, (args) => {
      if (!(args[0] instanceof TensorRef)) throw new Error(`${qualified}: first argument is not a tensor`)
      return args[0]
    })
  }
  // Own properties only: `torch.__proto__` or `torch.constructor` must not find Object.prototype's.
  if (module === 'torch' && Object.hasOwn(STORAGE_TYPES, name)) {
    const st = STORAGE_TYPES[name]!
    return new StorageType(name, st.dtype, st.bytes)
  }
  throw new Error(
    `the checkpoint refers to the Python global "${qualified}", which is not allowed (only PyTorch tensor state dicts are read; nothing in the file is executed)`,
  )
}

// ---------------------------------------------------------------- the restricted pickle VM

/** Unpickle `data` with whitelisted globals; storages come from `persistentLoad`. */
export function unpickleRestricted(data: Uint8Array, persistentLoad: (pid: unknown) => unknown): unknown {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  const stack: unknown[] = []
  const memo = new Map<number, unknown>()
  let pos = 0
  const need = (n: number): void => {
    if (pos + n > buf.length) throw new Error('pickle data ends early (truncated)')
  }
  // A fixed-size field at `pos`: checked to be there, read, stepped past.
  const read = <T>(size: number, get: (at: number) => T): T => {
    need(size)
    const value = get(pos)
    pos += size
    return value
  }
  const u8 = (): number => read(1, (at) => buf[at]!)
  const u32 = (): number => read(4, (at) => buf.readUInt32LE(at))
  const text = (length: number, encoding: BufferEncoding): string => read(length, (at) => buf.toString(encoding, at, at + length))
  const popMark = (): unknown[] => {
    const i = stack.lastIndexOf(MARK)
    if (i < 0) throw new Error('pickle MARK missing')
    const items = stack.splice(i)
    items.shift()
    return items
  }
  const pop = (): unknown => {
    if (stack.length === 0) throw new Error('pickle stack underflow')
    return stack.pop()
  }
  const top = (): unknown => {
    if (stack.length === 0) throw new Error('pickle stack underflow')
    return stack[stack.length - 1]
  }
  const setItems = (dict: unknown, kv: unknown[]): void => {
    if (!(dict instanceof Map)) throw new Error('SETITEM on something that is not a dict')
    for (let i = 0; i + 1 < kv.length; i += 2) dict.set(kv[i], kv[i + 1])
  }
  const readLine = (): string => {
    const end = buf.indexOf(0x0a, pos)
    if (end < 0) throw new Error('pickle data ends early (truncated)')
    const s = buf.toString('latin1', pos, end)
    pos = end + 1
    return s
  }

  for (;;) {
    need(1)
    const at = pos
    const op = buf[pos++]!
    switch (op) {
      case 0x80: {
        // PROTO
        const protocol = u8()
        if (protocol > 5) throw new Error(`unsupported pickle protocol ${protocol}`)
        break
      }
      case 0x95: // FRAME
        read(8, () => null)
        break
      case 0x2e: // STOP
        return pop()
      case 0x28: // MARK
        stack.push(MARK)
        break
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = readLine()
        const name = readLine()
        stack.push(resolveGlobal(module, name))
        break
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop()
        const module = pop()
        if (typeof module !== 'string' || typeof name !== 'string') throw new Error('STACK_GLOBAL needs two strings')
        stack.push(resolveGlobal(module, name))
        break
      }
      case 0x71: // BINPUT
        memo.set(u8(), top())
        break
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top())
        break
      case 0x94: // MEMOIZE
        memo.set(memo.size, top())
        break
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const key = op === 0x68 ? u8() : u32()
        if (!memo.has(key)) throw new Error(`pickle memo ${key} is not set`)
        stack.push(memo.get(key))
        break
      }
      case 0x29: // EMPTY_TUPLE
        stack.push([])
        break
      case 0x85: // TUPLE1
        stack.push([pop()])
        break
      case 0x86: {
        // TUPLE2
        const b = pop()
        stack.push([pop(), b])
        break
      }
      case 0x87: {
        // TUPLE3
        const c = pop()
        const b = pop()
        stack.push([pop(), b, c])
        break
      }
      case 0x74: // TUPLE
        stack.push(popMark())
        break
      case 0x5d: // EMPTY_LIST
        stack.push([])
        break
      case 0x6c: // LIST
        stack.push(popMark())
        break
      case 0x61: {
        // APPEND
        const v = pop()
        const list = top()
        if (!Array.isArray(list)) throw new Error('APPEND on something that is not a list')
        list.push(v)
        break
      }
      case 0x65: {
        // APPENDS
        const items = popMark()
        const list = top()
        if (!Array.isArray(list)) throw new Error('APPENDS on something that is not a list')
        list.push(...items)
        break
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new Map())
        break
      case 0x64: {
        // DICT
        const d = new Map()
        setItems(d, popMark())
        stack.push(d)
        break
      }
      case 0x73: {
        // SETITEM
        const v = pop()
        const k = pop()
        setItems(top(), [k, v])
        break
      }
      case 0x75: {
        // SETITEMS
        const items = popMark()
        setItems(top(), items)
        break
      }
      case 0x4e: // NONE
        stack.push(null)
        break
      case 0x88: // NEWTRUE
        stack.push(true)
        break
      case 0x89: // NEWFALSE
        stack.push(false)
        break
      case 0x4b: // BININT1
        stack.push(u8())
        break
      case 0x4d: // BININT2
        stack.push(read(2, (at) => buf.readUInt16LE(at)))
        break
      case 0x4a: // BININT
        stack.push(read(4, (at) => buf.readInt32LE(at)))
        break
      case 0x8a: {
        // LONG1: n little-endian two's-complement bytes
        const n = u8()
        const v = read(n, (at) => {
          let magnitude = 0n
          for (let i = n - 1; i >= 0; i--) magnitude = (magnitude << 8n) | BigInt(buf[at + i]!)
          return n > 0 && buf[at + n - 1]! & 0x80 ? magnitude - (1n << BigInt(8 * n)) : magnitude
        })
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v)
        break
      }
      case 0x47: // BINFLOAT (big-endian double)
        stack.push(read(8, (at) => buf.readDoubleBE(at)))
        break
      case 0x58: // BINUNICODE
        stack.push(text(u32(), 'utf8'))
        break
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(u8(), 'utf8'))
        break
      case 0x55: // SHORT_BINSTRING (py2 str; appears in old pickles)
        stack.push(text(u8(), 'latin1'))
        break
      case 0x51: {
        // BINPERSID
        const pid = pop()
        stack.push(persistentLoad(pid))
        break
      }
      case 0x52: {
        // REDUCE
        const args = pop()
        const fn = pop()
        if (!(fn instanceof PyGlobal)) throw new Error(`REDUCE on something that is not an allowed callable (at byte ${at})`)
        if (!Array.isArray(args)) throw new Error(`REDUCE arguments are not a tuple (at byte ${at})`)
        stack.push(fn.call(args))
        break
      }
      case 0x62: {
        // BUILD: only the OrderedDict `_metadata` state torch attaches to state dicts
        const state = pop()
        const obj = top()
        if (!(obj instanceof Map) || !(state instanceof Map || state === null)) throw new Error(`BUILD on an object other than a dict (at byte ${at})`)
        break
      }
      default:
        throw new Error(`pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at} is not allowed in a state dict`)
    }
  }
}

// ---------------------------------------------------------------- tensor materialisation

function storageToTyped(raw: Buffer, type: StorageType): { data: Float32Array | BigInt64Array | Int32Array | Uint8Array; dtype: HostTensor['dtype'] } {
  const n = raw.length / type.bytes
  // Large reads get their own ArrayBuffer at offset 0: use it in place instead of copying
  // (GPT-2's wte alone is 154 MB); small pooled Buffers are copied to an aligned one.
  const owns = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength
  const aligned = owns ? new Uint8Array(raw.buffer, 0, raw.byteLength) : Uint8Array.from(raw)
  const view = new DataView(aligned.buffer, aligned.byteOffset, aligned.byteLength)
  switch (type.dtype) {
    case 'float32':
      return { data: new Float32Array(aligned.buffer), dtype: 'float32' }
    case 'float64':
    case 'float16':
    case 'bfloat16':
      return { data: toFloat32(type.dtype, view, n), dtype: 'float32' }
    case 'int64':
      return { data: new BigInt64Array(aligned.buffer), dtype: 'int64' }
    case 'int32':
      return { data: new Int32Array(aligned.buffer), dtype: 'int32' }
    case 'int16':
      return { data: Int32Array.from(new Int16Array(aligned.buffer)), dtype: 'int32' }
    case 'int8':
      return { data: Int32Array.from(new Int8Array(aligned.buffer)), dtype: 'int32' }
    case 'uint8':
      return { data: aligned, dtype: 'uint8' }
    case 'bool':
      return { data: aligned, dtype: 'bool' }
  }
}

/** Gather a (possibly strided) view out of a storage into a contiguous array. */
function gather<T extends Float32Array | BigInt64Array | Int32Array | Uint8Array>(src: T, offset: number, shape: number[], stride: number[]): T {
  const count = numel(shape)
  const Ctor = src.constructor as new (n: number) => T
  const contiguous = shape.every((_, d) => shape[d] === 1 || stride[d] === shape.slice(d + 1).reduce((a, b) => a * b, 1))
  if (contiguous) return (offset === 0 && count === src.length ? src : src.slice(offset, offset + count)) as T
  const out = new Ctor(count)
  const idx = new Array<number>(shape.length).fill(0)
  for (let i = 0; i < count; i++) {
    let s = offset
    for (let d = 0; d < shape.length; d++) s += idx[d]! * stride[d]!
    ;(out as unknown as number[])[i] = (src as unknown as number[])[s]!
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break
      idx[d] = 0
    }
  }
  return out
}

// ---------------------------------------------------------------- entry point

/**
 * Read a PyTorch zip checkpoint holding a state dict (name -> tensor). Float
 * tensors come back as float32 (fp16/bf16/fp64 converted), int64 as BigInt64Array,
 * uint8/bool as Uint8Array. Tensors sharing a storage with the same view (e.g.
 * GPT-2's lm_head.weight and wte) share one array. A dict wrapping the state dict
 * under `state_dict` or `model` is unwrapped; other non-tensor entries are skipped.
 */
export function readTorchCheckpoint(path: string): Map<string, HostTensor> {
  let fd: number
  try {
    fd = fs.openSync(path, 'r')
  } catch (error) {
    throw new TorchCheckpointError(`${path}: cannot open checkpoint (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
  }
  try {
    const size = fs.fstatSync(fd).size
    if (size === 0) throw new TorchCheckpointError(`${path}: empty file (0 bytes), not a PyTorch checkpoint`)
    const magic = Buffer.alloc(Math.min(4, size))
    fs.readSync(fd, magic, 0, magic.length, 0)
    if (magic[0] === 0x80)
      throw new TorchCheckpointError(`${path}: legacy PyTorch checkpoint (torch < 1.6, not a zip); re-save it with torch.save(obj, path) on torch >= 1.6`)
    if (magic.readUInt32LE(0) !== 0x04034b50) throw new TorchCheckpointError(`${path}: not a PyTorch checkpoint (expected a zip archive)`)
    const zip = new ZipFile(fd, size, path)
    const pklName = [...zip.entries.keys()].find((n) => /^[^/]+\/data\.pkl$/.test(n))
    if (!pklName) throw new TorchCheckpointError(`${path}: zip archive has no <name>/data.pkl (not a torch.save checkpoint)`)
    const prefix = pklName.slice(0, -'data.pkl'.length)

    const storages = new Map<string, { data: Float32Array | BigInt64Array | Int32Array | Uint8Array; dtype: HostTensor['dtype'] }>()
    const persistentLoad = (pid: unknown): StorageRef => {
      if (!Array.isArray(pid) || pid[0] !== 'storage' || !(pid[1] instanceof StorageType) || typeof pid[2] !== 'string')
        throw new Error('unsupported persistent id (expected a torch storage)')
      return new StorageRef(pid[1], pid[2], asInt(pid[4], 'storage size'))
    }
    let root: unknown
    try {
      root = unpickleRestricted(zip.data(pklName), persistentLoad)
    } catch (error) {
      if (error instanceof TorchCheckpointError) throw error
      throw new TorchCheckpointError(`${path}: ${(error as Error).message}`)
    }
    if (root instanceof Map) {
      for (const key of ['state_dict', 'model']) {
        const inner = (root as PyDict).get(key)
        if (inner instanceof Map && [...inner.values()].some((v) => v instanceof TensorRef)) root = inner
      }
    }
    if (!(root instanceof Map)) throw new TorchCheckpointError(`${path}: the checkpoint is not a state dict (top-level object is not a dict)`)

    const out = new Map<string, HostTensor>()
    const views = new Map<string, HostTensor>()
    for (const [name, value] of root as PyDict) {
      if (!(value instanceof TensorRef)) continue
      if (typeof name !== 'string') throw new TorchCheckpointError(`${path}: state dict key is not a string`)
      const { storage, offset, shape, stride } = value
      if (shape.length !== stride.length) throw new TorchCheckpointError(`${path}: tensor ${name} has ${shape.length} sizes but ${stride.length} strides`)
      if (shape.some((d) => d < 0)) throw new TorchCheckpointError(`${path}: tensor ${name} has a negative size [${shape}]`)
      // A view may not hold more elements than its storage: a stride-0 view of one element as 10^9 would be gathered into gigabytes.
      const elements = shape.reduce((a, b) => a * b, 1)
      if (elements > storage.numel)
        throw new TorchCheckpointError(`${path}: tensor ${name} (size [${shape}]) has ${elements} elements, more than its storage of ${storage.numel} holds`)
      const viewKey = `${storage.key}|${offset}|${shape.join(',')}|${stride.join(',')}`
      const shared = views.get(viewKey)
      if (shared) {
        out.set(name, { dtype: shared.dtype, shape: [...shared.shape], data: shared.data })
        continue
      }
      let s = storages.get(storage.key)
      if (!s) {
        const entryName = `${prefix}data/${storage.key}`
        const raw = zip.data(entryName)
        if (raw.length < storage.numel * storage.type.bytes)
          throw new TorchCheckpointError(
            `${path}: storage ${storage.key} holds ${raw.length} bytes, expected ${storage.numel * storage.type.bytes} (truncated or corrupt)`,
          )
        s = storageToTyped(raw.subarray(0, storage.numel * storage.type.bytes), storage.type)
        storages.set(storage.key, s)
      }
      const count = numel(shape)
      let last = offset
      for (let d = 0; d < shape.length; d++) if (shape[d]! > 0) last += (shape[d]! - 1) * stride[d]!
      if (count > 0 && (offset < 0 || last >= storage.numel || stride.some((st) => st < 0))) {
        throw new TorchCheckpointError(
          `${path}: tensor ${name} (offset ${offset}, size [${shape}], stride [${stride}]) reaches outside its storage of ${storage.numel} elements`,
        )
      }
      const tensor: HostTensor = { dtype: s.dtype, shape: [...shape], data: gather(s.data, offset, shape, stride) }
      views.set(viewKey, tensor)
      out.set(name, tensor)
    }
    return out
  } finally {
    fs.closeSync(fd)
  }
}
