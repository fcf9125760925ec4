import { AppError } from '../errors'

/**
 * A D1 failure while reading for or writing an acknowledgement: retryable, and since every write
 * here is one batch, it left nothing behind. Only the error's first line is logged; D1 messages
 * name columns, not values.
 */
export function storageUnavailable(error: unknown, during: 'read' | 'write' = 'write'): AppError {
  const detail = String(error).split('\n')[0]!.slice(0, 160)
  console.error(JSON.stringify({ event: `d1_${during}_failed`, detail }))
  return new AppError(
    503,
    'storage_unavailable',
    during === 'write'
      ? 'The database did not accept the write; nothing was saved. Try again in a moment.'
      : 'The database did not answer; nothing was saved. Try again in a moment.',
    { 'Retry-After': '5' },
  )
}

/**
 * A write D1 may or may not have made (a connection lost on the way back, say): the official is
 * told neither that it was saved nor that it was not, but how to find out.
 */
export function writeNotConfirmed(error: unknown): AppError {
  const detail = String(error).split('\n')[0]!.slice(0, 160)
  console.error(JSON.stringify({ event: 'd1_write_unconfirmed', detail }))
  return new AppError(
    503,
    'write_unconfirmed',
    'The database did not confirm the write. Open your link again in a moment: it shows your receipt if the acknowledgement was recorded, and the form again if it was not.',
    { 'Retry-After': '5' },
  )
}
