// A minimal camera RAW written from known pixels: an uncompressed 16-bit
// Bayer (RGGB) DNG with no preview, the kind of file only a RAW decoder can
// show. DNG is TIFF with a colour filter array (PhotometricInterpretation
// 32803) and a few DNG tags; ColorMatrix1 is the XYZ->linear-sRGB matrix, so
// the sensor's values are linear sRGB and the developed colours predictable.

export interface DngOptions {
  width: number
  height: number
  /** Linear RGB (0..1) the scene has at (x, y). */
  colour: (x: number, y: number) => [number, number, number]
  /** TIFF Orientation (1 upright, 6 rotate 90 degrees clockwise to display, ...). */
  orientation?: number
  make?: string
  model?: string
}

type Entry = { tag: number; type: 1 | 2 | 3 | 4 | 5 | 10; values: number[] | string }
const typeSize = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 10: 8 } as const

export function dngBytes(o: DngOptions): Buffer {
  const { width: w, height: h } = o
  const px = new Uint16Array(w * h)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const channel = y % 2 === 0 ? (x % 2 === 0 ? 0 : 1) : x % 2 === 0 ? 1 : 2 // RGGB
      px[y * w + x] = Math.round(Math.min(1, Math.max(0, o.colour(x, y)[channel]!)) * 65535)
    }
  }
  const pixels = Buffer.from(px.buffer)
  const xyzToSrgb = [3.2406, -1.5372, -0.4986, -0.9689, 1.8758, 0.0415, 0.0557, -0.204, 1.057]
  const entries: Entry[] = [
    { tag: 254, type: 4, values: [0] }, // NewSubfileType: the main image
    { tag: 256, type: 4, values: [w] },
    { tag: 257, type: 4, values: [h] },
    { tag: 258, type: 3, values: [16] },
    { tag: 259, type: 3, values: [1] }, // uncompressed
    { tag: 262, type: 3, values: [32803] }, // colour filter array
    { tag: 271, type: 2, values: `${o.make ?? 'Test'}\0` },
    { tag: 272, type: 2, values: `${o.model ?? 'Synthetic DNG'}\0` },
    { tag: 273, type: 4, values: [0] }, // StripOffsets, filled in below
    { tag: 274, type: 3, values: [o.orientation ?? 1] },
    { tag: 277, type: 3, values: [1] },
    { tag: 278, type: 4, values: [h] },
    { tag: 279, type: 4, values: [pixels.length] },
    { tag: 284, type: 3, values: [1] },
    { tag: 33421, type: 3, values: [2, 2] }, // CFARepeatPatternDim
    { tag: 33422, type: 1, values: [0, 1, 1, 2] }, // CFAPattern: R G / G B
    { tag: 50706, type: 1, values: [1, 4, 0, 0] }, // DNGVersion
    { tag: 50708, type: 2, values: `${o.model ?? 'Synthetic DNG'}\0` }, // UniqueCameraModel
    { tag: 50714, type: 4, values: [0] }, // BlackLevel
    { tag: 50717, type: 4, values: [65535] }, // WhiteLevel
    { tag: 50721, type: 10, values: xyzToSrgb.flatMap((v) => [Math.round(v * 10000), 10000]) }, // ColorMatrix1
    { tag: 50728, type: 5, values: [1, 1, 1, 1, 1, 1] }, // AsShotNeutral: no white balance to apply
    { tag: 50778, type: 3, values: [21] }, // CalibrationIlluminant1: D65
  ]
  const ifdSize = 2 + entries.length * 12 + 4
  const ifd = Buffer.alloc(ifdSize)
  ifd.writeUInt16LE(entries.length, 0)
  const outOfLine: Buffer[] = []
  let offset = 8 + ifdSize
  let stripOffsetAt = 0
  entries.forEach((e, i) => {
    const at = 2 + i * 12
    const count = typeof e.values === 'string' ? e.values.length : e.type === 5 || e.type === 10 ? e.values.length / 2 : e.values.length
    const bytes = Buffer.alloc(count * typeSize[e.type])
    if (typeof e.values === 'string') bytes.write(e.values, 'latin1')
    else {
      e.values.forEach((v, j) => {
        if (e.type === 1) bytes.writeUInt8(v, j)
        else if (e.type === 3) bytes.writeUInt16LE(v, j * 2)
        else if (e.type === 10) bytes.writeInt32LE(v, j * 4)
        else bytes.writeUInt32LE(v, j * 4)
      })
    }
    ifd.writeUInt16LE(e.tag, at)
    ifd.writeUInt16LE(e.type, at + 2)
    ifd.writeUInt32LE(count, at + 4)
    if (bytes.length <= 4) bytes.copy(ifd, at + 8)
    else {
      ifd.writeUInt32LE(offset, at + 8)
      const padded = bytes.length % 2 ? Buffer.concat([bytes, Buffer.alloc(1)]) : bytes
      outOfLine.push(padded)
      offset += padded.length
    }
    if (e.tag === 273) stripOffsetAt = at + 8
  })
  ifd.writeUInt32LE(offset, stripOffsetAt)
  const header = Buffer.from([0x49, 0x49, 42, 0, 8, 0, 0, 0]) // little-endian TIFF, first IFD at 8
  return Buffer.concat([header, ifd, ...outOfLine, pixels])
}
