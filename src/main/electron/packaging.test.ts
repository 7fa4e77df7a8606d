// electron-builder cannot run here (no Electron binary), so this checks what it
// would package: electron-builder.yml's file lists against the real electron-vite
// output and the real onnxruntime-node binaries in node_modules. A glob that
// matches nothing, a platform that would ship another platform's ONNX Runtime,
// or a native module left inside the asar fails here.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { minimatch } from 'minimatch'
import { parse } from 'yaml'
import { beforeAll, describe, expect, it } from 'vitest'
import { resourceDirs } from './resource-dirs.ts'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const config = parse(fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as {
  files: string[]
  asarUnpack: string[]
  extraResources: { from: string; to: string; filter: string[] }[]
  win: { target: { target: string; arch: string[] }[]; files: string[] }
  mac: { target: { target: string; arch: string[] }[]; files: string[] }
  linux: { target: { target: string; arch: string[] }[]; files: string[] }
}

function walk(dir: string): string[] {
  const abs = path.join(root, dir)
  if (!fs.existsSync(abs)) return []
  return fs
    .readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
}

const match = (file: string, pattern: string): boolean => minimatch(file, pattern, { dot: true })

/** electron-builder's rule: patterns apply in order, a later `!pattern` removes what an earlier one added. */
function included(file: string, patterns: string[]): boolean {
  let inc = false
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (match(file, p.slice(1))) inc = false
    } else if (match(file, p)) inc = true
  }
  return inc
}

const newest = (files: string[]): number => Math.max(0, ...files.map((f) => fs.statSync(path.join(root, f)).mtimeMs))

let built: string[] = []
const ortFiles = walk('node_modules/onnxruntime-node/bin')
const platformOf = { win: 'win32', mac: 'darwin', linux: 'linux' } as const

beforeAll(() => {
  // Build with electron-vite unless out/ is already newer than every source file.
  const sources = [...walk('src/main'), ...walk('src/preload'), ...walk('src/renderer'), ...walk('src/shared')]
  const output = [...walk('out/main'), ...walk('out/preload'), ...walk('out/renderer')]
  if (output.length === 0 || newest(sources) > Math.min(...output.map((f) => fs.statSync(path.join(root, f)).mtimeMs))) {
    const r = spawnSync(process.execPath, [path.join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build', '--logLevel', 'error'], {
      cwd: root,
      encoding: 'utf8',
    })
    if (r.status !== 0) throw new Error(`electron-vite build failed:\n${r.stderr}\n${r.stdout}`)
  }
  built = [...walk('out/main'), ...walk('out/preload'), ...walk('out/renderer'), 'package.json']
}, 300_000)

describe('electron-builder configuration against the built app', () => {
  it('every include pattern of `files` matches built files', () => {
    for (const pattern of config.files.filter((p) => !p.startsWith('!') && !p.startsWith('node_modules'))) {
      expect(
        built.filter((f) => match(f, pattern)),
        pattern,
      ).not.toHaveLength(0)
    }
  })

  it('packages the entry points the app loads: main, ML worker, training child, sandboxed preload, renderer', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string }
    for (const f of [pkg.main, 'out/main/ml-worker.js', 'out/main/training-child.js', 'out/preload/index.cjs', 'out/renderer/index.html']) {
      expect(built, f).toContain(f)
      expect(included(f, config.files), f).toBe(true)
    }
    // The preload is sandboxed: one CommonJS file that requires nothing but electron.
    const preload = fs.readFileSync(path.join(root, 'out/preload/index.cjs'), 'utf8')
    expect([...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1])).toEqual(['electron'])
    // The paths app.ts and ml-utility.ts load at run time are the ones built.
    expect(fs.readFileSync(path.join(root, 'src/main/electron/app.ts'), 'utf8')).toContain("'../preload/index.cjs'")
    expect(fs.readFileSync(path.join(root, 'src/main/electron/ml-utility.ts'), 'utf8')).toContain("'ml-worker.js'")
    expect(fs.readFileSync(path.join(root, 'src/main/electron/training-utility.ts'), 'utf8')).toContain("'training-child.js'")
    // The training entry loads the bundled training child (a chunk that handles the protocol), not just the shim.
    const entry = fs.readFileSync(path.join(root, 'out/main/training-child.js'), 'utf8')
    const chunk = /import\("\.\/(chunks\/[^"]+)"\)/.exec(entry)?.[1]
    expect(chunk, 'training-child.js imports its child module').toBeDefined()
    // (the name it gives its parent channel, which logs messages it ignores under that name)
    expect(fs.readFileSync(path.join(root, 'out/main', chunk!), 'utf8')).toMatch(/onParentMessage\([^)]*["']training process["']/)
    // The utility process cannot load the main-process electron API: the entry's static imports must not name it.
    expect(entry).not.toMatch(/from ["']electron["']/)
  })

  it('leaves out source maps, the web build and sources', () => {
    for (const f of ['out/main/index.js.map', 'out/renderer-web/index.html', 'src/main/index.ts', 'e2e/library.spec.ts'])
      expect(included(f, config.files), f).toBe(false)
  })

  it('the built renderer keeps its strict CSP and loads nothing remote', () => {
    const html = fs.readFileSync(path.join(root, 'out/renderer/index.html'), 'utf8')
    expect(html).toContain("script-src 'self'")
    expect(html).not.toMatch(/src="https?:/)
  })
})

describe('resource folders the bundled engine reads (extraResources)', () => {
  const wanted = {
    migrations: { from: 'src/main/engine/db/migrations', ext: '.sql' },
    models: { from: 'resources/models', ext: '.json' },
  }
  for (const [to, { from, ext }] of Object.entries(wanted)) {
    it(`ships ${from} as resources/${to}, and the folder has ${ext} files the filter keeps`, () => {
      const entry = config.extraResources.find((e) => e.to === to)
      expect(entry, to).toBeDefined()
      expect(entry!.from).toBe(from)
      const files = fs.readdirSync(path.join(root, from)).filter((f) => entry!.filter.some((p) => match(f, p)))
      expect(files.length, from).toBeGreaterThan(0)
      expect(files.every((f) => f.endsWith(ext))).toBe(true)
      expect(
        fs
          .readdirSync(path.join(root, from))
          .filter((f) => f.endsWith(ext))
          .sort(),
      ).toEqual(files.sort())
    })
  }

  it('the packaged app looks for them where electron-builder puts them', () => {
    const dirs = resourceDirs({ packaged: true, resourcesPath: '/opt/Photocap/resources', appPath: '/opt/Photocap/resources/app.asar' })
    expect(dirs).toEqual({
      modelsManifestDir: path.join('/opt/Photocap/resources', 'models'),
      migrationsDir: path.join('/opt/Photocap/resources', 'migrations'),
    })
    // Unpackaged (electron-vite dev) the app path is the checkout: the source folders.
    const dev = resourceDirs({ packaged: false, resourcesPath: '/electron/resources', appPath: root })
    expect(fs.readdirSync(dev.migrationsDir).some((f) => f.endsWith('.sql'))).toBe(true)
    expect(fs.readdirSync(dev.modelsManifestDir).some((f) => f.endsWith('.json'))).toBe(true)
  })

  it('the built main sets the variables (the engine reads them at call time, so chunk order does not matter)', () => {
    expect(fs.readFileSync(path.join(root, 'out/main/index.js'), 'utf8')).toContain('applyResourceEnv(process.env')
  })
})

describe('onnxruntime-node binaries per platform', () => {
  it('the shared list excludes every ONNX Runtime binary', () => {
    expect(ortFiles.length).toBeGreaterThan(0)
    for (const f of ortFiles) expect(included(f, config.files), f).toBe(false)
  })

  for (const os of ['win', 'mac', 'linux'] as const) {
    it(`${os} ships exactly its own platform's binaries for each of its architectures`, () => {
      const archs = [...new Set(config[os].target.flatMap((t) => t.arch))]
      expect(archs.length).toBeGreaterThan(0)
      for (const arch of archs) {
        const patterns = [...config.files, ...config[os].files.map((p) => p.replaceAll('${arch}', arch))]
        const shipped = ortFiles.filter((f) => included(f, patterns))
        const own = ortFiles.filter((f) => f.includes(`/${platformOf[os]}/${arch}/`))
        expect(own.length, `${os} ${arch}: no binaries in node_modules`).toBeGreaterThan(0)
        expect(shipped.sort(), `${os} ${arch}`).toEqual(own.sort())
        expect(shipped.some((f) => f.endsWith('onnxruntime_binding.node'))).toBe(true)
      }
    })
  }

  it('targets NSIS, dmg, AppImage and deb', () => {
    expect(config.win.target.map((t) => t.target)).toEqual(['nsis'])
    expect(config.mac.target.map((t) => t.target)).toEqual(['dmg'])
    expect(config.linux.target.map((t) => t.target).sort()).toEqual(['AppImage', 'deb'])
  })
})

describe('native modules are unpacked from the asar', () => {
  it('every native binary present in node_modules is matched by asarUnpack', () => {
    const natives = [...walk('node_modules/better-sqlite3/build/Release'), ...walk('node_modules/@img'), ...ortFiles].filter((f) =>
      /\.(node|so(\.\d+)*|dylib|dll)$/.test(f),
    )
    expect(natives.some((f) => f.endsWith('better_sqlite3.node'))).toBe(true)
    expect(natives.some((f) => f.includes('sharp'))).toBe(true)
    for (const f of natives)
      expect(
        config.asarUnpack.some((p) => match(f, p)),
        f,
      ).toBe(true)
  })
})
