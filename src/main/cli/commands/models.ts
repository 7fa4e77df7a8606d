// photocap models install NAME [--force] | list | verify [NAME...] | remove NAME
// Packs come from the manifests in resources/models/ and live in <dataDir>/models.
import { parseArgs } from 'node:util'
import type { CliIo } from '../io.ts'
import { defaultDataDir } from '../../engine/data-dir.ts'
import { installPack, installedPacks, readInstallMarker, removeInstalledPack, verifyInstalledPack } from '../../ml/packs/installer/install.ts'
import { loadManifests } from '../../ml/packs/installer/manifest.ts'

const USAGE = 'usage: photocap models install NAME [--force] | list | verify [NAME...] | remove NAME'

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`
}

export async function run(args: string[], io: CliIo): Promise<number> {
  let values: { force?: boolean; help?: boolean }
  let positionals: string[]
  try {
    ;({ values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: { force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }))
  } catch (error) {
    io.err(`photocap models: ${(error as Error).message}\n${USAGE}`)
    return 2
  }
  const [sub, ...names] = positionals
  if (values.help || sub === undefined) {
    ;(values.help ? io.out : io.err)(USAGE)
    return values.help ? 0 : 2
  }
  const dataDir = defaultDataDir(io.env)
  const manifestDir = io.env.PHOTOCAP_MODELS_MANIFEST_DIR
  switch (sub) {
    case 'list': {
      const installed = installedPacks(dataDir)
      const known = loadManifests(...(manifestDir ? [manifestDir] : []))
      for (const m of known) {
        const inst = installed.find((p) => p.name === m.name)
        io.out(`${m.name}\t${inst ? `installed (${inst.dir})` : 'available'}\t${m.description}`)
      }
      for (const p of installed.filter((p) => !known.some((m) => m.name === p.name))) io.out(`${p.name}\tinstalled (${p.dir})\t(no manifest)`)
      return 0
    }
    case 'install': {
      if (names.length !== 1) {
        io.err(`photocap models install: give one pack NAME\n${USAGE}`)
        return 2
      }
      let lastDraw = 0
      const r = await installPack(names[0]!, {
        dataDir,
        env: io.env,
        ...(manifestDir ? { manifestDir } : {}),
        ...(values.force ? { force: true } : {}),
        onProgress: (file, got, total) => {
          if (!io.interactive) return
          const now = Date.now()
          if (now - lastDraw < 100 && got !== total) return
          lastDraw = now
          const frac = total ? got / total : 0
          const bar = total ? `[${'#'.repeat(Math.round(frac * 24)).padEnd(24, '-')}] ` : ''
          io.progress(`\r${file} ${bar}${mib(got)}${total ? ` / ${mib(total)}` : ''}   ${got === total ? '\n' : ''}`)
        },
      })
      io.out(`installed ${names[0]} in ${r.dir} (${r.files} files, ${mib(r.bytes)}${r.resumedBytes ? `, resumed ${mib(r.resumedBytes)}` : ''})`)
      if (r.unverified.length) io.err(`photocap models: the manifest states no sha256 for ${r.unverified.join(', ')}; recorded what was downloaded (later 'verify' runs check against it)`)
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
        const problems = await verifyInstalledPack(dataDir, name)
        if (problems.length === 0) io.out(`${name}: ok (${Object.keys(readInstallMarker(installedPacks(dataDir).find((p) => p.name === name)!.dir).files).length} files)`)
        for (const p of problems) {
          bad++
          io.err(`photocap models verify: ${p.file}: ${p.problem}`)
        }
      }
      return bad ? 1 : 0
    }
    case 'remove': {
      if (names.length !== 1) {
        io.err(`photocap models remove: give one pack NAME\n${USAGE}`)
        return 2
      }
      io.out(`removed ${removeInstalledPack(dataDir, names[0]!)}`)
      return 0
    }
    default:
      io.err(`photocap models: unknown subcommand '${sub}'\n${USAGE}`)
      return 2
  }
}
