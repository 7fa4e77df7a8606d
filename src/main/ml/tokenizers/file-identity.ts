// Cache keys for vocabulary files: a pack replaced in place must be read again.
import fs from 'node:fs'
import path from 'node:path'

/** Path + size + mtime of both files, so a pack replaced in place is read again. */
export function fileIdentity(...files: string[]): string {
  return files
    .map((f) => {
      const st = fs.statSync(f, { throwIfNoEntry: false })
      return `${path.resolve(f)}:${st?.size ?? -1}:${st?.mtimeMs ?? -1}`
    })
    .join('|')
}
