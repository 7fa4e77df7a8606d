// `photocap models install|list|verify|remove`: packs from manifests into
// <dataDir>/models/<name>.
//
// [Note: atomic pack install]
// Files download into <dataDir>/models/.staging-<name>/ (kept between attempts,
// so an interrupted install resumes where it stopped). When every file is
// present with the right size and sha256, the install marker (every file's size
// and sha256, for `verify`) is written into the staging folder, which is then
// renamed to <dataDir>/models/<name> in one step: a pack folder with a marker is
// always complete, and default-pack.ts only ever uses such folders.
import fs from 'node:fs'
import path from 'node:path'
import { z } from 'zod'
import { INSTALL_MARKER, installedPacks, modelsDir } from '../default-pack.ts'
import { sha256File } from '../hashes.ts'
import { openPack } from '../pack.ts'
import { downloadFile } from './download.ts'
import { fileUrl, findManifest, type Manifest } from './manifest.ts'

export const installMarkerSchema = z.object({
  name: z.string(),
  installedAt: z.string(),
  files: z.record(z.string(), z.object({ bytes: z.number().int(), sha256: z.string() })),
  /** Files whose sha256 the manifest did not know: recorded on first download. */
  unverifiedAtInstall: z.array(z.string()),
})
export type InstallMarker = z.infer<typeof installMarkerSchema>

export interface InstallOptions {
  dataDir: string
  manifestDir?: string
  env?: NodeJS.ProcessEnv
  force?: boolean
  onProgress?: (file: string, received: number, total: number | null) => void
  signal?: AbortSignal
}

export interface InstallResult {
  dir: string
  files: number
  bytes: number
  resumedBytes: number
  unverified: string[]
}

export async function installPack(name: string, options: InstallOptions): Promise<InstallResult> {
  const manifest: Manifest = findManifest(name, options.manifestDir)
  const root = modelsDir(options.dataDir)
  const target = path.join(root, manifest.name)
  if (fs.existsSync(path.join(target, INSTALL_MARKER)) && !options.force) throw new Error(`pack ${manifest.name} is already installed in ${target} (use --force to reinstall)`)
  const staging = path.join(root, `.staging-${manifest.name}`)
  fs.mkdirSync(staging, { recursive: true })
  const marker: InstallMarker = { name: manifest.name, installedAt: new Date().toISOString(), files: {}, unverifiedAtInstall: [] }
  let bytes = 0
  let resumedBytes = 0
  for (const file of manifest.files) {
    const dest = path.join(staging, file.path)
    fs.mkdirSync(path.dirname(dest), { recursive: true })
    if ('content' in file) {
      fs.writeFileSync(dest, typeof file.content === 'string' ? file.content : JSON.stringify(file.content, null, 2) + '\n')
    } else if (fs.existsSync(dest) && (file.size === null || fs.statSync(dest).size === file.size) && (file.sha256 === null || (await sha256File(dest)) === file.sha256)) {
      // finished in an earlier attempt
    } else {
      if (fs.existsSync(dest)) fs.rmSync(dest)
      const r = await downloadFile(fileUrl(manifest, file, options.env), dest, {
        expectedSize: file.size,
        expectedSha256: file.sha256,
        ...(options.onProgress ? { onProgress: (got: number, total: number | null) => options.onProgress!(file.path, got, total) } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      })
      resumedBytes += r.resumedFrom
    }
    const st = fs.statSync(dest)
    bytes += st.size
    marker.files[file.path] = { bytes: st.size, sha256: await sha256File(dest) }
    if (!('content' in file) && file.sha256 === null) marker.unverifiedAtInstall.push(file.path)
  }
  // The result must open as a pack before it is installed.
  openPack(staging)
  fs.writeFileSync(path.join(staging, INSTALL_MARKER), JSON.stringify(marker, null, 2) + '\n')
  if (fs.existsSync(target)) fs.rmSync(target, { recursive: true, force: true })
  fs.renameSync(staging, target)
  return { dir: target, files: manifest.files.length, bytes, resumedBytes, unverified: marker.unverifiedAtInstall }
}

export function readInstallMarker(dir: string): InstallMarker {
  const file = path.join(dir, INSTALL_MARKER)
  try {
    return installMarkerSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')))
  } catch (error) {
    throw new Error(`${file}: unreadable install marker (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`)
  }
}

export interface VerifyProblem {
  file: string
  problem: string
}

/** Re-hash every installed file against the install marker. */
export async function verifyInstalledPack(dataDir: string, name: string): Promise<VerifyProblem[]> {
  const dir = path.join(modelsDir(dataDir), name)
  if (!fs.existsSync(path.join(dir, INSTALL_MARKER))) throw new Error(`pack ${name} is not installed in ${modelsDir(dataDir)}`)
  const marker = readInstallMarker(dir)
  const problems: VerifyProblem[] = []
  for (const [rel, want] of Object.entries(marker.files)) {
    const file = path.join(dir, rel)
    if (!fs.existsSync(file)) {
      problems.push({ file, problem: 'missing' })
      continue
    }
    const size = fs.statSync(file).size
    if (size !== want.bytes) problems.push({ file, problem: `${size} bytes, expected ${want.bytes}` })
    else if ((await sha256File(file)) !== want.sha256) problems.push({ file, problem: 'sha256 mismatch' })
  }
  return problems
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
