/**
 * Back-pressure from D1: what a failure means, and trying again. D1 says "overloaded" when a
 * database's queue of requests is too long or too old (Cloudflare's D1 error list); the request
 * was not run, so nothing was written. Its transient failures (a reset object, a lost connection)
 * may come after a write was made, so after one of those nobody may say nothing was saved. Every
 * write retried here is safe to run twice: the acknowledgement insert is guarded by
 * (official, notice, version) and its counter by changes().
 */

export type StorageFailure = 'overloaded' | 'transient' | 'other'

const OVERLOADED = /D1 DB is overloaded|overloaded\. (Requests queued|Too many requests)/i
const TRANSIENT = [
  /Network connection lost/i,
  /reset because its code was updated/i,
  /storage caused object to be reset/i,
  /D1 DB storage caused object to be reset/i,
  /Internal error in D1 DB storage/i,
  /Cannot resolve D1 DB due to transient issue/i,
  /storage operation exceeded timeout/i,
]

/** The message of the error or of any error in its cause chain (drizzle wraps D1's). */
function messages(error: unknown): string[] {
  const out: string[] = []
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    out.push(e instanceof Error ? e.message : String(e))
    e = e instanceof Error ? e.cause : undefined
  }
  return out
}

export function classifyFailure(error: unknown): StorageFailure {
  const texts = messages(error)
  if (texts.some((t) => OVERLOADED.test(t))) return 'overloaded'
  if (texts.some((t) => TRANSIENT.some((pattern) => pattern.test(t)))) return 'transient'
  return 'other'
}

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number
  /** The cap of the first pause; each next cap doubles (full jitter: a pause is 0 to the cap). */
  baseDelayMs: number
  maxDelayMs: number
}

/** In a request: about half a second at most of pauses, so a page still answers promptly. */
export const REQUEST_RETRIES: RetryPolicy = { attempts: 3, baseDelayMs: 50, maxDelayMs: 400 }

export const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export function jitteredDelay(policy: RetryPolicy, attempt: number, random = Math.random): number {
  return Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt))
}

/** Given up on: the failures seen, and whether every one was D1 refusing to run the request. */
export class RetriesExhausted extends Error {
  constructor(
    readonly last: unknown,
    /** True when every attempt was refused as overloaded: nothing was written. */
    readonly nothingWritten: boolean,
    readonly attempts: number,
  ) {
    super('D1 did not accept the request after retries', { cause: last })
  }
}

/**
 * Runs `work` until it succeeds, retrying overloaded and transient failures with jittered,
 * growing pauses; other failures are thrown at once, as they are. After the last attempt,
 * RetriesExhausted.
 */
export async function withRetries<T>(
  work: () => Promise<T>,
  policy: RetryPolicy = REQUEST_RETRIES,
  onRetry?: (failure: StorageFailure, attempt: number) => void,
): Promise<T> {
  let nothingWritten = true
  for (let attempt = 0; ; attempt++) {
    try {
      return await work()
    } catch (error) {
      const failure = classifyFailure(error)
      if (failure === 'other') throw error
      if (failure === 'transient') nothingWritten = false
      if (attempt + 1 >= policy.attempts)
        throw new RetriesExhausted(error, nothingWritten, attempt + 1)
      onRetry?.(failure, attempt + 1)
      await pause(jitteredDelay(policy, attempt))
    }
  }
}

/** The failure itself: what RetriesExhausted wraps, or the error as it is. */
export const lastFailure = (error: unknown) =>
  error instanceof RetriesExhausted ? error.last : error
