import { describe, expect, it } from 'vitest'
import { parseQuery } from './fts-query.ts'
import { highlight, matcherFor } from './highlight.ts'
import { bracketed } from './word-search.ts'

const hl = (query: string, text: string) => {
  const h = highlight(text, matcherFor(parseQuery(query)))
  return h ? bracketed(h) : null
}

describe('highlighting', () => {
  it('marks whole tokens, folding case and diacritics like unicode61 remove_diacritics 2', () => {
    expect(hl('cafe zurich', 'Café terrace in Zürich')).toBe('[[Café]] terrace in [[Zürich]]')
    expect(hl('dog ', 'A dog, two dogs; hotdog')).toBe('A [[dog]], two dogs; hotdog')
  })

  it('marks prefixes of the word being typed, and phrase words, but not negated ones', () => {
    expect(hl('bea', 'Beach bears be')).toBe('[[Beach]] [[bears]] be')
    expect(hl('"on the beach" -dog', 'a dog on the beach')).toBe('a dog [[on]] [[the]] [[beach]]')
    expect(hl('cat', 'a dog')).toBeNull()
  })
})
