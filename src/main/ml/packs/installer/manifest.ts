// Pack manifests (resources/models/*.json): where each file of a known pack
// comes from, with its size and sha256 when we can state them. A null size or
// sha256 means "unknown": the installer then records what it downloaded
// (verify-on-first-download) instead of us inventing a number.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'

const sha256 = z.string().regex(/^[0-9a-f]{64}$/)

export const manifestFileSchema = z.union([
  z.object({
    path: z.string().min(1),
    /** Absolute URL; or relative to the manifest's base_url. */
    url: z.string().min(1),
    size: z.number().int().nonnegative().nullable(),
    sha256: sha256.nullable(),
  }),
  z.object({
    path: z.string().min(1),
    /** A small file we write ourselves (pack.json, mapping/config.json). */
    content: z.unknown(),
  }),
])
export type ManifestFile = z.infer<typeof manifestFileSchema>

export const manifestSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  description: z.string(),
  licence: z.string().optional(),
  /** Base for relative file URLs (also the manifest-level override of the download host). */
  base_url: z.string().optional(),
  files: z.array(manifestFileSchema).min(1),
})
export type Manifest = z.infer<typeof manifestSchema>

/** PHOTOCAP_MODELS_MANIFEST_DIR when set (the desktop app sets it: a bundle has no source-relative folder), else resources/models of the checkout. */
export function defaultManifestDir(): string {
  const fromEnv = process.env.PHOTOCAP_MODELS_MANIFEST_DIR
  if (fromEnv) return fromEnv
  return fileURLToPath(new URL('../../../../../resources/models/', import.meta.url))
}

export function loadManifest(file: string): Manifest {
  let raw: unknown
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (error) {
    throw new Error(`${file}: cannot read pack manifest (${error instanceof Error ? error.message : String(error)})`)
  }
  const parsed = manifestSchema.safeParse(raw)
  if (!parsed.success) {
    const i = parsed.error.issues[0]
    throw new Error(`${file}: invalid pack manifest (${i ? `${i.path.join('.')}: ${i.message}` : 'unknown'})`)
  }
  for (const f of parsed.data.files) {
    const norm = path.posix.normalize(f.path)
    if (norm.startsWith('..') || path.posix.isAbsolute(norm)) throw new Error(`${file}: file path ${JSON.stringify(f.path)} leaves the pack folder`)
  }
  return parsed.data
}

export function loadManifests(dir: string = defaultManifestDir()): Manifest[] {
  if (!fs.existsSync(dir)) return []
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => loadManifest(path.join(dir, f)))
}

export function findManifest(name: string, dir: string = defaultManifestDir()): Manifest {
  const all = loadManifests(dir)
  const m = all.find((x) => x.name === name)
  if (!m) throw new Error(`unknown pack '${name}' (known: ${all.map((x) => x.name).join(', ') || 'none'})`)
  return m
}

/**
 * The URL a file is fetched from. PHOTOCAP_MODELS_BASE_URL (tests, mirrors)
 * replaces every host: <base>/<pack name>/<file path>.
 */
export function fileUrl(manifest: Manifest, file: { path: string; url: string }, env: NodeJS.ProcessEnv = process.env): string {
  const override = env.PHOTOCAP_MODELS_BASE_URL
  if (override) return `${override.replace(/\/+$/, '')}/${manifest.name}/${file.path}`
  if (/^https?:\/\//.test(file.url)) return file.url
  if (!manifest.base_url) throw new Error(`pack ${manifest.name}: file ${file.path} has a relative url and the manifest no base_url`)
  return new URL(file.url, manifest.base_url.endsWith('/') ? manifest.base_url : `${manifest.base_url}/`).toString()
}
