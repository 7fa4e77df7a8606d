// Developing camera RAW data ourselves, for the rare RAW file that embeds no
// JPEG preview (see [Note: RAW without a preview]).
import { existsSync } from 'node:fs'
import fs from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'

/**
 * [Note: RAW without a preview]
 * Nearly every RAW file embeds a camera-rendered JPEG, which is what we show
 * (exiftool-reader.ts). For the few that do not (some DNGs written by
 * converters and scanners, old or stripped files), LibRaw compiled to
 * WebAssembly (the `libraw-wasm` package: no native build, nothing fetched at
 * install or run time) develops the sensor data with its defaults plus the
 * camera's white balance, to 8-bit sRGB. Each decode runs in its own worker
 * thread, so that
 *   - a file that takes too long is stopped (`rawDecodeTimeoutMs`), and the
 *     wasm heap (at most 2 GiB, the build's ceiling) is freed with the thread;
 *   - a LibRaw abort (corrupt data, out of memory) cannot take the engine down.
 * The file is read whole, so files over `maxRawFileBytes` are refused first,
 * and so is a sensor over the library's pixel limit (from LibRaw's header
 * parse, before any pixel is developed). When the size wanted (thumbnail,
 * 960 px preview) fits in half the sensor's resolution, LibRaw's half-size
 * mode is used: no demosaicing, about 3x faster and a quarter of the memory.
 */
export const rawDecodeTimeoutMs = 60_000
export const maxRawFileBytes = 512 * 1024 * 1024

export interface RawHeader {
  /** Displayed size, after the RAW's own flip. */
  width: number
  height: number
  make: string
  model: string
}

export interface RawPixels {
  /** 8-bit sRGB, 3 channels, rows top to bottom, flip applied. */
  data: Buffer
  width: number
  height: number
}

/** A RAW file LibRaw cannot read or develop; the message names the file. */
export class RawDecodeError extends Error {
  constructor(
    message: string,
    /** LibRaw does not take this file as RAW at all (a plain TIFF named .dng, say), as opposed to failing while developing it. */
    readonly notRaw = false,
  ) {
    super(message)
    this.name = 'RawDecodeError'
  }
}

type Request = { op: 'header' } | { op: 'pixels'; longSide: number; maxPixels: number }

/** What LibRaw's header parse says about `file` (no pixels developed). */
export async function readRawHeader(file: string): Promise<RawHeader> {
  return (await run(file, { op: 'header' })) as RawHeader
}

/** Develop `file` to at least `longSide` px on its long side where the sensor has them (half-size mode when that suffices). */
export async function decodeRaw(file: string, longSide: number, maxPixels: number): Promise<RawPixels> {
  const out = (await run(file, { op: 'pixels', longSide, maxPixels })) as { data: Uint8Array; width: number; height: number }
  return { data: Buffer.from(out.data.buffer, out.data.byteOffset, out.data.byteLength), width: out.width, height: out.height }
}

let moduleUrl: string | null = null
function libraryUrl(): string {
  if (moduleUrl) return moduleUrl
  // The package has no "exports" map: its factory and wasm are files under dist/.
  const resolved = createRequire(import.meta.url).resolve('libraw-wasm/dist/libraw.js')
  // In the packaged app the package is unpacked from the asar (electron-builder.yml), so the worker reads plain files.
  const unpacked = resolved.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2')
  moduleUrl = pathToFileURL(unpacked !== resolved && existsSync(unpacked) ? unpacked : resolved).href
  return moduleUrl
}

async function run(file: string, request: Request): Promise<unknown> {
  const name = path.basename(file)
  const stat = await fs.stat(file)
  if (stat.size > maxRawFileBytes)
    throw new RawDecodeError(
      `RAW file ${name} is ${(stat.size / 2 ** 20).toFixed(0)} MiB, above the ${maxRawFileBytes / 2 ** 20} MiB limit for developing RAW data`,
    )
  const bytes = await fs.readFile(file, { flag: 'r' })
  const worker = new Worker(workerSource, { eval: true, workerData: { url: libraryUrl(), request }, stdout: true, stderr: true })
  // LibRaw's own prints would otherwise land on our stdout (the CLI's and the bench's JSON).
  worker.stdout.resume()
  worker.stderr.resume()
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new RawDecodeError(`developing RAW file ${name} took over ${rawDecodeTimeoutMs / 1000} s: stopped`)),
        rawDecodeTimeoutMs,
      )
      worker.once('message', (m: { ok: true; out: unknown } | { ok: false; stage: 'open' | 'limit' | 'develop'; message: string }) => {
        clearTimeout(timer)
        if (m.ok) resolve(m.out)
        else if (m.stage === 'open') reject(new RawDecodeError(`LibRaw cannot read ${name} as a RAW image${m.message ? ` (${m.message})` : ''}`, true))
        else if (m.stage === 'limit') reject(new RawDecodeError(`RAW file ${name}: ${m.message}`))
        else reject(new RawDecodeError(`LibRaw cannot develop RAW file ${name}${m.message ? `: ${m.message}` : ' (unsupported or damaged sensor data)'}`))
      })
      worker.once('error', (error) => {
        clearTimeout(timer)
        reject(new RawDecodeError(`LibRaw failed on RAW file ${name}: ${error instanceof Error ? error.message : String(error)}`))
      })
      worker.once('exit', (code) => {
        clearTimeout(timer)
        reject(new RawDecodeError(`LibRaw stopped on RAW file ${name} (exit ${code})`))
      })
      worker.postMessage(bytes.buffer, [bytes.buffer])
    })
  } finally {
    await worker.terminate()
  }
}

// Plain JavaScript, evaluated as the worker (no build entry needed in the app bundle).
// LibRaw throws C++ exceptions, which reach JavaScript without a message:
// the stage that failed is the explanation we have.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads')
const fs = require('node:fs')
const { fileURLToPath } = require('node:url')
const describe = (e) => (e instanceof Error ? e.message : typeof e === 'string' ? e : '')
parentPort.once('message', async (buffer) => {
  const { url, request } = workerData
  let stage = 'open'
  try {
    const factory = (await import(url)).default
    const wasmBinary = fs.readFileSync(fileURLToPath(new URL('libraw.wasm', url)))
    const quiet = () => {}
    const mod = await factory({ wasmBinary, print: quiet, printErr: quiet })
    const raw = new mod.LibRaw()
    const settings = { outputBps: 8, outputColor: 1, useCameraWb: true, halfSize: false }
    const bytes = new Uint8Array(buffer)
    let meta
    try {
      raw.open(bytes, settings)
      meta = raw.metadata(false)
    } catch (e) {
      throw Object.assign(new Error(describe(e)), { stage: 'open' })
    }
    const w = meta && meta.width, h = meta && meta.height
    if (!w || !h) throw Object.assign(new Error('no image size in its header'), { stage: 'open' })
    // (the binding's width and height are the displayed ones: the RAW's flip is applied, as imageData() applies it)
    if (request.op === 'header') {
      parentPort.postMessage({ ok: true, out: { width: w, height: h, make: String(meta.camera_make || ''), model: String(meta.camera_model || '') } })
      return
    }
    if (w * h > request.maxPixels) {
      stage = 'limit'
      throw new Error('sensor is ' + w + 'x' + h + ' (' + Math.round(w * h / 1e6) + ' MP), above the ' + Math.round(request.maxPixels / 1e6) + ' MP pixel limit')
    }
    if (Math.max(w, h) / 2 >= request.longSide) {
      // LibRaw takes its settings at open: open again in half-size mode.
      raw.open(new Uint8Array(bytes), { ...settings, halfSize: true })
    }
    stage = 'develop'
    const img = raw.imageData()
    if (!img || !img.data || img.colors !== 3 || img.bits !== 8) throw new Error('unexpected output (' + (img ? img.colors + ' colours, ' + img.bits + ' bits' : 'none') + ')')
    // a copy of its own unless LibRaw's binding already gave one (never a view of the wasm heap)
    const data = img.data.buffer instanceof ArrayBuffer && img.data.byteLength === img.data.buffer.byteLength ? img.data : img.data.slice()
    parentPort.postMessage({ ok: true, out: { data, width: img.width, height: img.height } }, [data.buffer])
  } catch (e) {
    parentPort.postMessage({ ok: false, stage: e && e.stage ? e.stage : stage, message: describe(e) })
  }
})
`
