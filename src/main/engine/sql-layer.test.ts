// SQL lives in the store and the queue (library/store.ts, jobs/queue.ts), behind
// functions named for what they do; the engine facade and the pipeline only
// decide and call them. This test keeps it so: a statement written into either
// file again fails here, as in the per-domain parts of the facade (facade/).
import fs from 'node:fs'
import { describe, expect, it } from 'vitest'

const facade = fs.readdirSync(new URL('facade/', import.meta.url)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
const sqlFree = ['engine.ts', 'jobs/pipeline.ts', ...facade.map((f) => `facade/${f}`)]

/** Database calls and SQL statements in a source text, as `line: text`. */
function sqlIn(source: string): string[] {
  const call = /\.(prepare|stmt|exec|pragma)\(/
  const statement = /\b(SELECT\b[\s\S]*?\bFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX)|DROP\s+TABLE|PRAGMA)\b/
  return source.split('\n').flatMap((text, i) => (call.test(text) || statement.test(text) ? [`${i + 1}: ${text.trim()}`] : []))
}

describe('SQL stays in the store', () => {
  it('is absent from the engine facade and the pipeline', () => {
    expect(facade.length).toBeGreaterThan(0)
    for (const file of sqlFree) expect(sqlIn(fs.readFileSync(new URL(file, import.meta.url), 'utf8')), file).toEqual([])
  })

  it('is recognised when planted', () => {
    expect(sqlIn('const n = db.stmt(`SELECT count(*) AS n FROM photos`).get()')).toHaveLength(1)
    expect(sqlIn("db.raw.prepare('x')")).toHaveLength(1)
    expect(sqlIn("db.raw.exec('VACUUM')")).toHaveLength(1)
    expect(sqlIn('const q = `UPDATE photos SET status = ?`')).toHaveLength(1)
    expect(sqlIn('const q = `DELETE FROM jobs WHERE id = ?`')).toHaveLength(1)
    expect(sqlIn('const q = `INSERT OR IGNORE INTO jobs (kind) VALUES (?)`')).toHaveLength(1)
    expect(sqlIn('store.countPhotos(status) // select the photos from the store')).toEqual([])
  })
})
