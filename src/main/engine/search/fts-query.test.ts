import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { compileQuery, parseQuery } from './fts-query.ts'
import { rng } from './test-vectors.ts'

// A real FTS5 table with the tokenizer settings of migration 0020, so these tests
// prove what SQLite accepts and matches, not what we think it does.
const db = new Database(':memory:')
db.exec(`CREATE VIRTUAL TABLE t USING fts5(body, tokenize = "unicode61 remove_diacritics 2")`)
const docs = [
  'A dog running on the beach at sunset',
  'Two cats sleeping on a sofa',
  'Café terrace in Zürich',
  "Grandma's birthday cake with candles",
  'dog show: best in breed (2019)',
  'Sunset over the mountains',
]
docs.forEach((d, i) => db.prepare('INSERT INTO t(rowid, body) VALUES (?, ?)').run(i + 1, d))
afterAll(() => db.close())

function match(user: string, tier: 'all' | 'any' = 'all'): number[] {
  const q = compileQuery(parseQuery(user))[tier]
  if (q === null) return []
  return (db.prepare('SELECT rowid FROM t WHERE t MATCH ? ORDER BY rowid').all(q) as { rowid: number }[]).map((r) => r.rowid)
}

describe('FTS query parsing', () => {
  it('requires every word, and treats the word being typed as a prefix', () => {
    expect(match('dog beach')).toEqual([1])
    expect(match('sun')).toEqual([1, 6])
    expect(match('sun ')).toEqual([])
    expect(match('cat*')).toEqual([2])
  })

  it('matches phrases only in order', () => {
    expect(match('"on the beach"')).toEqual([1])
    expect(match('"beach the on"')).toEqual([])
  })

  it('folds diacritics both ways', () => {
    expect(match('cafe zurich')).toEqual([3])
    expect(match('Café')).toEqual([3])
  })

  it('supports OR and negation', () => {
    expect(match('cats OR mountains')).toEqual([2, 6])
    expect(match('dog -beach')).toEqual([5])
    expect(match('-dog')).toEqual([])
  })

  it("keeps FTS syntax characters as text: grandma's, colons, brackets, NEAR, NOT, AND", () => {
    expect(match("grandma's cake")).toEqual([4])
    expect(match('show: (2019)')).toEqual([5])
    expect(match('dog NOT beach')).toEqual([])
    expect(match('NEAR(dog beach)')).toEqual([])
  })

  it('offers a looser any-term tier without stopwords', () => {
    expect(match('the dog at the beach')).toEqual([1])
    expect(compileQuery(parseQuery('the dog at the beach')).all).toBe('("dog" AND "beach"*)')
    expect(match('dog in the beach ')).toEqual([1]) // the caption says "on the beach"
    expect(compileQuery(parseQuery('the at ')).all).toBe('("the" AND "at")')
    expect(match('the dog at the park', 'any')).toEqual([1, 5])
    // three or more words: at least two of them
    expect(match('dog running sunset', 'any')).toEqual([1])
    expect(match('sunset mountains beach', 'any')).toEqual([1, 6])
    expect(compileQuery(parseQuery('dog')).any).toBeNull()
    expect(compileQuery(parseQuery('the a ')).any).toBeNull()
    expect(compileQuery(parseQuery('the bea')).any).toBe('"bea"*')
  })

  it('never produces an FTS5 syntax error, whatever is typed', () => {
    const next = rng(42)
    const alphabet = [
      '"',
      "'",
      '(',
      ')',
      '*',
      '-',
      '^',
      ':',
      '+',
      '{',
      '}',
      ',',
      ' ',
      ' ',
      'OR',
      'AND',
      'NOT',
      'NEAR',
      'dog',
      'é',
      '“',
      '”',
      '\\',
      '.',
      '\u0000',
      '😀',
      'x',
    ]
    for (let i = 0; i < 3000; i++) {
      let s = ''
      const len = 1 + Math.floor(next() * 10)
      for (let j = 0; j < len; j++) s += alphabet[Math.floor(next() * alphabet.length)]
      const q = compileQuery(parseQuery(s))
      for (const expr of [q.all, q.any]) {
        if (expr === null) continue
        expect(() => db.prepare('SELECT rowid FROM t WHERE t MATCH ?').all(expr), `input ${JSON.stringify(s)} -> ${expr}`).not.toThrow()
      }
    }
  })
})
