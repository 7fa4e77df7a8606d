// Cancellation is recognised by its type, never by the wording of a message: a
// training run that fails with a reason mentioning "cancelled" (a caption such
// as "Flight cancelled at the gate" quoted in the error) is a failure, a stop
// is a cancellation, and the ML worker's errors keep their kind across the
// process boundary (structured clone keeps no class, only name/message/code).
import { EventEmitter } from 'node:events'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { deserialize, serialize } from 'node:v8'
import { afterAll, describe, expect, it } from 'vitest'
import { CancelledError, isCancelled, reviveError, serializeError } from '../../ml/cancelled.ts'
import { WorkerMlService, type WorkerChild } from '../../ml/worker/worker-client.ts'
import { openDatabase } from '../db/database.ts'
import type { Engine } from '../engine.ts'
import { createTrainingRuns } from './training-runs.ts'
import type { TrainingChild } from './training-process.ts'

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cancelled-errors-'))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

const flight = 'caption "Flight cancelled at the gate" has a token the vocabulary lacks'

/** A training child that answers `start` with the given outcome (and a stop with a cancellation), then exits when the channel closes. */
function fakeTrainingChild(fail: { message: string } | null): TrainingChild {
  const child = new EventEmitter() as EventEmitter & TrainingChild
  const reply = (msg: unknown): void => void setImmediate(() => child.emit('message', msg))
  Object.assign(child, {
    pid: 4242,
    send(msg: { type: string }) {
      if (msg.type === 'start') {
        reply({ type: 'started', pid: 4242 })
        if (fail) reply({ type: 'error', name: 'Error', message: fail.message, cancelled: false })
      } else if (msg.type === 'stop') reply({ type: 'error', name: 'CancelledError', message: 'training cancelled', cancelled: true })
      return true
    },
    disconnect() {
      setImmediate(() => child.emit('exit', 1, null))
    },
    kill() {
      return true
    },
  })
  return child
}

function runs(name: string, fail: { message: string } | null) {
  const db = openDatabase(path.join(tmp, `${name}.db`))
  const engine = { db, settings: { get: () => ({ activePack: path.join(tmp, 'pack') }) } } as unknown as Engine
  return createTrainingRuns({ engine, dataDir: tmp, onChange: () => undefined, reloadMl: async () => undefined, launch: () => fakeTrainingChild(fail) })
}

async function settled(r: ReturnType<typeof runs>): Promise<NonNullable<ReturnType<ReturnType<typeof runs>['info']>['run']>> {
  for (;;) {
    const run = r.info().run
    if (run && run.state !== 'running') return run
    await new Promise((resolve) => setImmediate(resolve))
  }
}

describe('cancellation by type, not by wording', () => {
  it('a training run failing with a message that mentions "cancelled" is failed, not cancelled', async () => {
    const r = runs('flight', { message: flight })
    r.start({})
    const run = await settled(r)
    expect(run.state).toBe('failed')
    expect(run.error).toBe(`training failed: ${flight}`)
    r.close()
  })

  it('a stopped run is cancelled (the child says so by a flag, not a phrase)', async () => {
    const r = runs('stop', null)
    r.start({})
    await new Promise((resolve) => setImmediate(resolve))
    r.cancel()
    const run = await settled(r)
    expect(run.state).toBe('cancelled')
    expect(run.error).toBeNull()
    r.close()
  })

  it('errors keep their kind through structured clone; a message alone never makes one a cancellation', () => {
    expect(isCancelled(new Error(flight))).toBe(false)
    expect(isCancelled(new Error('cancelled'))).toBe(false)
    expect(isCancelled(new CancelledError())).toBe(true)
    const cloned = deserialize(serialize(serializeError(new CancelledError('stopped by the user')))) as ReturnType<typeof serializeError>
    expect(reviveError(cloned)).toBeInstanceOf(CancelledError)
    expect(reviveError(cloned).message).toBe('stopped by the user')
    const other = reviveError(
      deserialize(serialize(serializeError(Object.assign(new Error(flight), { name: 'TokenizerError' })))) as ReturnType<typeof serializeError>,
    )
    expect(other).not.toBeInstanceOf(CancelledError)
    expect(other).toMatchObject({ name: 'TokenizerError', message: flight })
    expect(isCancelled(other)).toBe(false)
  })

  it('the ML worker client revives a cancelled call as a CancelledError and anything else as what it was', async () => {
    const child = new EventEmitter() as EventEmitter & WorkerChild
    const reply = (msg: unknown): void => void setImmediate(() => child.emit('message', msg))
    let calls = 0
    Object.assign(child, {
      pid: 4343,
      send(msg: { type: string; id?: number }) {
        if (msg.type === 'init') reply({ type: 'ready' })
        else if (msg.type === 'call') {
          calls++
          if (calls === 1) reply({ type: 'error', id: msg.id, ...serializeError(new CancelledError('decoding was cancelled')) })
          else reply({ type: 'error', id: msg.id, ...serializeError(new Error(flight)) })
        }
        return true
      },
      kill() {
        setImmediate(() => child.emit('exit', 0, null))
        return true
      },
    })
    const ml = new WorkerMlService({ packDir: tmp, dataDir: tmp }, undefined, () => child)
    await expect(ml.info()).rejects.toBeInstanceOf(CancelledError)
    const failed = await ml.info().catch((e: unknown) => e)
    expect(failed).toMatchObject({ message: flight })
    expect(isCancelled(failed)).toBe(false)
  })
})
