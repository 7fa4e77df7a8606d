// What `models list` and the API's pack list say about each known pack before
// and after install: its download size (stated before anything starts), whether
// it is installed, how its files were verified, and bytes already downloaded
// towards an interrupted install. One place, so the CLI and the app agree.
import fs from 'node:fs'
import path from 'node:path'
import { installedPacks, modelsDir } from '../default-pack.ts'
import { readInstallMarker, trustedOnFirstUseFiles } from './install.ts'
import { downloadSize, loadManifests, type DownloadSize, type Manifest } from './manifest.ts'

export interface KnownPack {
  name: string
  description: string
  download: DownloadSize
  /** Null when not installed. */
  installed: { dir: string; trustedOnFirstUse: { path: string; sha256: string }[] } | null
  /** Bytes in the staging folder of an unfinished install (resumable). */
  partialBytes: number
}

function folderBytes(dir: string): number {
  if (!fs.existsSync(dir)) return 0
  let n = 0
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) if (e.isFile()) n += fs.statSync(path.join(e.parentPath, e.name)).size
  return n
}

export function describePack(m: Manifest, dataDir: string): KnownPack {
  const inst = installedPacks(dataDir).find((p) => p.name === m.name)
  let installed: KnownPack['installed'] = null
  if (inst) {
    let trusted: { path: string; sha256: string }[] = []
    try {
      trusted = trustedOnFirstUseFiles(readInstallMarker(inst.dir))
    } catch {
      // An unreadable marker is reported by `verify`; the list still shows the pack.
    }
    installed = { dir: inst.dir, trustedOnFirstUse: trusted }
  }
  return {
    name: m.name,
    description: m.description,
    download: downloadSize(m),
    installed,
    partialBytes: inst ? 0 : folderBytes(path.join(modelsDir(dataDir), `.staging-${m.name}`)),
  }
}

export function knownPacks(dataDir: string, manifestDir?: string): KnownPack[] {
  return loadManifests(...(manifestDir ? [manifestDir] : [])).map((m) => describePack(m, dataDir))
}

export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`
  if (bytes >= 2 ** 10) return `${(bytes / 2 ** 10).toFixed(1)} KiB`
  return `${bytes} B`
}

/** "1.65 GiB" or "1.06 GiB + mapping/coco_weights.pt (size not published; at most 1.00 GiB)". */
export function describeDownloadSize(d: DownloadSize): string {
  if (d.unknownFiles.length === 0) return formatBytes(d.knownBytes)
  return `${formatBytes(d.knownBytes)} + ${d.unknownFiles.join(', ')} (size not published; at most ${formatBytes(d.atMostBytes - d.knownBytes)})`
}
