/**
 * The local rate limiter (miniflare's) counts in fixed windows aligned to the period: every
 * minute on the minute, all counts start again at 0. A test that spends a client's whole
 * allowance and expects the next call refused fails if a window boundary falls between the two,
 * which on a loaded machine happens often enough to break CI. Such a test first waits, when
 * fewer than `needSeconds` are left in the current window, for the next one to begin.
 */
export async function startOfFreshWindow(needSeconds = 25, periodSeconds = 60): Promise<void> {
  const periodMs = periodSeconds * 1000
  const leftMs = periodMs - (Date.now() % periodMs)
  if (leftMs < needSeconds * 1000) await new Promise((resolve) => setTimeout(resolve, leftMs + 50))
}
