// The one rule for a file path named by a manifest (or by `--from`): it must
// stay inside the pack folder on every platform we ship to. A path is checked
// as text first (so a Linux build refuses what would escape on Windows: drive
// letters, backslashes, `C:foo`, trailing dots or spaces that Windows strips,
// reserved device names), then resolved under both path.posix and path.win32
// as a second line of defence.
import path from 'node:path'

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i

/** Why `rel` is not a safe pack-relative path, or null when it is. */
export function packPathProblem(rel: string): string | null {
  if (rel.length === 0) return 'it is empty'
  if (rel.length > 400) return 'it is longer than 400 characters'
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(rel)) return 'it contains a control character'
  if (rel.includes('\\')) return 'it contains a backslash (a folder separator on Windows)'
  if (rel.includes(':')) return 'it contains a colon (a drive letter or stream name on Windows)'
  if (rel.startsWith('/')) return 'it is absolute'
  for (const segment of rel.split('/')) {
    if (segment === '' || segment === '.') return 'it has an empty or "." segment'
    if (segment === '..') return 'it goes up with ".."'
    if (/[. ]$/.test(segment)) return `segment ${JSON.stringify(segment)} ends in a dot or space (Windows strips those)`
    if (WINDOWS_RESERVED.test(segment)) return `segment ${JSON.stringify(segment)} is a reserved device name on Windows`
    if (/[<>"|?*]/.test(segment)) return `segment ${JSON.stringify(segment)} has a character Windows refuses`
  }
  for (const flavour of [path.posix, path.win32]) {
    const root = flavour === path.posix ? '/pack' : 'C:\\pack'
    const inside = flavour.relative(root, flavour.resolve(root, rel))
    if (inside === '' || inside.startsWith('..') || flavour.isAbsolute(inside))
      return `it leaves the pack folder (${flavour === path.posix ? 'POSIX' : 'Windows'} paths)`
  }
  return null
}

/** `root/rel` on this platform, refusing any path that would leave `root`. */
export function resolveInPack(root: string, rel: string, what: string): string {
  const problem = packPathProblem(rel)
  if (problem) throw new Error(`${what}: file path ${JSON.stringify(rel)} is refused: ${problem}`)
  const abs = path.resolve(root, ...rel.split('/'))
  const inside = path.relative(path.resolve(root), abs)
  if (inside === '' || inside.startsWith('..') || path.isAbsolute(inside)) throw new Error(`${what}: file path ${JSON.stringify(rel)} leaves the pack folder`)
  return abs
}
