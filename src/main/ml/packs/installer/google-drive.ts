// Google Drive's large-file flow, as a page reader: Drive answers a download of
// a file too big to virus-scan with an HTML page holding a `download-form`
// (action on drive.usercontent.google.com, hidden id/export/confirm/uuid
// fields); submitting it, with the cookies the page set, serves the bytes. A
// popular file instead gets a quota page ("too many users have viewed or
// downloaded this file"): nothing to retry, the person must fetch it by hand.

export type DrivePage = { kind: 'confirm'; url: string } | { kind: 'quota'; message: string } | { kind: 'other'; title: string }

export class DriveQuotaError extends Error {
  override name = 'DriveQuotaError'
  constructor(readonly url: string) {
    super(`${url}: Google Drive refuses the download for now (its download quota for this file is exceeded)`)
  }
}

function decodeEntities(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}

function attr(tag: string, name: string): string | null {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag)
  if (!m) return null
  return decodeEntities(m[1] ?? m[2] ?? m[3] ?? '')
}

const QUOTA = /too many users have viewed or downloaded this file|quota (?:has been )?exceeded|download quota/i

/** What an HTML answer to a Drive download is. `pageUrl` resolves a relative form action. */
export function readDrivePage(html: string, pageUrl: string): DrivePage {
  const formTag = /<form\b[^>]*\bid\s*=\s*["']?download-form["']?[^>]*>/i.exec(html)
  if (formTag) {
    const action = attr(formTag[0], 'action')
    const end = html.indexOf('</form>', formTag.index)
    const body = html.slice(formTag.index, end < 0 ? undefined : end)
    if (action) {
      const target = new URL(action, pageUrl)
      for (const input of body.match(/<input\b[^>]*>/gi) ?? []) {
        const type = attr(input, 'type')
        const name = attr(input, 'name')
        if (name && (type === null || type.toLowerCase() === 'hidden')) target.searchParams.set(name, attr(input, 'value') ?? '')
      }
      return { kind: 'confirm', url: target.toString() }
    }
  }
  const text = decodeEntities(html.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ')
  if (QUOTA.test(text)) return { kind: 'quota', message: (QUOTA.exec(text) ?? [''])[0] }
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(html)?.[1]
  return { kind: 'other', title: title ? decodeEntities(title).trim() : '' }
}
