/** Starts the local webhook receiver the reminder tests send to (a real HTTP server on 127.0.0.1). */
import { startReceiver } from './receiver/server'

export const RECEIVER_PORT = Number(process.env.RECEIVER_PORT ?? 8855)

export default async function setup() {
  const server = await startReceiver(RECEIVER_PORT)
  return () => new Promise<void>((resolve) => server.close(() => resolve()))
}
