// [Note: HTTP bridge security]
// `photocap serve` exposes the same API as Electron IPC over HTTP + WebSocket.
// A photo library is private, so the bridge:
//   - listens on 127.0.0.1 only;
//   - requires a random per-run token on every API call (header), on the
//     WebSocket upgrade and on image URLs (query: browsers cannot set headers
//     there), compared in constant time;
//   - checks Host (against DNS rebinding) and, when the browser sends one, Origin
//     (against other sites' pages calling in), on API calls and the upgrade;
//   - answers API calls only as POST with a JSON body of bounded size (413 over it);
//   - serves images by photo id only (see [Note: Images by id only]);
//   - sends a strict CSP and no-referrer (the token is in the page's URL).
// The static renderer files (public application code, index.html included) are
// served without the token; the page itself needs it to do anything. The page
// takes the token out of its address (history.replaceState) and keeps it in
// sessionStorage, so a reload still works and history holds no token.
//
// [Note: Hostile requests never stop the server]
// Any page the user visits can send us requests (no-cors), so nothing a request
// carries may throw out of a handler: a request target that is not a valid URL
// or percent-encoding is a 400; every socket, upgraded or not, has an error
// listener (ws closes over-limit or non-UTF-8 frames itself, with 1009 / 1007,
// and reports them as 'error' events, which would kill the process unheard).
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import path from 'node:path'
import { timingSafeEqual, randomBytes } from 'node:crypto'
import { WebSocketServer, type WebSocket } from 'ws'
import { eventNames } from '../../shared/api.ts'
import type { EventBus } from '../../shared/events.ts'
import type { Envelope } from '../../shared/types.ts'
import { tokenHeader } from '../../shared/transport/http-client.ts'
import type { Dispatcher } from '../app/dispatcher.ts'
import { parseImagePath, parseImageWidth, type ImageSource } from '../app/image-request.ts'

export interface HttpBridgeOptions {
  dispatcher: Dispatcher
  events: EventBus
  images: ImageSource
  /** Folder with the built renderer (index.html + assets); null serves the API only. */
  staticDir: string | null
  port?: number
  /** Fixed token for tests; a fresh random one otherwise. */
  token?: string
  maxBodyBytes?: number
}

export interface HttpBridge {
  url: string
  origin: string
  token: string
  port: number
  close(): Promise<void>
}

export function newToken(): string {
  return randomBytes(24).toString('base64url')
}

const statusFor: Record<string, number> = {
  invalid_input: 400,
  unknown_method: 404,
  not_found: 404,
  forbidden: 403,
  conflict: 409,
  unavailable: 503,
  invalid_output: 500,
  internal: 500,
}

const mimeTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
}

/** A file read that fails midway (deleted, unreadable) ends the response instead of throwing unheard. */
function streamFile(file: string, res: http.ServerResponse): void {
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res)
}

export async function startHttpBridge(options: HttpBridgeOptions): Promise<HttpBridge> {
  const token = options.token ?? newToken()
  const tokenBytes = Buffer.from(token)
  const maxBody = options.maxBodyBytes ?? 1 << 20
  let port = 0
  const allowedHosts = (): string[] => [`127.0.0.1:${port}`, `localhost:${port}`]
  const allowedOrigins = (): string[] => allowedHosts().map((h) => `http://${h}`)

  const tokenOk = (given: string | null | undefined): boolean => {
    if (!given) return false
    const b = Buffer.from(given)
    return b.length === tokenBytes.length && timingSafeEqual(b, tokenBytes)
  }
  const hostOk = (req: http.IncomingMessage): boolean => allowedHosts().includes(req.headers.host ?? '')
  const originOk = (req: http.IncomingMessage): boolean => {
    const origin = req.headers.origin
    return origin === undefined || allowedOrigins().includes(origin)
  }

  const securityHeaders = (res: http.ServerResponse): void => {
    res.setHeader('x-content-type-options', 'nosniff')
    res.setHeader('referrer-policy', 'no-referrer')
    res.setHeader('x-frame-options', 'DENY')
    res.setHeader('cross-origin-resource-policy', 'same-origin')
  }
  const sendJson = (res: http.ServerResponse, status: number, body: Envelope): void => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
    res.end(JSON.stringify(body))
  }
  const refuse = (res: http.ServerResponse, status: number, code: 'forbidden' | 'invalid_input' | 'not_found', message: string): void =>
    sendJson(res, status, { ok: false, error: { code, message } })

  /** The body, or null when it is over the limit (the rest is read and discarded, so the 413 reaches the client). */
  const readBody = (req: http.IncomingMessage): Promise<string | null> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = []
      let size = 0
      let over = Number(req.headers['content-length'] ?? 0) > maxBody
      if (over) {
        req.resume()
        return resolve(null)
      }
      req.on('data', (c: Buffer) => {
        if (over) return
        size += c.length
        if (size > maxBody) {
          over = true
          chunks.length = 0
          resolve(null)
        } else chunks.push(c)
      })
      req.on('end', () => resolve(over ? null : Buffer.concat(chunks).toString('utf8')))
      req.on('error', reject)
    })

  async function handleApi(req: http.IncomingMessage, res: http.ServerResponse, method: string): Promise<void> {
    if (req.method !== 'POST') return refuse(res, 405, 'forbidden', 'API calls are POST requests')
    if (!originOk(req)) return refuse(res, 403, 'forbidden', `requests from origin ${req.headers.origin} are refused`)
    const given = req.headers[tokenHeader]
    if (!tokenOk(Array.isArray(given) ? given[0] : given)) return refuse(res, 401, 'forbidden', 'missing or wrong session token')
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return refuse(res, 415, 'invalid_input', 'API calls send application/json')
    let input: unknown
    try {
      const body = await readBody(req)
      if (body === null) {
        res.setHeader('connection', 'close')
        return refuse(res, 413, 'invalid_input', `${method}: request body over ${maxBody} bytes`)
      }
      input = body.length === 0 ? {} : JSON.parse(body)
    } catch (error) {
      return refuse(res, 400, 'invalid_input', `${method}: body is not valid JSON (${error instanceof Error ? error.message : String(error)})`)
    }
    const envelope = await options.dispatcher.dispatch(method, input)
    sendJson(res, envelope.ok ? 200 : (statusFor[envelope.error.code] ?? 500), envelope)
  }

  async function handleImage(res: http.ServerResponse, url: URL): Promise<void> {
    if (!tokenOk(url.searchParams.get('token'))) return refuse(res, 401, 'forbidden', 'missing or wrong session token')
    const parsed = parseImagePath(url.pathname.slice('/img/'.length))
    if (!parsed.ok) return refuse(res, 400, 'invalid_input', parsed.reason)
    const body = await options.images(parsed.kind, parsed.id, parseImageWidth(url.searchParams.get('w')))
    if (!body) return refuse(res, 404, 'not_found', `no ${parsed.kind} for photo ${parsed.id}`)
    res.setHeader('cache-control', 'private, max-age=3600')
    res.setHeader('content-type', body.mime)
    if (body.data) {
      res.writeHead(200)
      res.end(body.data)
      return
    }
    if (body.file) {
      const s = await stat(body.file)
      res.writeHead(200, { 'content-length': s.size })
      streamFile(body.file, res)
      return
    }
    refuse(res, 404, 'not_found', `no ${parsed.kind} for photo ${parsed.id}`)
  }

  async function handleStatic(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'forbidden', 'only GET')
    if (!options.staticDir) return refuse(res, 404, 'not_found', 'no interface is served (API only)')
    const root = path.resolve(options.staticDir)
    const isIndex = url.pathname === '/' || url.pathname === '/index.html'
    let rel: string
    try {
      rel = isIndex ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '')
    } catch {
      return refuse(res, 400, 'invalid_input', 'bad path encoding')
    }
    const file = path.resolve(root, rel)
    if (!file.startsWith(root + path.sep)) return refuse(res, 404, 'not_found', 'not found')
    let size: number
    try {
      const s = await stat(file)
      if (!s.isFile()) return refuse(res, 404, 'not_found', 'not found')
      size = s.size
    } catch {
      return refuse(res, 404, 'not_found', 'not found')
    }
    const headers: Record<string, string | number> = {
      'content-type': mimeTypes[path.extname(file)] ?? 'application/octet-stream',
      'content-length': size,
    }
    if (isIndex) {
      headers['cache-control'] = 'no-store'
      headers['content-security-policy'] = [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
        "font-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
      ].join('; ')
    } else {
      headers['cache-control'] = url.pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache'
    }
    res.writeHead(200, headers)
    if (req.method === 'HEAD') return void res.end()
    streamFile(file, res)
  }

  /** The request target as a URL, or null when it is not one (`//[x`): see [Note: Hostile requests never stop the server]. */
  const parseTarget = (target: string | undefined): URL | null => {
    try {
      return new URL(target ?? '/', `http://127.0.0.1:${port}`)
    } catch {
      return null
    }
  }
  const decodeOrNull = (text: string): string | null => {
    try {
      return decodeURIComponent(text)
    } catch {
      return null
    }
  }

  function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    securityHeaders(res)
    if (!hostOk(req)) return Promise.resolve(refuse(res, 403, 'forbidden', `host ${req.headers.host} is refused`))
    const url = parseTarget(req.url)
    if (!url) return Promise.resolve(refuse(res, 400, 'invalid_input', 'the request target is not a valid URL'))
    if (url.pathname.startsWith('/api/')) {
      const method = decodeOrNull(url.pathname.slice('/api/'.length))
      if (method === null) return Promise.resolve(refuse(res, 400, 'invalid_input', 'the API method name has a bad percent-encoding'))
      return handleApi(req, res, method)
    }
    return url.pathname.startsWith('/img/') ? handleImage(res, url) : handleStatic(req, res, url)
  }

  const failed = (res: http.ServerResponse, error: unknown): void => {
    if (!res.headersSent) sendJson(res, 500, { ok: false, error: { code: 'internal', message: error instanceof Error ? error.message : String(error) } })
    else res.destroy()
  }
  const server = http.createServer((req, res) => {
    // A client that resets mid-request must not surface as an unhandled 'error'.
    req.on('error', () => undefined)
    res.on('error', () => undefined)
    try {
      route(req, res).catch((error: unknown) => failed(res, error))
    } catch (error) {
      failed(res, error)
    }
  })
  // Unparseable requests (bad request lines, header overflow): answer 400 and close, as Node does by default, without throwing.
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n')
    else socket.destroy()
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 })
  const clients = new Set<WebSocket>()
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy())
    const reject = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`)
    }
    try {
      upgrade(req, socket, head, reject)
    } catch {
      if (!socket.destroyed) reject(400, 'Bad Request')
    }
  })
  function upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, reject: (status: number, text: string) => void): void {
    const url = parseTarget(req.url)
    if (!url) return reject(400, 'Bad Request')
    if (url.pathname !== '/ws') return reject(404, 'Not Found')
    if (!hostOk(req)) return reject(403, 'Forbidden')
    // Browsers always send Origin on a WebSocket upgrade; a missing one is a non-browser client with the token.
    if (!originOk(req)) return reject(403, 'Forbidden')
    if (!tokenOk(url.searchParams.get('token'))) return reject(401, 'Unauthorized')
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws)
      ws.on('close', () => clients.delete(ws))
      // ws has already closed the socket with the right code (1009 too big, 1007 bad UTF-8, 1002 protocol).
      ws.on('error', () => clients.delete(ws))
      // The socket carries events to the page only; anything sent to us is ignored.
      ws.on('message', () => undefined)
    })
  }

  const known = new Set<string>(eventNames)
  const stopForwarding = options.events.onAny((event, payload) => {
    if (!known.has(event)) return
    const text = JSON.stringify({ event, payload })
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(text)
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  port = (server.address() as AddressInfo).port
  const origin = `http://127.0.0.1:${port}`

  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    port,
    async close() {
      stopForwarding()
      for (const ws of clients) ws.terminate()
      wss.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
