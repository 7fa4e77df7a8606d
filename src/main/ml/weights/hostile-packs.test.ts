// Hostile model packs, refused from outside the process: each case copies a
// real pack, plants one hostile file (a zip bomb in a .pt, a stride-0 view of
// 10^9 elements, a config of 10^7 layers, bad safetensors headers, a pickle
// naming torch.__proto__, a zip entry ../x), then runs the real CLI (`caption`,
// `embed`, `train`; caption goes through the ML worker process) under
// /usr/bin/time. The refusal is one line naming the file and the reason, and
// the peak resident memory of the CLI and its worker stays under 1 GB.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createDeflateRaw } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sharedTinyDataDir, writeTestImages } from '../pipeline/test-support.ts'
import { tinyPackDir } from '../packs/tiny-pack.ts'
import { PickleWriter, zip } from '../../../../test/helpers/torch-zip.ts'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..')
const haveTime = fs.existsSync('/usr/bin/time') && process.platform === 'linux'
if (!haveTime) console.warn('hostile-packs: /usr/bin/time (GNU time) not found; the out-of-process memory checks are skipped')
const ONE_GB_KB = 1_000_000

let dir: string
let image: string
let tinyPack: string
const trainPack = path.join(repo, 'test/fixtures/train/packs/mlp')
const trainData = path.join(repo, 'test/fixtures/train/dataset.jsonl')
let bombBody: Buffer

/** 1.5 GB of zeros, deflated as a stream (the test itself never holds them). */
async function deflatedZeros(bytes: number): Promise<Buffer> {
  const out: Buffer[] = []
  const z = createDeflateRaw({ level: 9 })
  z.on('data', (c: Buffer) => out.push(c))
  const done = new Promise((resolve) => z.on('end', resolve))
  const chunk = Buffer.alloc(1 << 20)
  for (let sent = 0; sent < bytes; sent += chunk.length) {
    if (!z.write(chunk)) await new Promise((resolve) => z.once('drain', resolve))
  }
  z.end()
  await done
  return Buffer.concat(out)
}

const stateDict = (storageType: string, storageNumel: number, size: number[], stride: number[]) =>
  new PickleWriter()
    .global('collections', 'OrderedDict')
    .raw(0x29, 0x52)
    .raw(0x28)
    .tensor('clip_project.model.0.weight', storageType, '0', storageNumel, 0, size, stride)
    .raw(0x75, 0x2e)
    .bytes()

/** Replace the pack's mapping weights by a .pt checkpoint. */
function mappingPt(pack: string, archive: Buffer): string {
  fs.rmSync(path.join(pack, 'mapping', 'model.safetensors'))
  const file = path.join(pack, 'mapping', 'clipcap.pt')
  fs.writeFileSync(file, archive)
  return file
}

function editJson(file: string, edit: (j: Record<string, unknown>) => void): string {
  const j = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>
  edit(j)
  fs.writeFileSync(file, JSON.stringify(j))
  return file
}

/** Rewrite a safetensors file's header (data kept). */
function editSafetensorsHeader(file: string, edit: (h: Record<string, Record<string, unknown>>) => void): string {
  const buf = fs.readFileSync(file)
  const n = Number(buf.readBigUInt64LE(0))
  const header = JSON.parse(buf.toString('utf8', 8, 8 + n)) as Record<string, Record<string, unknown>>
  edit(header)
  const json = Buffer.from(JSON.stringify(header))
  const len = Buffer.alloc(8)
  len.writeBigUInt64LE(BigInt(json.length))
  fs.writeFileSync(file, Buffer.concat([len, json, buf.subarray(8 + n)]))
  return file
}

const firstTensor = (h: Record<string, Record<string, unknown>>): Record<string, unknown> => h[Object.keys(h).find((k) => k !== '__metadata__')!]!

/** Each case plants one hostile file in a copy of a pack and names the reason it must be refused with. */
const cases: Record<string, { plant: (pack: string) => string; reason: RegExp }> = {
  'zip bomb in a .pt': {
    plant: (p) => mappingPt(p, zip([{ name: 'archive/data.pkl', data: Buffer.alloc(64), body: bombBody, size: 64 }])),
    reason: /entry archive\/data\.pkl inflates to more than its declared 64 bytes/,
  },
  'stride-0 view of 10^9 elements': {
    plant: (p) =>
      mappingPt(
        p,
        zip([
          ['archive/data.pkl', stateDict('FloatStorage', 1, [1_000_000_000], [0])],
          ['archive/data/0', Buffer.alloc(4)],
        ]),
      ),
    reason: /has 1000000000 elements, more than its storage of 1 holds/,
  },
  'n_layer of 10^7': {
    plant: (p) => editJson(path.join(p, 'gpt2', 'config.json'), (j) => (j.n_layer = 10_000_000)),
    reason: /field n_layer is 10000000, over 256/,
  },
  'safetensors without data_offsets': {
    plant: (p) => editSafetensorsHeader(path.join(p, 'mapping', 'model.safetensors'), (h) => delete firstTensor(h).data_offsets),
    reason: /has no data_offsets/,
  },
  'safetensors with a non-list shape': {
    plant: (p) => editSafetensorsHeader(path.join(p, 'mapping', 'model.safetensors'), (h) => (firstTensor(h).shape = 7)),
    reason: /has a shape that is not a list/,
  },
  'safetensors with a negative offset': {
    plant: (p) => editSafetensorsHeader(path.join(p, 'mapping', 'model.safetensors'), (h) => (firstTensor(h).data_offsets = [-4, 0])),
    reason: /has invalid data_offsets \[-4,0\]/,
  },
  'safetensors with overlapping tensors': {
    plant: (p) =>
      editSafetensorsHeader(path.join(p, 'mapping', 'model.safetensors'), (h) => {
        const names = Object.keys(h).filter((k) => k !== '__metadata__')
        const [a, b] = names.map((n) => h[n]!).filter((e) => (e.data_offsets as number[])[1]! > (e.data_offsets as number[])[0]!)
        const width = (b!.data_offsets as number[])[1]! - (b!.data_offsets as number[])[0]!
        const start = (a!.data_offsets as number[])[0]!
        b!.data_offsets = [start, start + width]
      }),
    reason: /overlap \(aliased weights/,
  },
  'pickle naming torch.__proto__': {
    plant: (p) =>
      mappingPt(
        p,
        zip([
          ['archive/data.pkl', stateDict('__proto__', 4, [4], [1])],
          ['archive/data/0', Buffer.alloc(16)],
        ]),
      ),
    reason: /Python global "torch\.__proto__", which is not allowed/,
  },
  'zip entry ../x': {
    plant: (p) =>
      mappingPt(
        p,
        zip([
          ['archive/data.pkl', stateDict('FloatStorage', 4, [4], [1])],
          ['archive/data/0', Buffer.alloc(16)],
          ['../x', Buffer.from('x')],
        ]),
      ),
    reason: /zip entry "\.\.\/x" is refused: its name climbs out of the archive/,
  },
}

interface Run {
  code: number | null
  stderr: string
  maxRssKb: number
}

/** The CLI under GNU time: exit status, stderr, and the peak RSS of it and its (waited-for) worker. */
function runCli(args: string[], dataDir: string): Promise<Run> {
  const rssFile = path.join(dir, `rss-${process.hrtime.bigint()}.txt`)
  return new Promise((resolve) => {
    const child = spawn('/usr/bin/time', ['-f', '%M', '-o', rssFile, process.execPath, path.join(repo, 'bin', 'photocap.js'), ...args], {
      cwd: dir,
      env: { ...process.env, PHOTOCAP_DATA_DIR: dataDir, PHOTOCAP_ML_IN_PROCESS: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    // A run that grows without bound is killed rather than allowed to take the machine.
    const guard = setTimeout(() => child.kill('SIGKILL'), 170_000)
    child.on('close', (code) => {
      clearTimeout(guard)
      const rss = fs.existsSync(rssFile) ? Number(/(\d+)\s*$/.exec(fs.readFileSync(rssFile, 'utf8'))?.[1] ?? NaN) : NaN
      resolve({ code, stderr, maxRssKb: rss })
    })
  })
}

function copyPack(from: string, name: string): string {
  const to = path.join(dir, name)
  fs.cpSync(from, to, { recursive: true })
  return to
}

function expectRefused(run: Run, file: string, reason: RegExp): void {
  console.log(`${path.basename(file)} (${reason.source.slice(0, 40)}): exit ${run.code}, peak RSS ${run.maxRssKb} kB`)
  // Memory first: it is what a hostile pack attacks.
  expect(run.maxRssKb, `peak RSS ${run.maxRssKb} kB`).toBeLessThan(ONE_GB_KB)
  expect(run.code, run.stderr).not.toBe(0)
  const line = run.stderr.split('\n').find((l) => l.includes(file) && reason.test(l))
  expect(line, `no one-line refusal naming ${file} and ${reason} in:\n${run.stderr}`).toBeDefined()
  expect(run.stderr).not.toMatch(/^\s+at /m) // a refusal, not a stack trace
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-hostile-'))
  image = (await writeTestImages(path.join(dir, 'images')))[0]!
  tinyPack = tinyPackDir(sharedTinyDataDir())
  bombBody = await deflatedZeros(1536 << 20)
}, 170_000)

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

describe.skipIf(!haveTime)('hostile model packs are refused in bounded memory (measured outside the process)', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(`caption (ML worker): ${name}`, async () => {
      const pack = copyPack(tinyPack, `caption-${name.replace(/\W+/g, '-')}`)
      const file = c.plant(pack)
      expectRefused(await runCli(['caption', '--pack', pack, image!], path.join(dir, `data-${path.basename(pack)}`)), file, c.reason)
    }, 180_000)
  }

  for (const name of ['zip bomb in a .pt', 'n_layer of 10^7', 'stride-0 view of 10^9 elements']) {
    it(`embed: ${name}`, async () => {
      const pack = copyPack(tinyPack, `embed-${name.replace(/\W+/g, '-')}`)
      const file = cases[name]!.plant(pack)
      expectRefused(await runCli(['embed', '--pack', pack, '--image', image!], path.join(dir, `data-${path.basename(pack)}`)), file, cases[name]!.reason)
    }, 180_000)

    it(`train: ${name}`, async () => {
      const pack = copyPack(trainPack, `train-${name.replace(/\W+/g, '-')}`)
      const file = cases[name]!.plant(pack)
      const run = await runCli(
        ['train', '--data', trainData, '--pack', pack, '--out', path.join(dir, `out-${path.basename(pack)}`), '--steps', '1'],
        path.join(dir, `data-${path.basename(pack)}`),
      )
      expectRefused(run, file, cases[name]!.reason)
    }, 180_000)
  }
})
