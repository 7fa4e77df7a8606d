// photocap models install NAME [--force] [--from FILE...] | list | verify [NAME...] | remove NAME
// Packs come from the manifests in resources/models/ and live in <dataDir>/models.
import { parseCommandArgs } from '../args.ts'
import type { CliIo } from '../io.ts'
import { resolveUserPath } from '../io.ts'
import { defaultDataDir } from '../../engine/data-dir.ts'
import { installPack, installedPacks, removeInstalledPack, TRUST_STORE, verifyInstalledPack } from '../../ml/packs/installer/install.ts'
import { describeDownloadSize, formatBytes, knownPacks } from '../../ml/packs/installer/catalog.ts'
import type { DownloadProgress } from '../../ml/packs/installer/download.ts'

const USAGE = 'usage: photocap models install NAME [--force] [--from FILE...] | list | verify [NAME...] | remove NAME'

function duration(seconds: number): string {
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`
  if (seconds >= 60) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`
  return `${Math.round(seconds)} s`
}

/** "clip/model.safetensors [#####-----] 120.0 MiB / 577.1 MiB  8.2 MiB/s  ETA 56 s" */
export function progressLine(file: string, p: DownloadProgress): string {
  const frac = p.total ? p.received / p.total : 0
  const bar = p.total ? `[${'#'.repeat(Math.round(frac * 24)).padEnd(24, '-')}] ` : ''
  const rate = p.bytesPerSecond !== null ? `  ${formatBytes(p.bytesPerSecond)}/s` : ''
  const eta = p.etaSeconds !== null ? `  ETA ${duration(p.etaSeconds)}` : ''
  return `${file} ${bar}${formatBytes(p.received)}${p.total ? ` / ${formatBytes(p.total)}` : ''}${rate}${eta}`
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const cli = parseCommandArgs(args, { usage: USAGE, positionals: true, options: { force: { type: 'boolean' }, from: { type: 'string', multiple: true } } })
  const { values, positionals } = cli
  const [sub, ...names] = positionals
  if (sub === undefined) cli.fail('no subcommand given')
  const dataDir = defaultDataDir(io.env)
  const manifestDir = io.env.PHOTOCAP_MODELS_MANIFEST_DIR
  switch (sub) {
    case 'list': {
      const known = knownPacks(dataDir, manifestDir)
      for (const p of known) {
        const state = p.installed
          ? `installed (${p.installed.dir})`
          : p.partialBytes > 0
            ? `partly downloaded (${formatBytes(p.partialBytes)}; install again to resume)`
            : 'available'
        io.out(`${p.name}\t${state}\tdownload ${describeDownloadSize(p.download)}\t${p.description}`)
        for (const t of p.installed?.trustedOnFirstUse ?? []) io.out(`  ${t.path}: trusted on first use (no published sha256; recorded ${t.sha256})`)
      }
      for (const p of installedPacks(dataDir).filter((p) => !known.some((m) => m.name === p.name))) io.out(`${p.name}\tinstalled (${p.dir})\t(no manifest)`)
      return 0
    }
    case 'install': {
      const from = [...(values.from ?? []), ...(values.from ? names.slice(1) : [])].map((f) => resolveUserPath(io, f))
      if (names.length < 1 || (!values.from && names.length !== 1)) cli.fail('install: give one pack NAME')
      let lastDraw = 0
      let drawn = false
      const r = await installPack(names[0]!, {
        dataDir,
        env: io.env,
        ...(manifestDir ? { manifestDir } : {}),
        ...(values.force ? { force: true } : {}),
        ...(from.length ? { from } : {}),
        onNotice: (text) => {
          if (drawn) io.progress('\n')
          drawn = false
          io.err(`photocap models: ${text}`)
        },
        onProgress: (file, p) => {
          if (!io.interactive) return
          const now = Date.now()
          const complete = p.total !== null && p.received === p.total
          if (now - lastDraw < 200 && !complete) return
          lastDraw = now
          drawn = !complete
          io.progress(`\r${progressLine(file, p)}   ${complete ? '\n' : ''}`)
        },
      })
      io.out(`installed ${names[0]} in ${r.dir} (${r.files} files, ${formatBytes(r.bytes)}${r.resumedBytes ? `, resumed ${formatBytes(r.resumedBytes)}` : ''})`)
      for (const t of r.trustedOnFirstUse) {
        io.out(
          t.firstUse
            ? `${t.path}: no public sha256 exists for this file; trusted on first use: sha256 ${t.sha256} (recorded in ${TRUST_STORE}; later installs and 'verify' check against it)`
            : `${t.path}: matches the sha256 recorded when it was first trusted (${t.sha256})`,
        )
      }
      return 0
    }
    case 'verify': {
      const targets = names.length ? names : installedPacks(dataDir).map((p) => p.name)
      if (targets.length === 0) {
        io.err('photocap models verify: no pack is installed')
        return 1
      }
      let bad = 0
      for (const name of targets) {
        const report = await verifyInstalledPack(dataDir, name)
        if (report.problems.length === 0) {
          const tofu = report.trustedOnFirstUse
          io.out(
            `${name}: ok (${report.files} files${tofu.length ? `; ${tofu.map((t) => t.path).join(', ')} checked against the sha256 trusted on first use, not a published one` : '; all against published hashes'})`,
          )
        }
        for (const p of report.problems) {
          bad++
          io.err(`photocap models verify: ${p.file}: ${p.problem}`)
        }
      }
      return bad ? 1 : 0
    }
    case 'remove': {
      if (names.length !== 1) cli.fail('remove: give one pack NAME')
      io.out(`removed ${removeInstalledPack(dataDir, names[0]!)}`)
      return 0
    }
    default:
      return cli.fail(`unknown subcommand '${sub}'`)
  }
}
