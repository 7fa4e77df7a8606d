import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import type { WorkerChild } from '../ml/worker/worker-client.ts'
import { watchEngine } from './engine-watch.ts'

type FakeChild = WorkerChild & { emit(event: string, ...args: unknown[]): boolean }

function fakeChild(): FakeChild {
  const e = new EventEmitter() as unknown as FakeChild
  Object.assign(e, { send: () => true, kill: () => true, disconnect: () => undefined })
  return e
}

describe('engine watch (desktop app)', () => {
  it('says "restarting" when the engine process dies, starts a fresh one at once, and "running" when it answers', async () => {
    const states: [string, string | null][] = []
    const children: FakeChild[] = []
    let restarts = 0
    const launch = watchEngine(
      () => {
        const c = fakeChild()
        children.push(c)
        return c
      },
      (state, reason) => states.push([state, reason]),
      async () => {
        restarts++
        ;(launch() as FakeChild).emit('message', { type: 'ready' })
      },
    )
    const first = launch() as FakeChild
    first.emit('message', { type: 'ready' })
    expect(states).toEqual([])
    first.emit('exit', null, 'SIGKILL')
    await Promise.resolve()
    expect(restarts).toBe(1)
    expect(states).toEqual([
      ['restarting', 'the engine process stopped unexpectedly (signal SIGKILL)'],
      ['running', null],
    ])
    expect(children).toHaveLength(2)
  })

  it('says nothing when the app stops the engine itself', () => {
    const states: string[] = []
    const launch = watchEngine(
      fakeChild,
      (s) => states.push(s),
      async () => undefined,
    )
    const a = launch() as FakeChild
    a.kill()
    a.emit('exit', 0, null)
    const b = launch() as FakeChild
    b.disconnect!()
    b.emit('exit', 0, null)
    expect(states).toEqual([])
  })
})
