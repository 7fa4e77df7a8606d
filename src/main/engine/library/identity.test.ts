import fs from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../../../../test/helpers/photo-folders.ts'
import { blockSize, fastIdentity, fullHash } from './identity.ts'

describe('content identity', () => {
  it('is the same for the same bytes at different paths and differs when the content does', async () => {
    const dir = await tempDir()
    const data = Buffer.alloc(3 * blockSize, 7)
    await fs.writeFile(path.join(dir, 'a.jpg'), data)
    await fs.writeFile(path.join(dir, 'b.jpg'), data)
    const a = await fastIdentity(path.join(dir, 'a.jpg'))
    const b = await fastIdentity(path.join(dir, 'b.jpg'))
    expect(a.fastHash).toBe(b.fastHash)
    expect(a.size).toBe(3 * blockSize)
    data[0] = 8
    await fs.writeFile(path.join(dir, 'c.jpg'), data)
    expect((await fastIdentity(path.join(dir, 'c.jpg'))).fastHash).not.toBe(a.fastHash)
  })

  it('does not see a change in the middle of a large file, which the full hash does', async () => {
    const dir = await tempDir()
    const data = Buffer.alloc(4 * blockSize, 1)
    await fs.writeFile(path.join(dir, 'a.jpg'), data)
    data[2 * blockSize] = 2
    await fs.writeFile(path.join(dir, 'b.jpg'), data)
    expect((await fastIdentity(path.join(dir, 'a.jpg'))).fastHash).toBe((await fastIdentity(path.join(dir, 'b.jpg'))).fastHash)
    expect(await fullHash(path.join(dir, 'a.jpg'))).not.toBe(await fullHash(path.join(dir, 'b.jpg')))
  })

  it('hashes small and empty files whole', async () => {
    const dir = await tempDir()
    await fs.writeFile(path.join(dir, 'empty.jpg'), '')
    await fs.writeFile(path.join(dir, 'small.jpg'), 'abc')
    const e = await fastIdentity(path.join(dir, 'empty.jpg'))
    expect(e.size).toBe(0)
    expect(e.fastHash).not.toBe((await fastIdentity(path.join(dir, 'small.jpg'))).fastHash)
  })

  it('names the reason when a path is not a readable file', async () => {
    const dir = await tempDir()
    await expect(fastIdentity(path.join(dir, 'nope.jpg'))).rejects.toMatchObject({ code: 'ENOENT' })
    await expect(fastIdentity(dir)).rejects.toThrow(/EISDIR|not a regular file/)
  })
})
