// Reading and writing safetensors files (Hugging Face's weight format):
// an 8-byte little-endian header length N, N bytes of JSON
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}},
// then raw little-endian data with offsets relative to the end of the header.
// Half-precision floats (F16, BF16) and F64 are widened/narrowed to float32 on
// load, so every consumer sees float32 weights whatever the checkpoint stored.
import fs from 'node:fs'
import { numel, type DType, type HostTensor } from './tensor.ts'
import { toFloat32 } from './to-float32.ts'

interface HeaderEntry {
  dtype: string
  shape: number[]
  data_offsets: [number, number]
}

const itemSize: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, U8: 1, BOOL: 1, I8: 1, I16: 2 }

export class SafetensorsError extends Error {}

export interface SafetensorsFile {
  path: string
  metadata: Record<string, string>
  names: string[]
  has(name: string): boolean
  shape(name: string): number[]
  /** Load one tensor (float types as float32). */
  get(name: string): HostTensor
}

/** Most dimensions a tensor of ours has (conv weights: 4); more is a hostile or foreign file. */
const MAX_RANK = 8

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

/** One header entry checked field by field; the error names the file, the tensor and the reason. */
function validEntry(path: string, name: string, value: unknown, dataBytes: number): HeaderEntry {
  const fail = (why: string) => new SafetensorsError(`${path}: tensor ${JSON.stringify(name.slice(0, 200))} ${why}`)
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw fail('is not an object in the header')
  const e = value as Record<string, unknown>
  if (typeof e.dtype !== 'string' || !Object.hasOwn(itemSize, e.dtype)) throw fail(`has unsupported dtype ${JSON.stringify(e.dtype)}`)
  if (!Array.isArray(e.shape)) throw fail('has a shape that is not a list')
  if (e.shape.length > MAX_RANK || !e.shape.every(isCount))
    throw fail(`has an invalid shape ${JSON.stringify(e.shape).slice(0, 100)} (at most ${MAX_RANK} non-negative integers)`)
  const offsets = e.data_offsets
  if (offsets === undefined) throw fail('has no data_offsets')
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount))
    throw fail(`has invalid data_offsets ${JSON.stringify(offsets).slice(0, 100)} (expected [begin, end], non-negative integers)`)
  const [begin, end] = offsets as [number, number]
  const shape = e.shape as number[]
  const bytes = shape.reduce((a, b) => a * b, 1) * itemSize[e.dtype]!
  if (begin > end) throw fail(`has data_offsets [${begin}, ${end}] that end before they begin`)
  if (end > dataBytes) throw fail(`has data_offsets [${begin}, ${end}] beyond the ${dataBytes} data bytes of the file (truncated or corrupt)`)
  if (end - begin !== bytes) throw fail(`has data_offsets [${begin}, ${end}] (${end - begin} bytes) but shape [${shape}] of ${e.dtype} needs ${bytes}`)
  return { dtype: e.dtype, shape, data_offsets: [begin, end] }
}

/** Two tensors whose bytes overlap would alias each other's weights: refused. */
function refuseOverlaps(path: string, entries: Map<string, HeaderEntry>): void {
  const spans = [...entries].filter(([, e]) => e.data_offsets[1] > e.data_offsets[0]).sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0])
  for (let i = 1; i < spans.length; i++) {
    const [prevName, prev] = spans[i - 1]!
    const [name, e] = spans[i]!
    if (e.data_offsets[0] < prev.data_offsets[1]) {
      throw new SafetensorsError(
        `${path}: tensors ${prevName} [${prev.data_offsets}] and ${name} [${e.data_offsets}] overlap (aliased weights are not a valid safetensors file)`,
      )
    }
  }
}

function validMetadata(path: string, value: unknown): Record<string, string> {
  if (value === undefined) return {}
  if (!value || typeof value !== 'object' || Array.isArray(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw new SafetensorsError(`${path}: __metadata__ is not an object of strings`)
  }
  return value as Record<string, string>
}

/** Open a safetensors file: the header is parsed now, tensors are read on demand. */
export function openSafetensors(path: string): SafetensorsFile {
  let fd: number
  try {
    fd = fs.openSync(path, 'r')
  } catch (error) {
    throw new SafetensorsError(`${path}: cannot open weights file (${(error as NodeJS.ErrnoException).code ?? error})`)
  }
  try {
    const size = fs.fstatSync(fd).size
    const lenBuf = Buffer.alloc(8)
    if (size < 8 || fs.readSync(fd, lenBuf, 0, 8, 0) !== 8) throw new SafetensorsError(`${path}: not a safetensors file (too short)`)
    const headerLen = Number(lenBuf.readBigUInt64LE(0))
    if (headerLen <= 1 || 8 + headerLen > size || headerLen > 100 * 2 ** 20)
      throw new SafetensorsError(`${path}: not a safetensors file (bad header length ${headerLen})`)
    const headerBuf = Buffer.alloc(headerLen)
    fs.readSync(fd, headerBuf, 0, headerLen, 8)
    let header: Record<string, unknown> | null
    try {
      header = JSON.parse(headerBuf.toString('utf8')) as Record<string, unknown> | null
    } catch {
      throw new SafetensorsError(`${path}: not a safetensors file (header is not JSON)`)
    }
    const dataStart = 8 + headerLen
    if (!header || typeof header !== 'object' || Array.isArray(header))
      throw new SafetensorsError(`${path}: not a safetensors file (header is not a JSON object)`)
    const metadata = validMetadata(path, header.__metadata__)
    const entries = new Map<string, HeaderEntry>()
    for (const [name, value] of Object.entries(header)) {
      if (name === '__metadata__') continue
      entries.set(name, validEntry(path, name, value, size - dataStart))
    }
    refuseOverlaps(path, entries)
    const entry = (name: string): HeaderEntry => {
      const e = entries.get(name)
      if (!e) throw new SafetensorsError(`${path}: no tensor named ${name}`)
      return e
    }
    return {
      path,
      metadata,
      names: [...entries.keys()],
      has: (name) => entries.has(name),
      shape: (name) => [...entry(name).shape],
      get(name) {
        const e = entry(name)
        const [begin, end] = e.data_offsets
        const raw = Buffer.alloc(end - begin)
        const rfd = fs.openSync(path, 'r')
        try {
          fs.readSync(rfd, raw, 0, raw.length, dataStart + begin)
        } finally {
          fs.closeSync(rfd)
        }
        return decode(e.dtype, e.shape, raw)
      },
    }
  } finally {
    fs.closeSync(fd)
  }
}

/** Read every tensor of a safetensors file. */
export function readSafetensors(path: string): Map<string, HostTensor> {
  const file = openSafetensors(path)
  return new Map(file.names.map((n) => [n, file.get(n)]))
}

function decode(dtype: string, shape: number[], raw: Buffer): HostTensor {
  const n = numel(shape)
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
  switch (dtype) {
    case 'F32': {
      const out = new Float32Array(n)
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true)
      return { dtype: 'float32', shape: [...shape], data: out }
    }
    case 'F64':
      return { dtype: 'float32', shape: [...shape], data: toFloat32('float64', view, n) }
    case 'F16':
      return { dtype: 'float32', shape: [...shape], data: toFloat32('float16', view, n) }
    case 'BF16':
      return { dtype: 'float32', shape: [...shape], data: toFloat32('bfloat16', view, n) }
    case 'I64': {
      const out = new BigInt64Array(n)
      for (let i = 0; i < n; i++) out[i] = view.getBigInt64(i * 8, true)
      return { dtype: 'int64', shape: [...shape], data: out }
    }
    case 'I32': {
      const out = new Int32Array(n)
      for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, true)
      return { dtype: 'int32', shape: [...shape], data: out }
    }
    case 'U8':
    case 'BOOL':
      return { dtype: dtype === 'U8' ? 'uint8' : 'bool', shape: [...shape], data: new Uint8Array(raw) }
    default:
      throw new SafetensorsError(`unsupported dtype ${dtype}`)
  }
}

const writeCode: Record<DType, string> = { float32: 'F32', int64: 'I64', int32: 'I32', uint8: 'U8', bool: 'BOOL' }

/**
 * Serialise tensors as safetensors. Names are written in sorted order (as the
 * Python library does) and data is 8-byte aligned.
 */
export function encodeSafetensors(tensors: Map<string, HostTensor> | Record<string, HostTensor>, metadata: Record<string, string> = {}): Buffer {
  const map = tensors instanceof Map ? tensors : new Map(Object.entries(tensors))
  const names = [...map.keys()].sort()
  const header: Record<string, unknown> = {}
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata
  let offset = 0
  for (const name of names) {
    const t = map.get(name)!
    if (t.data.length !== numel(t.shape)) throw new SafetensorsError(`tensor ${name}: shape [${t.shape}] does not match ${t.data.length} values`)
    const bytes = t.data.byteLength
    header[name] = { dtype: writeCode[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes] }
    offset += bytes
  }
  let json = JSON.stringify(header)
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8)
  const headerBuf = Buffer.from(json, 'utf8')
  const out = Buffer.alloc(8 + headerBuf.length + offset)
  out.writeBigUInt64LE(BigInt(headerBuf.length), 0)
  headerBuf.copy(out, 8)
  let pos = 8 + headerBuf.length
  for (const name of names) {
    const t = map.get(name)!
    // Typed arrays are little-endian on every platform we ship to.
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(out, pos)
    pos += t.data.byteLength
  }
  return out
}

/** Write tensors to a safetensors file atomically (temp file, then rename). */
export function writeSafetensors(path: string, tensors: Map<string, HostTensor> | Record<string, HostTensor>, metadata: Record<string, string> = {}): void {
  const tmp = `${path}.tmp-${process.pid}`
  fs.writeFileSync(tmp, encodeSafetensors(tensors, metadata))
  fs.renameSync(tmp, path)
}
