// Writes a state dict the way `torch.save(model.state_dict(), f)` does (torch
// >= 1.6 zip format), for tests that need a file of that exact container
// without Python: a stored (uncompressed) zip with `<archive>/data.pkl` (pickle
// protocol 2: an OrderedDict of `torch._utils._rebuild_tensor_v2` calls whose
// storages are persistent ids `('storage', torch.FloatStorage, '<key>', 'cpu',
// numel)`, and the `_metadata` attribute set by BUILD), one raw little-endian
// storage per `<archive>/data/<key>` aligned to 64 bytes as torch aligns them,
// `<archive>/byteorder` and `<archive>/version`.
import fs from 'node:fs'
import zlib from 'node:zlib'
import type { HostTensor } from '../../weights/tensor.ts'

const STORAGE: Record<HostTensor['dtype'], string> = {
  float32: 'FloatStorage',
  int64: 'LongStorage',
  int32: 'IntStorage',
  uint8: 'ByteStorage',
  bool: 'BoolStorage',
}

class Pickler {
  private parts: Buffer[] = []
  private memo = 0
  op(...bytes: number[]): this {
    this.parts.push(Buffer.from(bytes))
    return this
  }
  raw(b: Buffer): this {
    this.parts.push(b)
    return this
  }
  put(): this {
    // BINPUT n (torch's pickler memoises everything); LONG_BINPUT past 255
    const n = this.memo++
    if (n < 256) return this.op(0x71, n)
    const b = Buffer.alloc(5)
    b[0] = 0x72
    b.writeUInt32LE(n, 1)
    return this.raw(b)
  }
  global(module: string, name: string): this {
    return this.raw(Buffer.from(`c${module}\n${name}\n`, 'latin1')).put()
  }
  str(s: string): this {
    const body = Buffer.from(s, 'utf8')
    const head = Buffer.alloc(5)
    head[0] = 0x58 // BINUNICODE
    head.writeUInt32LE(body.length, 1)
    return this.raw(head).raw(body).put()
  }
  int(n: number): this {
    if (n >= 0 && n < 256) return this.op(0x4b, n) // BININT1
    if (n >= 0 && n < 65536) return this.op(0x4d, n & 0xff, n >> 8) // BININT2
    const b = Buffer.alloc(5)
    b[0] = 0x4a // BININT
    b.writeInt32LE(n, 1)
    return this.raw(b)
  }
  tuple(items: number[]): this {
    if (items.length === 0) return this.op(0x29)
    this.op(0x28)
    for (const i of items) this.int(i)
    return this.op(0x74).put()
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts)
  }
}

function strides(shape: number[]): number[] {
  const out = new Array<number>(shape.length)
  let s = 1
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = s
    s *= shape[d]!
  }
  return out
}

function dataPickle(tensors: [string, HostTensor][]): Buffer {
  const p = new Pickler()
  p.op(0x80, 2) // PROTO 2
  p.global('collections', 'OrderedDict').op(0x29).op(0x52).put() // OrderedDict()
  p.op(0x28) // MARK for SETITEMS
  tensors.forEach(([name, t], key) => {
    p.str(name)
    p.global('torch._utils', '_rebuild_tensor_v2')
    p.op(0x28) // MARK: the call's arguments
    // persistent id ('storage', torch.XStorage, 'key', 'cpu', numel)
    p.op(0x28).str('storage').global('torch', STORAGE[t.dtype]).str(String(key)).str('cpu').int(t.data.length).op(0x74).put().op(0x51) // TUPLE, BINPERSID
    p.int(0) // storage_offset
    p.tuple(t.shape)
    p.tuple(strides(t.shape))
    p.op(0x89) // requires_grad False
    p.global('collections', 'OrderedDict').op(0x29).op(0x52).put() // backward_hooks
    p.op(0x74).put().op(0x52).put() // TUPLE, REDUCE
  })
  p.op(0x75) // SETITEMS
  // state: {'_metadata': OrderedDict([('', {'version': 1})])} via BUILD, as nn.Module.state_dict() carries
  p.op(0x7d).put().str('_metadata').global('collections', 'OrderedDict').op(0x29).op(0x52).put()
  p.op(0x28).str('').op(0x7d).put().str('version').int(1).op(0x73).op(0x75) // SETITEM, SETITEMS
  p.op(0x73) // SETITEM on the state dict
  p.op(0x62) // BUILD
  p.op(0x2e) // STOP
  return p.bytes()
}

interface Entry {
  name: string
  data: Buffer
  offset: number
  crc: number
}

/** A stored zip whose entries' data start on 64-byte boundaries (padding in the local header's extra field, as torch does). */
function storedZip(files: { name: string; data: Buffer }[]): Buffer {
  const out: Buffer[] = []
  const entries: Entry[] = []
  let pos = 0
  for (const f of files) {
    const name = Buffer.from(f.name, 'utf8')
    const headerLen = 30 + name.length
    const pad = (64 - ((pos + headerLen + 4) % 64)) % 64
    const extra = Buffer.alloc(4 + pad)
    extra.writeUInt16LE(0x5346, 0) // torch's "FS" padding record id
    extra.writeUInt16LE(pad, 2)
    const crc = zlib.crc32(f.data)
    const h = Buffer.alloc(30)
    h.writeUInt32LE(0x04034b50, 0)
    h.writeUInt16LE(20, 4)
    h.writeUInt16LE(0, 6)
    h.writeUInt16LE(0, 8) // stored
    h.writeUInt32LE(crc, 14)
    h.writeUInt32LE(f.data.length, 18)
    h.writeUInt32LE(f.data.length, 22)
    h.writeUInt16LE(name.length, 26)
    h.writeUInt16LE(extra.length, 28)
    entries.push({ name: f.name, data: f.data, offset: pos, crc })
    out.push(h, name, extra, f.data)
    pos += h.length + name.length + extra.length + f.data.length
  }
  const cdStart = pos
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8')
    const c = Buffer.alloc(46)
    c.writeUInt32LE(0x02014b50, 0)
    c.writeUInt16LE(20, 4)
    c.writeUInt16LE(20, 6)
    c.writeUInt16LE(0, 10)
    c.writeUInt32LE(e.crc, 16)
    c.writeUInt32LE(e.data.length, 20)
    c.writeUInt32LE(e.data.length, 24)
    c.writeUInt16LE(name.length, 28)
    c.writeUInt32LE(e.offset, 42)
    out.push(c, name)
    pos += c.length + name.length
  }
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(pos - cdStart, 12)
  end.writeUInt32LE(cdStart, 16)
  out.push(end)
  return Buffer.concat(out)
}

/** Write `tensors` as torch.save writes a state dict, under the archive folder name `archive`. */
export function writeTorchZipCheckpoint(file: string, tensors: Map<string, HostTensor>, archive = 'archive'): void {
  const list = [...tensors]
  const files = [
    { name: `${archive}/data.pkl`, data: dataPickle(list) },
    { name: `${archive}/byteorder`, data: Buffer.from('little') },
    ...list.map(([, t], key) => ({ name: `${archive}/data/${key}`, data: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength) })),
    { name: `${archive}/version`, data: Buffer.from('3\n') },
  ]
  fs.writeFileSync(file, storedZip(files))
}
