// One beam limit for every door: the CLI's --beam-size, the API's settings
// schema and the library settings accept MAX_BEAM and refuse MAX_BEAM + 1 in
// the same words (they disagreed: 64 in the CLI, 16 in the API, 20 in settings).
import { describe, expect, it } from 'vitest'
import { methods } from '../../shared/api.ts'
import { MAX_BEAM, PROVIDER_REQUESTS, PROVIDER_REQUESTS_TEXT } from '../../shared/ml-options.ts'
import { openDatabase } from '../engine/db/database.ts'
import { readSettings, writeSettings } from '../engine/settings.ts'
import { callSchema } from '../ml/worker/protocol.ts'
import { main } from './index.ts'
import type { CliIo } from './io.ts'

function captureIo(): CliIo & { stderr: string[] } {
  const stderr: string[] = []
  return { stderr, out: () => undefined, err: (t) => stderr.push(t), progress: () => {}, interactive: false, cwd: process.cwd(), env: {} }
}

const decoding = (beamSize: number) => ({ method: 'beam' as const, beamSize, maxTokens: 20 })
const limit = `an integer from 1 to ${MAX_BEAM}`

describe(`the beam limit (${MAX_BEAM}) is one rule`, () => {
  it('the CLI refuses --beam-size MAX+1 as a usage error naming the limit, and takes MAX', async () => {
    const io = captureIo()
    expect(await main(['caption', '--decode', 'beam', '--beam-size', String(MAX_BEAM + 1), 'x.jpg'], io)).toBe(2)
    expect(io.stderr.join('\n')).toContain(`--beam-size: expected ${limit}, got '${MAX_BEAM + 1}'`)
    // MAX passes the flag check: what fails next is the missing image, not the beam.
    const ok = captureIo()
    await main(['caption', '--decode', 'beam', '--beam-size', String(MAX_BEAM), '--pack', '/nonexistent-pack', 'x.jpg'], ok)
    expect(ok.stderr.join('\n')).not.toContain('--beam-size')
  })

  it('the API refuses it in settings.update, and takes MAX', () => {
    const input = methods['settings.update'].input
    expect(input.safeParse({ decoding: decoding(MAX_BEAM) }).success).toBe(true)
    const refused = input.safeParse({ decoding: decoding(MAX_BEAM + 1) })
    expect(refused.success).toBe(false)
    expect(refused.error?.issues[0]).toMatchObject({ path: ['decoding', 'beamSize'], code: 'too_big', maximum: MAX_BEAM })
  })

  it('the library settings refuse it too, and the ML worker protocol with them', () => {
    const db = openDatabase(':memory:')
    expect(writeSettings(db, { decoding: decoding(MAX_BEAM) }).decoding.beamSize).toBe(MAX_BEAM)
    let error: unknown
    try {
      writeSettings(db, { decoding: decoding(MAX_BEAM + 1) })
    } catch (e) {
      error = e
    }
    expect((error as { issues?: unknown[] }).issues?.[0]).toMatchObject({ path: ['decoding', 'beamSize'], code: 'too_big', maximum: MAX_BEAM })
    expect(readSettings(db).decoding.beamSize).toBe(MAX_BEAM)
    db.close()
    const call = (beamSize: number) => callSchema.safeParse({ method: 'captionEmbeddings', args: [[], decoding(beamSize)] }).success
    expect([call(MAX_BEAM), call(MAX_BEAM + 1)]).toEqual([true, false])
  })

  it('every door names the same execution providers', async () => {
    const io = captureIo()
    expect(await main(['caption', '--provider', 'tpu', 'x.jpg'], io)).toBe(2)
    expect(io.stderr.join('\n')).toContain(`--provider: expected ${PROVIDER_REQUESTS_TEXT}, got 'tpu'`)
    const settings = methods['settings.update'].input
    for (const p of PROVIDER_REQUESTS) expect(settings.safeParse({ executionProvider: p }).success).toBe(true)
    expect(settings.safeParse({ executionProvider: 'tpu' }).success).toBe(false)
  })
})
