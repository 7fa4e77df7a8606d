// Content identity of a photo file.
//
// [Note: content identity]
// A photo is its bytes, not its path: a move or rename keeps its captions and
// embeddings. Hashing every byte of every 10 MB photo at startup would be slow,
// so the quick key is size + SHA-256 of the first and last 64 KiB; when two
// files share the quick key we compute the full SHA-256 of both to tell them
// apart (jobs/pipeline.ts, resolveIdentity). When the other file is not there
// to compare (moved, or its disk unplugged) the quick key alone decides: a
// different photo with the same size and the same first and last 64 KiB is
// the price of recognising a moved 10 MB photo without reading it whole.
// Files are opened read-only ('r').
import { createHash } from 'node:crypto'
import fs from 'node:fs/promises'

export const blockSize = 64 * 1024

export interface FastIdentity {
  size: number
  mtimeMs: number
  fastHash: string
}

export async function fastIdentity(file: string): Promise<FastIdentity> {
  const handle = await fs.open(file, 'r')
  try {
    const before = await handle.stat()
    if (!before.isFile()) throw new Error('not a regular file')
    const size = before.size
    const hash = createHash('sha256')
    hash.update(`${size}:`)
    if (size <= 2 * blockSize) {
      const buf = Buffer.alloc(size)
      await readFully(handle, buf, 0)
      hash.update(buf)
    } else {
      const head = Buffer.alloc(blockSize)
      const tail = Buffer.alloc(blockSize)
      await readFully(handle, head, 0)
      await readFully(handle, tail, size - blockSize)
      hash.update(head).update(tail)
    }
    const after = await handle.stat()
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) throw new FileChangingError(file)
    return { size, mtimeMs: Math.floor(after.mtimeMs), fastHash: hash.digest('hex').slice(0, 32) }
  } finally {
    await handle.close()
  }
}

export async function fullHash(file: string): Promise<string> {
  const hash = createHash('sha256')
  const handle = await fs.open(file, 'r')
  try {
    for await (const chunk of handle.createReadStream({ autoClose: false })) hash.update(chunk as Buffer)
  } finally {
    await handle.close()
  }
  return hash.digest('hex')
}

async function readFully(handle: fs.FileHandle, buf: Buffer, position: number): Promise<void> {
  let off = 0
  while (off < buf.length) {
    const { bytesRead } = await handle.read(buf, off, buf.length - off, position + off)
    if (bytesRead === 0) throw new FileChangingError('file shrank while reading')
    off += bytesRead
  }
}

/** The file changed while we read it (still being written): retry later. */
export class FileChangingError extends Error {
  readonly transient = true
  constructor(what: string) {
    super(`file is still being written (${what})`)
    this.name = 'FileChangingError'
  }
}
