// Reading and writing safetensors files (Hugging Face's weight format):
// an 8-byte little-endian header length N, N bytes of JSON
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}},
// then raw little-endian data with offsets relative to the end of the header.
// Half-precision floats (F16, BF16) and F64 are widened/narrowed to float32 on
// load, so every consumer sees float32 weights whatever the checkpoint stored.
import fs from 'node:fs'
import { numel, type DType, type HostTensor } from './tensor.ts'

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
    if (headerLen <= 1 || 8 + headerLen > size || headerLen > 100 * 2 ** 20) throw new SafetensorsError(`${path}: not a safetensors file (bad header length ${headerLen})`)
    const headerBuf = Buffer.alloc(headerLen)
    fs.readSync(fd, headerBuf, 0, headerLen, 8)
    let header: Record<string, unknown>
    try {
      header = JSON.parse(headerBuf.toString('utf8')) as Record<string, unknown>
    } catch {
      throw new SafetensorsError(`${path}: not a safetensors file (header is not JSON)`)
    }
    const dataStart = 8 + headerLen
    const metadata = (header.__metadata__ ?? {}) as Record<string, string>
    const entries = new Map<string, HeaderEntry>()
    for (const [name, value] of Object.entries(header)) {
      if (name === '__metadata__') continue
      const e = value as HeaderEntry
      const bytes = itemSize[e.dtype]
      if (bytes === undefined) throw new SafetensorsError(`${path}: tensor ${name} has unsupported dtype ${e.dtype}`)
      const [begin, end] = e.data_offsets
      if (end - begin !== numel(e.shape) * bytes || dataStart + end > size) {
        throw new SafetensorsError(`${path}: tensor ${name} has inconsistent offsets (file truncated or corrupt)`)
      }
      entries.set(name, e)
    }
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
    case 'F64': {
      const out = new Float32Array(n)
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true)
      return { dtype: 'float32', shape: [...shape], data: out }
    }
    case 'F16': {
      const out = new Float32Array(n)
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(i * 2, true))
      return { dtype: 'float32', shape: [...shape], data: out }
    }
    case 'BF16': {
      const out = new Float32Array(n)
      const u32 = new Uint32Array(out.buffer)
      for (let i = 0; i < n; i++) u32[i] = view.getUint16(i * 2, true) << 16
      return { dtype: 'float32', shape: [...shape], data: out }
    }
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

export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1
  const exp = (h >> 10) & 0x1f
  const frac = h & 0x3ff
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024)
  if (exp === 0x1f) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY
  return sign * 2 ** (exp - 15) * (1 + frac / 1024)
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
