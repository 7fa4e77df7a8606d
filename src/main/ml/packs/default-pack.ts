// Which pack `--pack` defaults to: an installed pack (resources/models
// manifests, installed under <dataDir>/models/<name>), else the generated tiny
// pack (its captions are meaningless; callers say so).
import fs from 'node:fs'
import path from 'node:path'
import { ensureTinyPack } from './tiny-pack.ts'

export const INSTALL_MARKER = '.photocap-installed.json'

export function modelsDir(dataDir: string): string {
  return path.join(dataDir, 'models')
}

/** Installed packs (folders with a completed install marker), sorted by name. */
export function installedPacks(dataDir: string): { name: string; dir: string }[] {
  const root = modelsDir(dataDir)
  if (!fs.existsSync(root)) return []
  return fs
    .readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && fs.existsSync(path.join(root, d.name, INSTALL_MARKER)))
    .map((d) => ({ name: d.name, dir: path.join(root, d.name) }))
    .sort((a, b) => a.name.localeCompare(b.name))
}

export interface DefaultPack {
  dir: string
  /** True when no pack is installed and the generated tiny pack is used. */
  tiny: boolean
}

/** The installed pack named by PHOTOCAP_PACK (a name) or the first installed one, else the tiny pack. */
export function resolveDefaultPack(dataDir: string, env: NodeJS.ProcessEnv = process.env): DefaultPack {
  const installed = installedPacks(dataDir)
  const wanted = env.PHOTOCAP_DEFAULT_PACK
  if (wanted) {
    const hit = installed.find((p) => p.name === wanted)
    if (!hit) throw new Error(`PHOTOCAP_DEFAULT_PACK=${wanted}: no such installed pack in ${modelsDir(dataDir)}`)
    return { dir: hit.dir, tiny: false }
  }
  const first = installed[0]
  if (first) return { dir: first.dir, tiny: false }
  return { dir: ensureTinyPack({ dataDir }), tiny: true }
}
