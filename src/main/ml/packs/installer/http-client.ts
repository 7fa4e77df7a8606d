// HTTPS requests for pack downloads: https only (a redirect to http is refused,
// never followed), at most 10 redirect hops (Hugging Face answers with one to
// its CDN), cookies kept for the session (Google Drive's confirmation needs
// them). Trust is Node's CA roots plus, only when someone names them, extra
// certificates (`extraCa`: a local test server, a company proxy); nothing here
// can turn certificate checking off.
import http from 'node:http'
import https from 'node:https'
import tls from 'node:tls'

export const MAX_REDIRECTS = 10

export interface HttpPolicy {
  /** PEM certificates trusted in addition to Node's roots. */
  extraCa?: string | undefined
}

/** A request we refuse to make (not https, too many redirects): retrying cannot help. */
export class RefusedRequestError extends Error {
  override name = 'RefusedRequestError'
}

interface Cookie {
  name: string
  value: string
  /** Lower-case domain; hostOnly when the server gave no Domain attribute. */
  domain: string
  hostOnly: boolean
}

/** The cookies of one download session (one file), by the rules a browser uses for domain matching. */
export class CookieJar {
  private cookies: Cookie[] = []

  store(url: URL, setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const [pair, ...attrs] = line.split(';')
      const eq = pair!.indexOf('=')
      if (eq <= 0) continue
      const name = pair!.slice(0, eq).trim()
      const value = pair!.slice(eq + 1).trim()
      let domain = url.hostname.toLowerCase()
      let hostOnly = true
      for (const a of attrs) {
        const [k, v] = a.split('=')
        if (k?.trim().toLowerCase() === 'domain' && v) {
          const d = v.trim().replace(/^\./, '').toLowerCase()
          // A server may only set cookies for its own domain or a parent of it.
          if (domain === d || domain.endsWith(`.${d}`)) {
            domain = d
            hostOnly = false
          }
        }
      }
      this.cookies = this.cookies.filter((c) => !(c.name === name && c.domain === domain))
      this.cookies.push({ name, value, domain, hostOnly })
    }
  }

  header(url: URL): string | undefined {
    const host = url.hostname.toLowerCase()
    const hits = this.cookies.filter((c) => host === c.domain || (!c.hostOnly && host.endsWith(`.${c.domain}`)))
    return hits.length ? hits.map((c) => `${c.name}=${c.value}`).join('; ') : undefined
  }
}

export class HttpSession {
  readonly cookies = new CookieJar()
  private readonly agent: https.Agent

  constructor(policy: HttpPolicy = {}) {
    this.agent = new https.Agent({ keepAlive: false, ...(policy.extraCa ? { ca: [...tls.rootCertificates, policy.extraCa] } : {}) })
  }

  /**
   * One request, following redirects. The answer's `url` is where it came from
   * (after redirects). `onRequest` sees each underlying request (the caller's
   * stall timer and cancel destroy it).
   */
  async request(
    url: string,
    options: {
      method?: 'GET' | 'HEAD'
      headers?: Record<string, string>
      signal?: AbortSignal | undefined
      followRedirects?: boolean
      onRequest?: (req: http.ClientRequest) => void
    },
  ): Promise<{ res: http.IncomingMessage; url: string; req: http.ClientRequest }> {
    let current = new URL(url)
    for (let hop = 0; ; hop++) {
      if (current.protocol !== 'https:') {
        throw new RefusedRequestError(
          hop === 0 ? `${current.toString()}: only https downloads are allowed` : `${url}: redirected to ${current.toString()}, which is not https (refused)`,
        )
      }
      const headers: Record<string, string> = { 'user-agent': 'photocap', ...options.headers }
      const cookie = this.cookies.header(current)
      if (cookie) headers.cookie = cookie
      const { res, req } = await new Promise<{ res: http.IncomingMessage; req: http.ClientRequest }>((resolve, reject) => {
        const req = https.request(
          current,
          { method: options.method ?? 'GET', headers, agent: this.agent, ...(options.signal ? { signal: options.signal } : {}) },
          (res) => resolve({ res, req }),
        )
        req.on('error', reject)
        options.onRequest?.(req)
        req.end()
      })
      this.cookies.store(current, res.headers['set-cookie'])
      const status = res.statusCode ?? 0
      const location = res.headers.location
      if (options.followRedirects === false || !(status >= 300 && status < 400 && status !== 304 && location)) return { res, url: current.toString(), req }
      res.resume()
      if (hop + 1 > MAX_REDIRECTS) throw new RefusedRequestError(`${url}: more than ${MAX_REDIRECTS} redirects (refused)`)
      current = new URL(location, current)
    }
  }
}
