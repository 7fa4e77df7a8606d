import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { emptyMetadata, pickDescription, pickMetadata, readMetadata } from './metadata.ts'

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../test/fixtures/library')

describe('reading photo metadata', () => {
  it('reads date taken, camera, GPS, orientation and the EXIF description', async () => {
    const m = await readMetadata(path.join(fixtures, 'exif-full.jpg'))
    expect(m.cameraMake).toBe('Canon')
    expect(m.cameraModel).toBe('Canon EOS 5D')
    expect(new Date(m.takenAt!).toISOString().slice(0, 19)).toBe(new Date(2019, 6, 14, 18, 30, 5).toISOString().slice(0, 19))
    expect(m.gpsLat).toBeCloseTo(48.8584, 4)
    expect(m.gpsLon).toBeCloseTo(2.2945, 4)
    expect(m.orientation).toBe(6)
    expect(m.description).toBe('Grandma blowing out the candles')
  })

  it('prefers alt text, then XMP dc:description, then IPTC', async () => {
    expect((await readMetadata(path.join(fixtures, 'alt-text.jpg'))).description).toBe('Two children holding a kite')
    expect((await readMetadata(path.join(fixtures, 'xmp-iptc.jpg'))).description).toBe('A dog on a beach')
    expect(pickDescription({ Caption: 'from IPTC', ImageDescription: 'from EXIF' })).toBe('from IPTC')
  })

  it('ignores the camera name cameras write as a description', async () => {
    expect((await readMetadata(path.join(fixtures, 'camera-boilerplate.jpg'))).description).toBeNull()
    expect(pickDescription({ ImageDescription: 'SONY DSC  ' })).toBeNull()
    expect(pickDescription({ ImageDescription: '   ' })).toBeNull()
  })

  it('drops impossible values instead of storing them', () => {
    const m = pickMetadata({ latitude: 0, longitude: 0, Orientation: 17, DateTimeOriginal: new Date('nonsense'), Make: 42 })
    expect(m).toMatchObject({ gpsLat: null, gpsLon: null, orientation: null, takenAt: null, cameraMake: null })
    expect(pickMetadata(undefined).description).toBeNull()
  })

  it('returns empty metadata for a file exifr cannot parse', async () => {
    expect(await readMetadata(path.join(fixtures, 'README.md'))).toEqual(emptyMetadata)
  })
})
