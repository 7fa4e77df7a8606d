import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseDatasetJsonl } from '../../ml/training/dataset-file.ts'
import { importCaptionFolder, importCocoCaptions, writeDatasetJsonl } from './dataset-import.ts'

describe('dataset import', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ds-import-'))
  fs.mkdirSync(path.join(dir, 'imgs/sub'), { recursive: true })
  for (const f of ['a.jpg', 'b.png', 'sub/c.jpg', 'nocap.jpg']) fs.writeFileSync(path.join(dir, 'imgs', f), 'x')
  fs.writeFileSync(path.join(dir, 'imgs/a.txt'), 'a dog on grass.\n\nanother caption of a\n')
  fs.writeFileSync(path.join(dir, 'imgs/b.txt'), 'a cat.')
  fs.writeFileSync(path.join(dir, 'imgs/sub/c.txt'), 'a car.')

  it('reads a folder of images with .txt captions beside them (one per line; images without one are skipped)', () => {
    const items = importCaptionFolder(path.join(dir, 'imgs'))
    expect(items.map((i) => [path.relative(dir, i.image), i.caption])).toEqual([
      ['imgs/a.jpg', 'a dog on grass.'],
      ['imgs/a.jpg', 'another caption of a'],
      ['imgs/b.png', 'a cat.'],
      ['imgs/sub/c.jpg', 'a car.'],
    ])
    const out = path.join(dir, 'data/set.jsonl')
    writeDatasetJsonl(items, out)
    const back = parseDatasetJsonl(fs.readFileSync(out, 'utf8'), out)
    expect(back.map((l) => ('image' in l ? l.image : ''))).toEqual(items.map((i) => i.image))
  })

  it('reads COCO-style captions JSON and names bad records', () => {
    const coco = {
      images: [
        { id: 1, file_name: 'a.jpg' },
        { id: 2, file_name: 'b.png' },
      ],
      annotations: [
        { image_id: 1, caption: ' a dog. ' },
        { image_id: 2, caption: 'a cat.' },
        { image_id: 1, caption: 'a brown dog.' },
      ],
    }
    fs.writeFileSync(path.join(dir, 'coco.json'), JSON.stringify(coco))
    const items = importCocoCaptions(path.join(dir, 'coco.json'), path.join(dir, 'imgs'))
    expect(items.map((i) => [path.basename(i.image), i.caption])).toEqual([
      ['a.jpg', 'a dog.'],
      ['b.png', 'a cat.'],
      ['a.jpg', 'a brown dog.'],
    ])
    fs.writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ images: [{ id: 1, file_name: 'zzz.jpg' }], annotations: [{ image_id: 1, caption: 'x' }] }))
    expect(() => importCocoCaptions(path.join(dir, 'bad.json'), path.join(dir, 'imgs'))).toThrow(/zzz\.jpg \(image_id 1\) does not exist/)
    fs.writeFileSync(path.join(dir, 'notcoco.json'), '{"a":1}')
    expect(() => importCocoCaptions(path.join(dir, 'notcoco.json'), dir)).toThrow(/not a COCO captions file/)
  })
})
