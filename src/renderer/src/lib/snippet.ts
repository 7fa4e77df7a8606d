// What a search result says under its picture: always the caption (the words
// a person reads), with matched words marked, and the file name on a second
// line (marked when the name is what matched). Little words ("in", "the") are
// never marked: every caption has them, so marking them says nothing.
import { snippetParts } from './format.ts'

export type Part = { text: string; mark: boolean }

const STOP_WORDS = new Set(
  'a an and are as at be by for from has in is it its of on or that the to was were with into onto over under near next this these those there their his her'.split(
    ' ',
  ),
)

export const isStopWord = (word: string): boolean => STOP_WORDS.has(word.trim().toLowerCase())

const unmark = (parts: Part[]): Part[] => parts.map((p) => (p.mark && isStopWord(p.text) ? { text: p.text, mark: false } : p))
const plain = (snippet: string): string => snippet.replace(/\[\[(.*?)\]\]/g, '$1')

export function resultText(
  hit: { snippet: string | null; photo: { caption: string | null; name: string } },
  fallback: string,
): { caption: Part[]; name: Part[] } {
  const caption = hit.photo.caption
  const snippet = hit.snippet
  const name: Part[] = [{ text: hit.photo.name, mark: false }]
  if (snippet && caption !== null && plain(snippet).trim() === caption.trim()) return { caption: unmark(snippetParts(snippet)), name }
  // The snippet is the file's path (the name matched): mark within the name, never replace the caption with it.
  let nameParts = name
  if (snippet) {
    const parts = snippetParts(snippet)
    const full = plain(snippet)
    const start = full.lastIndexOf(hit.photo.name)
    if (start >= 0) {
      nameParts = []
      let at = 0
      for (const p of parts) {
        const end = at + p.text.length
        const from = Math.max(at, start)
        if (end > from) nameParts.push({ text: full.slice(from, end), mark: p.mark })
        at = end
      }
      nameParts = unmark(nameParts)
    }
  }
  return { caption: [{ text: caption ?? fallback, mark: false }], name: nameParts }
}
