// The two custom protocols of the desktop app: photocap-app:// serves the built
// renderer (a real origin for the page, instead of file://), photocap-img://
// serves thumbnails and previews by photo id only (see [Note: Images by id
// only]). Both refuse anything outside what they exist for.
import fs from 'node:fs'
import { pathToFileURL } from 'node:url'
import { net, protocol } from 'electron'
import { parseImageRequest, parseImageWidth, type ImageSource } from '../app/image-request.ts'
import { APP_CSP, APP_SCHEME, resolveAppFile } from './policy.ts'

export const IMAGE_SCHEME = 'photocap-img'

/** Must run before the app is ready. */
export function registerSchemes(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
    { scheme: IMAGE_SCHEME, privileges: { standard: true, secure: true } },
  ])
}

const text = (status: number, body: string): Response => new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } })

export function handleProtocols(rendererDir: string, images: ImageSource): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppFile(rendererDir, request.url)
    if (!file || !fs.existsSync(file)) return text(404, 'not found')
    const res = await net.fetch(pathToFileURL(file).toString())
    const headers = new Headers(res.headers)
    if (file.endsWith('.html')) headers.set('content-security-policy', APP_CSP)
    headers.set('x-content-type-options', 'nosniff')
    return new Response(res.body, { status: res.status, headers })
  })

  protocol.handle(IMAGE_SCHEME, async (request) => {
    const url = new URL(request.url)
    const parsed = parseImageRequest(url.host, url.pathname.replace(/^\//, ''))
    if (!parsed.ok) return text(400, parsed.reason)
    const body = await images(parsed.kind, parsed.id, parseImageWidth(url.searchParams.get('w')))
    if (!body) return text(404, `no ${parsed.kind} for photo ${parsed.id}`)
    if (body.data) return new Response(body.data as unknown as ConstructorParameters<typeof Response>[0], { headers: { 'content-type': body.mime } })
    if (body.file) return net.fetch(pathToFileURL(body.file).toString())
    return text(404, 'not found')
  })
}
