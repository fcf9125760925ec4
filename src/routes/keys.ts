import { createRoute, z } from '@hono/zod-openapi'
import { ackSecrets } from '../acknowledgements/secrets'
import { errorResponses } from '../errors'
import { newRoutes } from '../factory'

/** Where receipts say their key is published; the path never changes when the key does. */
export const KEYS_PATH = '/.well-known/redlines-receipt-keys.json'

const Jwk = z
  .object({
    kty: z.literal('OKP'),
    crv: z.literal('Ed25519'),
    x: z.string().openapi({ description: 'The public key, base64url' }),
    kid: z.string().openapi({ description: 'RFC 7638 thumbprint; receipts name it as keyId' }),
    alg: z.literal('Ed25519'),
    use: z.literal('sig'),
  })
  .openapi('ReceiptPublicKey')

// Keys change by setting a secret (a rotation); five minutes of caching is cheap, and a verifier
// that has a stale set only lacks the newest key for that long.
const CACHE = 'public, max-age=300'

export const keyRoutes = newRoutes()

keyRoutes.openapi(
  createRoute({
    method: 'get',
    path: KEYS_PATH,
    summary:
      'The Ed25519 public keys that sign receipts and checkpoints, as a JWK set: the current key first, then every retired one',
    responses: {
      200: {
        description: 'JWK set',
        content: {
          'application/json': {
            schema: z.object({
              keys: z.array(Jwk),
              current: z.string().openapi({ description: 'kid of the key that signs now' }),
            }),
          },
        },
      },
      ...errorResponses(503),
    },
  }),
  async (c) => {
    const { receipt } = await ackSecrets(c.env)
    c.header('Cache-Control', CACHE)
    c.header('Access-Control-Allow-Origin', '*')
    return c.json({ keys: receipt.published, current: receipt.keyId }, 200)
  },
)

keyRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/api/keys/receipt',
    summary: 'The current receipt-signing public key (JWK)',
    responses: {
      200: { description: 'JWK', content: { 'application/json': { schema: Jwk } } },
      ...errorResponses(503),
    },
  }),
  async (c) => {
    const { receipt } = await ackSecrets(c.env)
    c.header('Cache-Control', CACHE)
    c.header('Access-Control-Allow-Origin', '*')
    return c.json(receipt.publicJwk, 200)
  },
)
