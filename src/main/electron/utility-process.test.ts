// The adapter between Electron's UtilityProcess and the Node child shape the
// training parent and the ML worker client drive. Electron cannot run here, so
// the utility process is an EventEmitter that records what the adapter posts;
// the entry side is covered by the packaging test (the built out/main/*.js).
import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { mlWorkerEntryPath, utilityMlLauncher } from './ml-utility.ts'
import { trainingEntryPath, utilityTrainingLauncher } from './training-utility.ts'
import { adaptUtilityProcess, UTILITY_DISCONNECT, type UtilityLike } from './utility-process.ts'

class FakeUtility extends EventEmitter {
  pid: number | undefined = 4242
  posted: unknown[] = []
  killed = 0
  postMessage(message: unknown): void {
    this.posted.push(message)
  }
  kill(): boolean {
    this.killed++
    return true
  }
}

describe('adaptUtilityProcess', () => {
  it('relays messages both ways, maps exit to (code, null) and a fatal error to an Error', () => {
    const u = new FakeUtility()
    const child = adaptUtilityProcess(u as unknown as UtilityLike, 'training')
    expect(child.pid).toBe(4242)
    const got: unknown[] = []
    const exits: [number | null, NodeJS.Signals | null][] = []
    const errors: string[] = []
    child.on('message', (m) => got.push(m))
    child.on('exit', (code, signal) => exits.push([code, signal]))
    child.on('error', (e) => errors.push(e.message))
    child.send({ type: 'stop' })
    expect(u.posted).toEqual([{ type: 'stop' }])
    u.emit('message', { type: 'started', pid: 7 })
    expect(got).toEqual([{ type: 'started', pid: 7 }])
    u.emit('error', 'FatalError', 'train.ts:1')
    expect(errors).toEqual(['training utility process failed: FatalError at train.ts:1'])
    u.emit('exit', 3)
    expect(exits).toEqual([[3, null]])
    // Nothing is posted to a process that is gone.
    child.send({ type: 'stop' })
    child.disconnect?.()
    expect(u.posted).toHaveLength(1)
  })

  it('disconnect posts the disconnect message once, then sends nothing more', () => {
    const u = new FakeUtility()
    const child = adaptUtilityProcess(u as unknown as UtilityLike, 'ML')
    child.disconnect?.()
    child.disconnect?.()
    child.send({ type: 'stop' })
    expect(u.posted).toEqual([{ type: UTILITY_DISCONNECT }])
    child.kill()
    expect(u.killed).toBe(1)
  })

  it('the launchers fork the built entries next to main (the training one whatever source path it is handed)', () => {
    const forks: [string, string[], unknown][] = []
    const launch = utilityTrainingLauncher((p, args, options) => {
      forks.push([p, args, options])
      return new FakeUtility() as unknown as UtilityLike
    }, '/app/out/main')
    launch('/src/main/engine/training/training-child.ts')
    expect(forks[0]?.[0]).toBe(trainingEntryPath('/app/out/main'))
    expect(forks[0]?.[0]).toMatch(/out[\\/]main[\\/]training-child\.js$/)
    expect(forks[0]?.[2]).toMatchObject({ serviceName: 'Photocap training', env: { MALLOC_MMAP_MAX_: '0' } })
    const ml = utilityMlLauncher((p, args, options) => {
      forks.push([p, args, options])
      return new FakeUtility() as unknown as UtilityLike
    }, '/app/out/main')
    ml()
    expect(forks[1]?.[0]).toBe(mlWorkerEntryPath('/app/out/main'))
    expect(forks[1]?.[0]).toMatch(/out[\\/]main[\\/]ml-worker\.js$/)
    expect(forks[1]?.[2]).toMatchObject({ serviceName: 'Photocap ML' })
  })
})
