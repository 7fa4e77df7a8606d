// Text from photos' files and from people reaches files other programs read
// (CSV, HTML, XMP) and our database. Two rules, one place:
//   - a lone UTF-16 surrogate becomes one U+FFFD before it is stored or
//     written (SQLite would store it as three bytes that read back as three);
//   - control characters (C0 except tab, line feed and carriage return; DEL;
//     C1) are never written raw into an export: they are dropped, since CSV,
//     HTML and XML have no safe way to carry them.

const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g
const controls = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g

/** `text` with every lone surrogate replaced by a single U+FFFD. */
export function wellFormed(text: string): string {
  return text.replace(loneSurrogate, '\ufffd')
}

/** True when `text` has characters `exportable` drops. */
export function hasControlCharacters(text: string): boolean {
  return new RegExp(controls.source).test(text)
}

/** Well-formed, without control characters other than tab and line breaks: safe to write into CSV, HTML or XMP. */
export function exportable(text: string): string {
  return wellFormed(text).replace(controls, '')
}
