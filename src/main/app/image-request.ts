// [Note: Images by id only]
// Thumbnails and previews reach the page by photo id: /img/<kind>/<id> over HTTP,
// photocap-img://<kind>/<id> in Electron. Both doors parse the request here and
// accept exactly a known kind and a decimal id; anything path-like (slashes,
// dots, percent-encoding, drive letters) is refused before any lookup, and the
// file that is finally read comes from the engine's own records, never from the page.
import { imageKinds, type ImageKind } from '../../shared/api.ts'

export interface ImageBody {
  mime: string
  /** Either the bytes, or a file the engine owns (its thumbnail cache). */
  data?: Uint8Array
  file?: string
}

/**
 * Looks an image up by id; null when the photo (or its image) does not exist.
 * `width` (previews only): the long side the screen needs, in device pixels
 * ([Note: screen-sized previews] in engine/library/images.ts).
 */
export type ImageSource = (kind: ImageKind, id: number, width?: number) => Promise<ImageBody | null>

export type ImageRequest = { ok: true; kind: ImageKind; id: number } | { ok: false; reason: string }

const idPattern = /^[1-9][0-9]{0,15}$/

export function parseImageRequest(kind: string, id: string): ImageRequest {
  if (!(imageKinds as readonly string[]).includes(kind)) return { ok: false, reason: `unknown image kind '${kind.slice(0, 40)}'` }
  if (!idPattern.test(id)) return { ok: false, reason: 'an image is requested by numeric photo id only' }
  const n = Number(id)
  if (!Number.isSafeInteger(n)) return { ok: false, reason: 'photo id out of range' }
  return { ok: true, kind: kind as ImageKind, id: n }
}

/** The `w` a preview is asked at: a decimal number of pixels, or nothing (the default preview); anything else is ignored. */
export function parseImageWidth(raw: string | null): number | undefined {
  if (raw === null || !/^[1-9][0-9]{0,5}$/.test(raw)) return undefined
  return Number(raw)
}

/** Parse a path like /img/thumb/12 (HTTP) or the host+path of photocap-img://thumb/12. */
export function parseImagePath(pathname: string): ImageRequest {
  const m = /^\/?([a-z]+)\/([^/]*)$/.exec(pathname)
  if (!m) return { ok: false, reason: 'an image is requested as <kind>/<id>' }
  return parseImageRequest(m[1] ?? '', m[2] ?? '')
}
