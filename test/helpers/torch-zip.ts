// Hand-built PyTorch zip checkpoints for tests: a protocol-2 pickle writer and
// a zip writer like torch's (stored entries, or deflated), which can also lie
// about an entry's size for the hostile-input tests.
import { deflateRawSync } from 'node:zlib'

/** Pickle opcodes for a protocol-2 state dict, written the way torch does. */
export class PickleWriter {
  private parts: Buffer[] = [Buffer.from([0x80, 2])]
  raw(...bytes: number[]): this {
    this.parts.push(Buffer.from(bytes))
    return this
  }
  global(module: string, name: string): this {
    this.parts.push(Buffer.from(`c${module}\n${name}\n`, 'latin1'))
    return this
  }
  str(s: string): this {
    const b = Buffer.from(s, 'utf8')
    const len = Buffer.alloc(4)
    len.writeUInt32LE(b.length)
    this.parts.push(Buffer.from([0x58]), len, b)
    return this
  }
  int(n: number): this {
    const b = Buffer.alloc(5)
    b[0] = 0x4a
    b.writeInt32LE(n, 1)
    this.parts.push(b)
    return this
  }
  tuple(values: number[]): this {
    this.raw(0x28)
    for (const v of values) this.int(v)
    return this.raw(0x74)
  }
  /** key -> _rebuild_tensor_v2(storage(type, key, numel), offset, size, stride, False, OrderedDict()) */
  tensor(name: string, storageType: string, key: string, storageNumel: number, offset: number, size: number[], stride: number[]): this {
    this.str(name).global('torch._utils', '_rebuild_tensor_v2').raw(0x28)
    this.raw(0x28).str('storage').global('torch', storageType).str(key).str('cpu').int(storageNumel).raw(0x74, 0x51)
    this.int(offset).tuple(size).tuple(stride).raw(0x89).global('collections', 'OrderedDict').raw(0x29, 0x52)
    return this.raw(0x74, 0x52)
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts)
  }
}

/** One zip entry; `body`/`size` override the compressed bytes and the declared size (hostile archives). */
export interface ZipEntrySpec {
  name: string
  data: Buffer
  body?: Buffer
  size?: number
}

/** A stored (uncompressed) zip, or deflated when asked, like torch's writer. */
export function zip(entries: Array<[string, Buffer] | ZipEntrySpec>, deflate = false): Buffer {
  const locals: Buffer[] = []
  const central: Buffer[] = []
  let offset = 0
  for (const entry of entries) {
    const { name, data, body: given, size } = Array.isArray(entry) ? { name: entry[0], data: entry[1], body: undefined, size: undefined } : entry
    const body = given ?? (deflate ? deflateRawSync(data) : data)
    const declared = size ?? data.length
    const nameBuf = Buffer.from(name)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(deflate || given ? 8 : 0, 8)
    local.writeUInt32LE(body.length, 18)
    local.writeUInt32LE(declared, 22)
    local.writeUInt16LE(nameBuf.length, 26)
    const cd = Buffer.alloc(46)
    cd.writeUInt32LE(0x02014b50, 0)
    cd.writeUInt16LE(deflate || given ? 8 : 0, 10)
    cd.writeUInt32LE(body.length, 20)
    cd.writeUInt32LE(declared, 24)
    cd.writeUInt16LE(nameBuf.length, 28)
    cd.writeUInt32LE(offset, 42)
    locals.push(local, nameBuf, body)
    central.push(cd, nameBuf)
    offset += 30 + nameBuf.length + body.length
  }
  const cdBuf = Buffer.concat(central)
  const eocd = Buffer.alloc(22)
  eocd.writeUInt32LE(0x06054b50, 0)
  eocd.writeUInt16LE(entries.length, 8)
  eocd.writeUInt16LE(entries.length, 10)
  eocd.writeUInt32LE(cdBuf.length, 12)
  eocd.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, cdBuf, eocd])
}
