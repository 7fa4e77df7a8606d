import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { cacheDirFor, defaultDataDir, defaultDbPath } from './data-dir.ts'
import { formatDuration, libraryLocation, progressLine } from '../cli/support.ts'
import { Emitter } from './events.ts'

describe('where the library lives', () => {
  it('follows each platform convention, and PHOTOCAP_DATA_DIR overrides', () => {
    expect(defaultDataDir({}, 'linux', '/home/ana')).toBe('/home/ana/.local/share/photocap')
    expect(defaultDataDir({ XDG_DATA_HOME: '/data/xdg' }, 'linux', '/home/ana')).toBe('/data/xdg/photocap')
    expect(defaultDataDir({ XDG_DATA_HOME: 'relative/ignored' }, 'linux', '/home/ana')).toBe('/home/ana/.local/share/photocap')
    expect(defaultDataDir({}, 'darwin', '/Users/ana')).toBe('/Users/ana/Library/Application Support/Photocap')
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\ana\\AppData\\Roaming' }, 'win32', 'C:\\Users\\ana')).toBe(
      path.join('C:\\Users\\ana\\AppData\\Roaming', 'Photocap'),
    )
    expect(defaultDataDir({ PHOTOCAP_DATA_DIR: '/tmp/pc' }, 'darwin', '/Users/ana')).toBe('/tmp/pc')
  })

  it('puts the default database in the data folder, and a --db database keeps its thumbnails beside it', () => {
    expect(defaultDbPath('/d')).toBe('/d/library.db')
    expect(cacheDirFor('/d/library.db', '/d')).toBe('/d/cache')
    expect(cacheDirFor('/elsewhere/mine.db', '/d')).toBe('/elsewhere/mine.db.cache')
    expect(libraryLocation({ PHOTOCAP_DATA_DIR: '/d' }, '/work', 'lib.db')).toEqual({ dataDir: '/d', dbPath: '/work/lib.db', cacheDir: '/work/lib.db.cache' })
  })
})

describe('progress line', () => {
  it('shows a bar, counts, rate, ETA and what is running', () => {
    const byKind = {
      scan: { queued: 0, running: 0 },
      ingest: { queued: 10, running: 2 },
      thumbnail: { queued: 0, running: 0 },
      embed: { queued: 3, running: 0 },
      caption: { queued: 0, running: 0 },
    }
    expect(progressLine({ done: 25, total: 100, failed: 1, rate: 12.34, etaSeconds: 75, paused: false, byKind }, 10)).toBe(
      '[###-------] 25/100 12.3/s ETA 1:15 1 failed  ingest 12, embed 3',
    )
    expect(formatDuration(3725)).toBe('1:02:05')
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('--:--')
  })
})

describe('events', () => {
  it('delivers to every subscriber until it unsubscribes, even when one throws', () => {
    const e = new Emitter<{ 'x.happened': number }>()
    const a: number[] = []
    const b: number[] = []
    const offA = e.on('x.happened', (n) => a.push(n))
    e.on('x.happened', () => {
      throw new Error('a broken listener')
    })
    e.on('x.happened', (n) => b.push(n))
    const original = console.error
    console.error = () => undefined
    try {
      e.emit('x.happened', 1)
      offA()
      e.emit('x.happened', 2)
    } finally {
      console.error = original
    }
    expect(a).toEqual([1])
    expect(b).toEqual([1, 2])
    expect(e.listenerCount('x.happened')).toBe(2)
  })
})
