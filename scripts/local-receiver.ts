/**
 * npm run receiver — a webhook receiver on this machine, to watch reminders arrive while trying
 * the console with `npm start` (ALLOW_LOCAL_WEBHOOKS=true in .dev.vars lets a channel point here).
 *
 * Every path is a generic webhook (channel type `webhook`): set a unit's channel in the console to
 * http://127.0.0.1:8790/any-name with the secret printed below, press "send now" on the reminders
 * page, and each delivery is printed with whether its X-Redlines-Signature checked out. Only the
 * unit and how many are outstanding are printed, not the names the message carries.
 * RECEIVER_PORT (default 8790) and RECEIVER_SECRET (default "local-receiver-secret").
 */
import { startReceiver } from '../test/receiver/server'

const port = Number(process.env.RECEIVER_PORT ?? 8790)
const secret = process.env.RECEIVER_SECRET ?? 'local-receiver-secret'

const server = await startReceiver(port, '127.0.0.1', { type: 'webhook', secret })
console.log(`receiver: http://127.0.0.1:${port}/<any path> (type webhook, secret "${secret}")`)
console.log(
  'set it as a channel at /admin/channels, then "send now" at /admin/reminders; Ctrl-C stops',
)

let shown = 0
setInterval(() => {
  for (; shown < server.received.length; shown++) {
    const delivery = server.received[shown]!
    let about = ''
    try {
      const body = JSON.parse(delivery.body) as {
        unit?: string
        outstanding?: number
        slot?: string
      }
      about = ` unit ${body.unit ?? '?'}, ${body.outstanding ?? '?'} outstanding, ${body.slot ?? ''}`
    } catch {
      about = ' (not JSON)'
    }
    const signature = delivery.verified ? 'signature ok' : 'signature NOT ok'
    console.log(
      `${delivery.at} ${delivery.path}: ${signature}, answered ${delivery.status};${about}`,
    )
  }
}, 250)
