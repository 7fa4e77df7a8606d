// The byte <-> printable-character table shared by GPT-2's and CLIP's BPE
// (openai/gpt-2 encoder.py `bytes_to_unicode`): printable Latin-1 bytes map to
// themselves, the other 68 byte values map in increasing order to U+0100, U+0101, ...
// so every byte string becomes a string of visible symbols the merges can name.

function buildTables(): { byteToChar: string[]; charToByte: Map<string, number> } {
  const printable = (b: number): boolean => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff)
  const byteToChar: string[] = new Array<string>(256)
  let next = 0
  for (let b = 0; b < 256; b++) {
    byteToChar[b] = printable(b) ? String.fromCharCode(b) : String.fromCharCode(256 + next++)
  }
  const charToByte = new Map<string, number>()
  byteToChar.forEach((c, b) => charToByte.set(c, b))
  return { byteToChar, charToByte }
}

const tables = buildTables()

/** Byte value -> its one-character symbol. */
export const BYTE_TO_CHAR: readonly string[] = tables.byteToChar

const utf8 = new TextEncoder()

/** UTF-8 bytes of `text`, each as its symbol. */
export function textToByteSymbols(text: string): string {
  const bytes = utf8.encode(text)
  let out = ''
  for (const b of bytes) out += BYTE_TO_CHAR[b]
  return out
}

/** Symbols back to bytes; a character outside the table is an error naming it. */
export function byteSymbolsToBytes(symbols: string): Uint8Array {
  const out = new Uint8Array(symbols.length)
  let n = 0
  for (const ch of symbols) {
    const b = tables.charToByte.get(ch)
    if (b === undefined)
      throw new Error(`byte-level decode: symbol ${JSON.stringify(ch)} (U+${ch.codePointAt(0)!.toString(16).toUpperCase()}) is not a byte symbol`)
    out[n++] = b
  }
  return out.subarray(0, n)
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true })

/** UTF-8 decode with U+FFFD for invalid sequences (Python's errors='replace'). */
export function decodeUtf8(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes)
}
