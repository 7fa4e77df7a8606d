// Generated photos for end-to-end tests: small coloured JPEGs, and a corrupt one.
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'

export async function writePhoto(file: string, hue: number): Promise<void> {
  const r = Math.round(128 + 100 * Math.sin(hue))
  const g = Math.round(128 + 100 * Math.sin(hue + 2))
  const b = Math.round(128 + 100 * Math.sin(hue + 4))
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240"><rect width="320" height="240" fill="rgb(${r},${g},${b})"/><circle cx="${100 + ((hue * 37) % 120)}" cy="120" r="60" fill="rgb(${255 - r},${255 - g},${255 - b})"/></svg>`
  const tmp = `${file}.partial`
  await sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toFile(tmp)
  fs.renameSync(tmp, file)
}

export async function writeLibrary(dir: string, count: number): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true })
  const files: string[] = []
  for (let i = 0; i < count; i++) {
    const f = path.join(dir, `photo-${i + 1}.jpg`)
    await writePhoto(f, i * 1.3)
    files.push(f)
  }
  // Starts like a JPEG, then nothing: a truncated file.
  fs.writeFileSync(path.join(dir, 'corrupt.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46]))
  return files
}
