import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { emptyMetadata, pickMetadata, readMetadata } from './metadata.ts'

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../test/fixtures/library')

describe('reading photo metadata', () => {
  it('reads date taken, camera, GPS, orientation and the EXIF description', async () => {
    const m = await readMetadata(path.join(fixtures, 'exif-full.jpg'))
    expect(m.cameraMake).toBe('Canon')
    expect(m.cameraModel).toBe('Canon EOS 5D')
    // the camera's wall-clock time, whatever this machine's zone ([Note: dates taken are wall-clock])
    expect(m.takenAt).toBe(Date.UTC(2019, 6, 14, 18, 30, 5))
    expect(m.takenSource).toBe('EXIF DateTimeOriginal')
    expect(m.gpsLat).toBeCloseTo(48.8584, 4)
    expect(m.gpsLon).toBeCloseTo(2.2945, 4)
    expect(m.orientation).toBe(6)
    expect(m.description).toBe('Grandma blowing out the candles')
  })

  it('prefers alt text, then XMP dc:description, then IPTC', async () => {
    expect((await readMetadata(path.join(fixtures, 'alt-text.jpg'))).description).toBe('Two children holding a kite')
    expect((await readMetadata(path.join(fixtures, 'xmp-iptc.jpg'))).description).toBe('A dog on a beach')
    const iptc = { caption: 'from IPTC', headline: null, objectName: null, dateCreated: null, timeCreated: null, byline: null }
    expect(pickMetadata({ exif: { ImageDescription: 'from EXIF' }, xmp: null, iptc }).description).toBe('from IPTC')
  })

  it('ignores the camera name cameras write as a description', async () => {
    const m = await readMetadata(path.join(fixtures, 'camera-boilerplate.jpg'))
    expect(m.description).toBeNull()
    expect(m.embeddedDescription).toBe('OLYMPUS DIGITAL CAMERA')
    expect(pickMetadata({ exif: { ImageDescription: 'SONY DSC  ' }, xmp: null, iptc: null }).description).toBeNull()
    expect(pickMetadata({ exif: { ImageDescription: '   ' }, xmp: null, iptc: null }).embeddedDescription).toBeNull()
  })

  it('drops impossible values instead of storing them', () => {
    const m = pickMetadata({ exif: { latitude: 0, longitude: 0, Orientation: 17, DateTimeOriginal: '0000:00:00 00:00:00' }, xmp: null, iptc: null })
    expect(m).toMatchObject({ gpsLat: null, gpsLon: null, orientation: null, takenAt: null, cameraMake: null })
    expect(pickMetadata({ exif: null, xmp: null, iptc: null })).toEqual(emptyMetadata)
  })

  it('returns empty metadata for a file that is not an image', async () => {
    expect(await readMetadata(path.join(fixtures, 'README.md'))).toEqual(emptyMetadata)
  })
})
