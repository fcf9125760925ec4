/**
 * Reading and writing .dev.vars (dotenv) one variable at a time, keeping every other line as it
 * is. Pure string functions, shared by setup-local and rotate-receipt-key and tested in workerd.
 */

const LINE = /^([A-Z0-9_]+)=(.*)$/

/** The value of `name`, without the quotes dotenv strips; undefined when the file lacks it. */
export function readDevVar(text: string, name: string): string | undefined {
  for (const line of text.split('\n')) {
    const match = LINE.exec(line.replace(/\r$/, ''))
    if (match?.[1] !== name) continue
    const value = match[2]!.trim()
    const quoted = /^(['"])(.*)\1$/.exec(value)
    return quoted ? quoted[2] : value
  }
  return undefined
}

/** How a value is written: JSON in single quotes, which dotenv keeps literally. */
const written = (value: string) => (/^[[{]/.test(value) ? `'${value}'` : value)

/** The file with each of `values` set: replaced where the name is, appended where it is not. */
export function writeDevVars(text: string, values: Record<string, string>): string {
  const pending = new Map(Object.entries(values))
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n')
  const out = lines.map((line) => {
    const name = LINE.exec(line.replace(/\r$/, ''))?.[1]
    if (name === undefined || !pending.has(name)) return line
    const value = pending.get(name)!
    pending.delete(name)
    return `${name}=${written(value)}`
  })
  for (const [name, value] of pending) out.push(`${name}=${written(value)}`)
  return `${out.join('\n')}\n`
}
