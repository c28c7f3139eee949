/**
 * Downloads that need the bearer token (the exports): fetched as a blob and saved through an object
 * URL, since a plain link cannot carry an Authorization header.
 */

/** The file name in a Content-Disposition header: RFC 5987's `filename*` first, else `filename`. */
export function filenameFromDisposition(header: string | null, fallback: string): string {
  if (!header) return fallback
  const extended = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(header)
  if (extended?.[2]) {
    try {
      return sanitize(decodeURIComponent(extended[2].trim()), fallback)
    } catch {
      // A broken percent-encoding: try the plain parameter.
    }
  }
  const plain = /filename\s*=\s*("((?:[^"\\]|\\.)*)"|[^;]+)/i.exec(header)
  if (plain) {
    const value = plain[2] !== undefined ? plain[2].replace(/\\(.)/g, '$1') : (plain[1] ?? '').trim()
    return sanitize(value, fallback)
  }
  return fallback
}

function sanitize(name: string, fallback: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = name.replace(/[\\/\u0000-\u001f]/g, '_').trim()
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? fallback : cleaned
}

/** Hands a blob to the browser as a download named `filename`. */
export function saveBlob(blob: Blob, filename: string, doc: Document = document): void {
  const url = URL.createObjectURL(blob)
  const link = doc.createElement('a')
  link.href = url
  link.download = filename
  link.rel = 'noopener'
  link.style.display = 'none'
  doc.body.appendChild(link)
  try {
    link.click()
  } finally {
    link.remove()
    // Some browsers read the URL after click() returns; give them a moment before releasing it.
    setTimeout(() => URL.revokeObjectURL(url), 10_000)
  }
}
