// Hand-made TIFF files for tests of what libvips refuses: our own bytes, laid out
// as the TIFF 6.0 specification says, so each case is exactly the one we mean.

export type Entry = [tag: number, type: 3 | 4 | 7, values: number[]]

/** A little-endian baseline TIFF: one directory with `entries`, and `strips` laid out after it (offsets and byte counts filled in). */
export function tiff(entries: Entry[], strips: Buffer[], extra: Buffer = Buffer.alloc(0)): Buffer {
  const all: Entry[] = [...entries, [273, 4, strips.map(() => 0)] as Entry, [279, 4, strips.map((s) => s.length)] as Entry].sort((a, b) => a[0] - b[0])
  const size = { 3: 2, 4: 4, 7: 1 } as const
  const ifdAt = 8
  const ifdBytes = 2 + all.length * 12 + 4
  let heap = ifdAt + ifdBytes
  const heapParts: Buffer[] = []
  const dir = Buffer.alloc(ifdBytes)
  dir.writeUInt16LE(all.length, 0)
  const stripsAt: number[] = []
  const extraAt = heap
  heap += extra.length
  for (const s of strips) {
    stripsAt.push(heap)
    heap += s.length
  }
  all.forEach(([id, type, values], i) => {
    const e = 2 + i * 12
    const v = id === 273 ? stripsAt : values
    dir.writeUInt16LE(id, e)
    dir.writeUInt16LE(type, e + 2)
    dir.writeUInt32LE(v.length, e + 4)
    const bytes = Buffer.alloc(size[type] * v.length)
    v.forEach((x, k) => (type === 3 ? bytes.writeUInt16LE(x, k * 2) : type === 4 ? bytes.writeUInt32LE(x, k * 4) : bytes.writeUInt8(x, k)))
    if (bytes.length <= 4) bytes.copy(dir, e + 8)
    else {
      dir.writeUInt32LE(heap, e + 8)
      heapParts.push(bytes)
      heap += bytes.length
    }
  })
  const head = Buffer.from([0x49, 0x49, 42, 0, ifdAt, 0, 0, 0])
  return Buffer.concat([head, dir, extra, ...strips, ...heapParts])
}

/** ImageWidth and ImageLength. */
export const tiffSize = (w: number, h: number): Entry[] => [
  [256, 3, [w]],
  [257, 3, [h]],
]

/** 12-bit samples packed MSB first, each row padded to a byte. */
export function pack12(values: number[][]): Buffer {
  const rows = values.map((row) => {
    const out = Buffer.alloc(Math.ceil((row.length * 12) / 8))
    row.forEach((v, i) => {
      const bit = i * 12
      for (let b = 0; b < 12; b++) if ((v >> (11 - b)) & 1) out[(bit + b) >> 3]! |= 0x80 >> ((bit + b) & 7)
    })
    return out
  })
  return Buffer.concat(rows)
}
