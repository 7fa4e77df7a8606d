// Which files and folders belong in the library: pure name rules, no I/O.

/** Camera RAW formats: indexed through the full-size JPEG preview they embed, or developed with LibRaw without one (library/images.ts). */
export const rawExtensions = new Set([
  '.dng',
  '.nef',
  '.nrw',
  '.cr2',
  '.cr3',
  '.crw',
  '.arw',
  '.srf',
  '.sr2',
  '.raf',
  '.orf',
  '.rw2',
  '.rwl',
  '.pef',
  '.srw',
  '.x3f',
  '.3fr',
  '.iiq',
  '.erf',
  '.kdc',
  '.mrw',
  '.mef',
  '.mos',
])

/** Extensions we try to index (lower case, with the dot). */
export const imageExtensions = new Set([
  '.jpg',
  '.jpeg',
  '.jpe',
  '.png',
  '.webp',
  '.gif',
  '.tif',
  '.tiff',
  '.heic',
  '.heif',
  '.avif',
  '.bmp',
  '.dib',
  ...rawExtensions,
])

export function isRawName(name: string): boolean {
  const dot = name.lastIndexOf('.')
  return dot > 0 && rawExtensions.has(name.slice(dot).toLowerCase())
}

/** A RAW file's pair: the JPEG the camera wrote beside it for the same shot (same folder and name, .jpg/.jpeg). */
export function pairedJpegNames(rawName: string): string[] {
  const dot = rawName.lastIndexOf('.')
  const stem = rawName.slice(0, dot)
  return ['.jpg', '.JPG', '.jpeg', '.JPEG', '.Jpg'].map((e) => stem + e)
}

export function isImageName(name: string): boolean {
  const dot = name.lastIndexOf('.')
  return dot > 0 && imageExtensions.has(name.slice(dot).toLowerCase())
}

// Folders that operating systems, NAS boxes and photo tools keep next to
// photos; their contents are never the user's photos (trash, thumbnails).
const systemFolders = new Set([
  '$recycle.bin',
  'system volume information',
  'recycler',
  'lost+found',
  '@eadir',
  '#recycle',
  '#snapshot',
  'node_modules',
  '.trashes',
  '.spotlight-v100',
  '.fseventsd',
  '.thumbnails',
])

/** Hidden (dot) and system folders/files are skipped everywhere. */
export function isHiddenOrSystem(name: string): boolean {
  return name.startsWith('.') || systemFolders.has(name.toLowerCase())
}

/**
 * Exclusion patterns, gitignore-like: `*` and `?` stay inside one path segment,
 * `**` crosses segments; a pattern without a slash matches the name at any depth;
 * a pattern ending in `/` (or `/**`) excludes a folder and everything under it.
 * Paths are relative to the root with forward slashes.
 */
export function compileExclusions(patterns: readonly string[]): (relPath: string) => boolean {
  const regexes = patterns.map(globToRegExp)
  return (relPath) => {
    const p = relPath.split('\\').join('/')
    return regexes.some((re) => re.test(p))
  }
}

export function globToRegExp(pattern: string): RegExp {
  let p = pattern.trim().split('\\').join('/')
  if (p === '') return /^(?!)/
  const dirOnly = p.endsWith('/')
  if (dirOnly) p = p.slice(0, -1)
  const anchored = p.includes('/')
  if (p.startsWith('/')) p = p.slice(1)
  let re = ''
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!
    if (c === '*') {
      if (p[i + 1] === '*') {
        i++
        if (p[i + 1] === '/') {
          i++
          re += '(?:.*/)?'
        } else re += '.*'
      } else re += '[^/]*'
    } else if (c === '?') re += '[^/]'
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  const prefix = anchored ? '^' : '^(?:.*/)?'
  // A match on a folder also excludes what is inside it.
  return new RegExp(`${prefix}${re}(?:/.*)?$`, 'u')
}

/** Forward-slash relative path, the form stored in the database. */
export function toRelPath(parts: readonly string[]): string {
  return parts.join('/')
}
