import { describe, expect, it } from 'vitest'
import { fillerReason, isFiller } from './filler.ts'

describe('camera and software filler is not a caption', () => {
  it.each([
    'SANYO DIGITAL CAMERA',
    'KONICA MINOLTA DIGITAL CAMERA',
    'GE DIGITAL CAMERA',
    'OLYMPUS DIGITAL CAMERA',
    'Digital Still Camera',
    'DCF 1.0',
    'DCF Ver 2.0',
    'C:\\DCIM\\100MSDCF\\DSC00001.JPG',
    '/DCIM/100CANON/IMG_0001.JPG',
    'IMG_1234.JPG',
    'DSC01234',
    'P1010001.JPG',
    'File written by Adobe Photoshop 4.0',
    'File written by Adobe Photoshop? 4.0',
    'Created with GIMP',
    'LEAD Technologies Inc. V1.01',
    'tiffcp 4.0.9',
    'Converted PNM file',
    'SONY DSC',
    'Canon PowerShot A80',
    'NIKON D3100',
    'samsung',
    'Exif_JPEG_PICTURE',
    '',
    '   ',
    '\u0000\u0000\u0000',
    '??????',
    '..........',
    '          x',
    '\u0001\u0002\u0003abc',
  ])('%j', (text) => {
    expect(isFiller(text)).toBe(true)
  })

  it('treats text equal to the Make, Model or Software as filler', () => {
    expect(fillerReason('VPC-E1', { make: 'SANYO', model: 'VPC-E1' })).toMatch(/same as/)
    expect(fillerReason('Picasa 3.0', { software: 'Picasa 3.0' })).toMatch(/same as|software/)
    expect(fillerReason('Mystery Cam 9', { make: 'Mystery', model: 'Mystery Cam 9' })).toMatch(/same as/)
  })

  it.each([
    'Grandma blowing out the candles',
    'A dog on a beach',
    'Two children holding a kite',
    'Fish & Chips\nby the sea',
    'Óscar Cañas at the finish line',
    '東京タワーの夜景',
    'Sunset over Lake Geneva, 2019',
    'Canon in D played at the wedding',
    'Nikon and I at the summit',
    'DSC of the lab team (photo by Ana)',
    'photo of the new kitchen',
  ])("keeps %j as a person's description", (text) => {
    expect(fillerReason(text, { make: 'Canon', model: 'Canon EOS 5D' })).toBeNull()
  })
})
