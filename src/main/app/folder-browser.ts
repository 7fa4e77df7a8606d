// The server-side folder browser behind `folders.browse`: in `photocap serve`
// the photos live where the server runs, which may not be where the browser
// runs, so the page asks the backend for sub-folders of a folder. It lists
// folder names only (no files), skips hidden ones, and needs the session token
// like every other call. The chosen path then goes to `roots.add`, the one
// place a path travels from the page.
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { MethodOutput } from '../../shared/api.ts'
import { ApiError } from '../../shared/errors.ts'

type Listing = MethodOutput<'folders.browse'>

async function isDir(p: string): Promise<boolean> {
  return fs.stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  )
}

export async function places(home = os.homedir()): Promise<Listing['places']> {
  const candidates = [
    { name: 'Home', path: home },
    { name: 'Pictures', path: path.join(home, 'Pictures') },
    { name: 'Desktop', path: path.join(home, 'Desktop') },
    { name: 'Volumes', path: '/Volumes' },
    { name: 'Media', path: '/media' },
    { name: 'Mounts', path: '/mnt' },
  ]
  const out: Listing['places'] = []
  for (const c of candidates) if (await isDir(c.path)) out.push(c)
  return out
}

export async function browseFolder(requested: string | undefined, home = os.homedir()): Promise<Listing> {
  const target = path.resolve(requested ?? home)
  let entries
  try {
    entries = await fs.readdir(target, { withFileTypes: true })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why =
      code === 'ENOENT'
        ? 'no such folder'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'ENOTDIR'
            ? 'not a folder'
            : (error as Error).message
    throw new ApiError(code === 'ENOENT' ? 'not_found' : 'invalid_input', `cannot open ${target}: ${why}`)
  }
  const dirs: Listing['entries'] = []
  for (const e of entries) {
    if (e.name.startsWith('.')) continue
    const full = path.join(target, e.name)
    if (e.isDirectory() || (e.isSymbolicLink() && (await isDir(full)))) dirs.push({ name: e.name, path: full })
  }
  dirs.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true, sensitivity: 'base' }))
  const parent = path.dirname(target)
  return { path: target, parent: parent === target ? null : parent, entries: dirs, places: await places(home) }
}
