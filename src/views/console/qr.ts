/**
 * QR codes as SVG, made on the server with uqr (pure JavaScript, runs in workerd). uqr's own
 * renderSVG draws one square per dark module (about 30 kB for a link); this draws one rectangle
 * per horizontal run, a few kB, so a printed sheet of 48 stays light.
 */
import { encode } from 'uqr'

export function qrSvg(text: string, label: string): string {
  const { size, data } = encode(text, { ecc: 'M', border: 2 })
  let d = ''
  for (let y = 0; y < size; y++) {
    const row = data[y]!
    for (let x = 0; x < size;) {
      if (!row[x]) {
        x++
        continue
      }
      let run = 1
      while (x + run < size && row[x + run]) run++
      d += `M${x} ${y}h${run}v1h-${run}z`
      x += run
    }
  }
  const escaped = label.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" shape-rendering="crispEdges" role="img" aria-label="${escaped}"><rect width="${size}" height="${size}" fill="#fff"/><path fill="#000" d="${d}"/></svg>`
}
