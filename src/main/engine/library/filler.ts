// [Note: filler descriptions]
// Cameras and software write their own name, a file path or a version banner
// into ImageDescription / UserComment / dc:description. Imported as a `user`
// caption that text would block the automatic caption forever and be exported
// as alt text. Only text a person plausibly wrote becomes a caption; filler is
// recognised here by rule plus a maintained list, and the pipeline keeps it
// visible as the photo's embedded description instead.

export interface FillerContext {
  make?: string | null
  model?: string | null
  software?: string | null
}

// Maintained list: exact strings (case-insensitive, after trimming) seen on real
// files that no rule below catches on its own.
const knownFiller = new Set([
  'default',
  'image',
  'picture',
  'photo',
  'photograph',
  'untitled',
  'untitled image',
  'no title',
  'title',
  'description',
  'no description',
  '<no description>',
  'image description',
  'unknown',
  'none',
  'null',
  'n/a',
  'exif_jpeg_picture',
  'exif jpeg picture',
  'jpeg',
  'jpg',
  'camera',
  'digital camera',
  'digicam',
  'my camera',
  'sony dsc',
  'minolta dsc',
  'nikon',
  'hdr',
  'screenshot',
  'ascii',
  'unicode',
  'charset=ascii',
  'created with gimp',
  'lead technologies inc. v1.01',
  'hpim',
  'vivitar',
  'kodak',
  'ricoh',
  'casio',
  'processed with vsco',
  'edited with snapseed',
  'made with instagram',
  'instagram',
])

// Camera and phone makers, as they spell themselves in Make and in filler.
const vendors = [
  'agfa',
  'apple',
  'asus',
  'benq',
  'canon',
  'casio',
  'concord',
  'contax',
  'dji',
  'epson',
  'fuji',
  'fujifilm',
  'ge',
  'google',
  'gopro',
  'hasselblad',
  'hewlett-packard',
  'hp',
  'htc',
  'huawei',
  'jenoptik',
  'kodak',
  'konica',
  'konica minolta',
  'kyocera',
  'leica',
  'lg',
  'lge',
  'mamiya',
  'minolta',
  'motorola',
  'nikon',
  'nokia',
  'olympus',
  'oneplus',
  'oppo',
  'panasonic',
  'pentax',
  'phase one',
  'polaroid',
  'praktica',
  'ricoh',
  'rollei',
  'samsung',
  'sanyo',
  'sharp',
  'sigma',
  'sony',
  'toshiba',
  'vivitar',
  'xiaomi',
  'yashica',
  'zeiss',
  'zte',
]
const vendorPattern = vendors.map((v) => v.replace(/[-\s]/g, '[-\\s]?')).join('|')
const vendorOnly = new RegExp(`^(?:${vendorPattern})(?:\\s+(?:corporation|corp\\.?|inc\\.?|co\\.?,?\\s*ltd\\.?|imaging|optical|digital|electronics))*$`, 'i')
// "<vendor> <model-ish tokens>": each token after the vendor has a digit or is a known product word.
const vendorModel = new RegExp(
  `^(?:${vendorPattern})\\b(?:\\s+(?:[a-z]*\\d[\\w-]*|dsc|dslr|camera|digital|still|powershot|coolpix|cybershot|cyber-shot|finepix|lumix|ixus|eos|alpha|galaxy|iphone|pixel|optio|exilim|dimage|easyshare|stylus|mju))+$`,
  'i',
)

const rules: { why: string; test: (t: string) => boolean }[] = [
  { why: 'camera boilerplate ("DIGITAL CAMERA")', test: (t) => t.length <= 60 && /\bdigital\s+(?:still\s+)?camera\b/i.test(t) && t.split(/\s+/).length <= 6 },
  { why: 'DCF version string', test: (t) => /^DCF\s*(?:ver(?:sion)?\.?\s*)?\d/i.test(t) },
  { why: 'camera or vendor name', test: (t) => vendorOnly.test(t) || vendorModel.test(t) },
  { why: 'file path or file name', test: isPathLike },
  { why: 'software banner', test: (t) => softwareBanner.test(t) },
  { why: 'a single character', test: (t) => [...t.replace(/\s/g, '')].length < 2 },
  { why: 'no letters or digits', test: (t) => !/[\p{L}\p{N}]/u.test(t) },
  { why: 'repeated characters', test: (t) => /^(.)\1{2,}$/su.test(t.replace(/\s/g, '')) },
  { why: 'control characters', test: (t) => controlShare(t) > 0.1 },
]

const softwareBanner = new RegExp(
  [
    '^(?:file\\s+)?(?:written|created|generated|produced|made|processed|converted|saved|edited|encoded|compressed)\\s+(?:by|with|using)\\b',
    '^(?:adobe\\s+)?photoshop\\b',
    '^(?:gimp|picasa|lightroom|imagemagick|graphicsmagick|paint\\s*shop|acdsee|irfanview|xnview)\\b',
    '^lead\\s+technologies\\b',
    '^microsoft\\b',
    '^(?:apple\\s+)?(?:image\\s+capture|preview)\\s*\\d',
    // libtiff's tools and converters write their name, a version or a command line.
    '^(?:tiffcp|tiff2\\w+|\\w+2tiff|fax2tiff|tiffcrop|tiffmedian|tiffdither|thumbnail|libtiff)\\b',
    '\\blibtiff\\b',
    '^converted\\s+\\w+\\s+file\\b',
    '^(?:image|picture|photo)\\s+(?:created|converted)\\b',
    '^software:',
    '^version\\s+\\d',
    '^v?\\d+(?:\\.\\d+)+[a-z]?$',
  ].join('|'),
  'i',
)

function isPathLike(t: string): boolean {
  if (/\s{2,}|\n/.test(t)) return false
  if (/^[a-z]:[\\/]/i.test(t) || /^\\\\/.test(t)) return true // C:\..., \\server\share
  if (/(?:^|[\\/])DCIM[\\/]/i.test(t)) return true
  if (/^\/(?:[^/\s]+\/)+[^/\s]*$/.test(t)) return true // /a/b/c.jpg
  // A bare camera or editor file name: IMG_1234.JPG, DSC01234, P1010001.JPG, file.tif
  if (/^(?:img|dsc|dscf|dscn|dsc_|_dsc|p\d|pict|imgp|cimg|sdc|hpim|mvc|pana|sam|photo|image|picture)[_-]?\d{2,}[\w-]*(?:\.\w{2,4})?$/i.test(t)) return true
  if (/^[\w.-]+\.(?:jpe?g|tiff?|png|gif|bmp|heic|heif|avif|webp|dng|nef|cr2|cr3|arw|raf|orf|rw2|pef|psd|xcf)$/i.test(t)) return true
  return false
}

function controlShare(t: string): number {
  // eslint-disable-next-line no-control-regex
  const controls = t.match(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffd]/g)
  return controls ? controls.length / t.length : 0
}

/** Why `text` is filler rather than a person's description, or null when a person plausibly wrote it. */
export function fillerReason(text: string, context: FillerContext = {}): string | null {
  // eslint-disable-next-line no-control-regex
  const t = text.replace(/\u0000[\s\S]*$/, '').trim()
  if (t === '') return 'blank'
  if (text.includes('\u0000') && /[^\u0000\s]/.test(text.slice(text.indexOf('\u0000')))) return 'NUL-padded binary'
  const lower = t.toLowerCase().replace(/\s+/g, ' ')
  if (knownFiller.has(lower)) return 'known camera or software filler'
  const same = [context.make, context.model, context.software, context.make && context.model ? `${context.make} ${context.model}` : null]
  if (same.some((v) => typeof v === 'string' && v.trim() !== '' && v.trim().toLowerCase().replace(/\s+/g, ' ') === lower))
    return 'same as the camera make, model or software'
  if (
    context.model &&
    context.model.trim().length >= 3 &&
    lower.startsWith(context.model.trim().toLowerCase()) &&
    lower.length <= context.model.trim().length + 12 &&
    /\d|camera|dsc/i.test(lower)
  ) {
    return 'camera model name'
  }
  for (const rule of rules) if (rule.test(t)) return rule.why
  return null
}

export function isFiller(text: string, context: FillerContext = {}): boolean {
  return fillerReason(text, context) !== null
}
