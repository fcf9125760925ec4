import {
  foreignKey,
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core'

/**
 * Every notice version the database has been asked to refer to, with the hash it was published
 * under. Records elsewhere point here, so a version's hash can never silently differ between
 * the content the Worker serves and the rows that cite it.
 */
export const noticeVersions = sqliteTable(
  'notice_versions',
  {
    noticeId: text('notice_id').notNull(),
    version: integer('version').notNull(),
    sha256: text('sha256').notNull(),
    effectiveFrom: text('effective_from').notNull(),
    registeredAt: text('registered_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.noticeId, table.version] })],
)

/**
 * The roster. Officials are never deleted: a link names an official by id, and a record must keep
 * pointing at the person it was issued to. AUTOINCREMENT so an id is never handed out twice.
 */
export const officials = sqliteTable(
  'officials',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    externalId: text('external_id').notNull(),
    name: text('name').notNull(),
    /** Unit path, segments joined by '/', outermost first: 广东省/广州市/公安局. */
    unit: text('unit').notNull(),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    deactivatedAt: text('deactivated_at'),
    /** The import that last listed this official; a full import deactivates everyone it did not list. */
    lastImportId: text('last_import_id').notNull(),
  },
  (table) => [
    uniqueIndex('officials_external_id').on(table.externalId),
    index('officials_active_unit').on(table.active, table.unit),
    // The console's search by name (a prefix: 王 finds 王芳) in (name, id) order.
    index('officials_name').on(table.name),
  ],
)

/** Every roster upload, so a change to the roster can be traced to when and how it came in. */
export const rosterImports = sqliteTable('roster_imports', {
  id: text('id').primaryKey(),
  importedAt: text('imported_at').notNull(),
  mode: text('mode', { enum: ['merge', 'full'] }).notNull(),
  /** Unit subtree a full import covered; null means the whole roster. */
  scope: text('scope'),
  bodySha256: text('body_sha256').notNull(),
  rows: integer('rows').notNull(),
  created: integer('created').notNull(),
  updated: integer('updated').notNull(),
  reactivated: integer('reactivated').notNull(),
  deactivated: integer('deactivated').notNull(),
})

/** Each time links were handed out: the due date that status reports measure "overdue" against. */
export const linkBatches = sqliteTable(
  'link_batches',
  {
    id: text('id').primaryKey(),
    noticeId: text('notice_id').notNull(),
    version: integer('version').notNull(),
    /** Unit subtree the links went to; null means everyone. */
    unit: text('unit'),
    dueDate: text('due_date'),
    expiresAt: text('expires_at').notNull(),
    officials: integer('officials').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (table) => [index('link_batches_version').on(table.noticeId, table.version, table.createdAt)],
)

/**
 * One row per (official, notice, version), append-only. Every column except seq, official_id,
 * record_hash and signature is a field of the signed receipt, so any edit breaks the signature
 * (verification checks official_id against the signed external_id); seq orders the rows as
 * leaves of the Merkle tree that checkpoints sign. Rows of receipt type 1 have no log_* fields.
 */
export const acknowledgements = sqliteTable(
  'acknowledgements',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    receiptId: text('receipt_id').notNull(),
    officialId: integer('official_id')
      .notNull()
      .references(() => officials.id),
    externalId: text('external_id').notNull(),
    officialName: text('official_name').notNull(),
    unit: text('unit').notNull(),
    typedName: text('typed_name').notNull(),
    noticeId: text('notice_id').notNull(),
    version: integer('version').notNull(),
    versionSha256: text('version_sha256').notNull(),
    lang: text('lang').notNull(),
    textSha256: text('text_sha256').notNull(),
    statement: text('statement').notNull(),
    acknowledgedAt: text('acknowledged_at').notNull(),
    requestId: text('request_id').notNull(),
    userAgent: text('user_agent').notNull(),
    ipHash: text('ip_hash'),
    keyId: text('key_id').notNull(),
    /** RFC 9162 leaf hash of the canonical receipt, hex. */
    recordHash: text('record_hash').notNull(),
    /** Ed25519 over the canonical receipt, base64url. */
    signature: text('signature').notNull(),
    /** redlines.acknowledgement/1 (written before log positions) or /2. */
    receiptType: text('receipt_type').notNull().default('redlines.acknowledgement/1'),
    /** Type 2: the highest seq in the log when the receipt was signed; the row's seq is above it. */
    logAfter: integer('log_after'),
    /** Type 2: the newest checkpoint when the receipt was signed (null: there was none)... */
    logCheckpointSize: integer('log_checkpoint_size'),
    /** ...and the SHA-256 (hex) of the note it signed. */
    logCheckpointHash: text('log_checkpoint_hash'),
  },
  (table) => [
    uniqueIndex('acknowledgements_receipt_id').on(table.receiptId),
    uniqueIndex('acknowledgements_official_version').on(
      table.officialId,
      table.noticeId,
      table.version,
    ),
    // seq is the rowid, so this index is (notice_id, version, seq): records of a version in log order.
    index('acknowledgements_version').on(table.noticeId, table.version),
    foreignKey({
      columns: [table.noticeId, table.version],
      foreignColumns: [noticeVersions.noticeId, noticeVersions.version],
    }),
  ],
)

/**
 * Signed tree heads over the acknowledgements, in seq order (RFC 9162 style). Format 2 heads are
 * chained: each signs the hash of the note its predecessor signed, so removing or altering one
 * breaks the next.
 */
export const ackCheckpoints = sqliteTable('ack_checkpoints', {
  treeSize: integer('tree_size').primaryKey(),
  rootHash: text('root_hash').notNull(),
  /** Roots of the perfect subtrees covering the first tree_size leaves: the next checkpoint starts here. */
  frontier: text('frontier').notNull(),
  createdAt: text('created_at').notNull(),
  keyId: text('key_id').notNull(),
  signature: text('signature').notNull(),
  /** 1: redlines-checkpoint/1 (unchained); 2: redlines-checkpoint/2. */
  format: integer('format').notNull().default(1),
  /** Format 2: SHA-256 (hex) of the previous checkpoint's note; null for the first checkpoint. */
  prevHash: text('prev_hash'),
})

// ---- scale (issue 11): shards, live counters, the global checkpoint ----------------------------
// Every database (the control database DB and each shard DB_SHARD_n) gets the same migrations;
// each table says where it is used.

/**
 * Control database: which shard holds the officials (and so the records) of a unit. The longest
 * prefix that contains a unit wins; a unit no route covers lives in shard 0 (DB itself), so with
 * no routes at all everything is in DB, as before shards existed.
 */
export const shardRoutes = sqliteTable('shard_routes', {
  /** A unit path ("广东省", "山东省/济南市"): it and every unit below it. */
  prefix: text('prefix').primaryKey(),
  /** 0: DB; n: DB_SHARD_n. */
  shard: integer('shard').notNull(),
  createdAt: text('created_at').notNull(),
})

/**
 * Every shard: active officials per unit, kept exact in the same batch as every write that
 * changes the roster (imports, deactivations, edits of unit), so status never counts officials.
 */
export const rosterCounts = sqliteTable('roster_counts', {
  unit: text('unit').primaryKey(),
  active: integer('active').notNull(),
})

/**
 * Every shard: per counting class of a notice (the versions from `baseline`, a version that
 * changed a rule materially or version 1, up to the next material change) and unit, how many
 * active officials have an acknowledgement of a version in the class. Kept exact in the same
 * batch as the write that changes it: the acknowledgement itself, and every roster change.
 */
export const ackCounts = sqliteTable(
  'ack_counts',
  {
    noticeId: text('notice_id').notNull(),
    baseline: integer('baseline').notNull(),
    unit: text('unit').notNull(),
    acknowledged: integer('acknowledged').notNull(),
  },
  (table) => [primaryKey({ columns: [table.noticeId, table.baseline, table.unit] })],
)

/**
 * Every shard: which counters have been counted from the rows once ("roster", or
 * "ack/<notice>/<baseline>"). Counters exist from the moment a write touches them, but only a
 * counter marked here is read: the first status read of a class counts it in one batch (rows
 * written before the counters existed included) and marks it, and every write keeps it since.
 */
export const countersReady = sqliteTable('counters_ready', {
  counter: text('counter').primaryKey(),
  countedAt: text('counted_at').notNull(),
})

/**
 * Control database: signed heads over every shard's log at once, chained like the shards' own
 * checkpoints. Each lists, per shard, the newest checkpoint then (tree size, root, note hash).
 */
export const globalCheckpoints = sqliteTable('global_checkpoints', {
  /** 1, 2, 3...: each stored only if the one before it is still the newest. */
  number: integer('number').primaryKey(),
  createdAt: text('created_at').notNull(),
  /** JSON [[shard, treeSize, rootHash, noteHash]...], shard ascending; a shard with no checkpoint has size 0. */
  heads: text('heads').notNull(),
  keyId: text('key_id').notNull(),
  signature: text('signature').notNull(),
  /** SHA-256 (hex) of the previous global checkpoint's note; null for the first. */
  prevHash: text('prev_hash'),
})
/**
 * People who run the console. An owner manages everything, other admins included; a unit admin
 * sees and changes only the subtree of `unit`. Emails are stored lower-case: Cloudflare Access
 * hands them over verified, and they are compared as written there.
 */
export const admins = sqliteTable(
  'admins',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    email: text('email').notNull(),
    role: text('role', { enum: ['owner', 'unit_admin'] }).notNull(),
    /** The unit subtree a unit admin covers; null for owners (the whole roster). */
    unit: text('unit'),
    createdAt: text('created_at').notNull(),
    createdBy: text('created_by').notNull(),
  },
  (table) => [uniqueIndex('admins_email').on(table.email)],
)

/**
 * Credentials for automation. Only the SHA-256 of a token is kept; the token itself is shown once.
 * `kind` says what a token is for, so later kinds (message-check keys for integrators, with their
 * own `rate_limit`) share this table without a migration; the admin API accepts only 'admin'.
 */
export const apiTokens = sqliteTable(
  'api_tokens',
  {
    id: text('id').primaryKey(),
    kind: text('kind').notNull().default('admin'),
    label: text('label').notNull(),
    /** The unit subtree the token covers; null means the whole roster. */
    unit: text('unit'),
    access: text('access', { enum: ['read', 'write'] }).notNull(),
    tokenHash: text('token_hash').notNull(),
    /** Requests per minute, for kinds that are rate limited; null means the kind's default. */
    rateLimit: integer('rate_limit'),
    createdAt: text('created_at').notNull(),
    createdBy: text('created_by').notNull(),
    expiresAt: text('expires_at'),
    lastUsedAt: text('last_used_at'),
    revokedAt: text('revoked_at'),
    revokedBy: text('revoked_by'),
  },
  (table) => [
    uniqueIndex('api_tokens_token_hash').on(table.tokenHash),
    index('api_tokens_kind_unit').on(table.kind, table.unit),
  ],
)

/**
 * Console sign-ins made with ADMIN_TOKEN on the sign-in form. The cookie carries a random id and
 * its HMAC; only the id's SHA-256 is stored, and signing out deletes the row, so a copied cookie
 * stops working at once. `credential` ties the session to the ADMIN_TOKEN it was opened with.
 */
export const adminSessions = sqliteTable(
  'admin_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    credential: text('credential').notNull(),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at').notNull(),
  },
  (table) => [index('admin_sessions_expires_at').on(table.expiresAt)],
)

/**
 * Every change an admin or a token made: who, what, in which unit, how many, when, and the
 * request id that the response and the logs carry. Append-only; id order is time order.
 */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: text('at').notNull(),
    requestId: text('request_id').notNull(),
    /** owner_token (ADMIN_TOKEN), admin (a person in admins or the owner list), api_token, system. */
    actorKind: text('actor_kind').notNull(),
    /** The email, the token id or "ADMIN_TOKEN". */
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    /** The unit subtree the change applied to; null for the whole roster or nothing unit-bound. */
    unit: text('unit'),
    /** What was changed: an import id, a batch id, a token id, an email. */
    target: text('target'),
    /** JSON object of counts, e.g. {"created":3,"updated":1}. */
    counts: text('counts'),
  },
  (table) => [
    index('audit_log_action').on(table.action),
    index('audit_log_actor').on(table.actor),
    index('audit_log_unit').on(table.unit),
  ],
)

/**
 * What the console holds about a unit beyond its path: whom its officials contact when something
 * is wrong (a name that does not match the roster). A unit without a row inherits its parent's.
 */
export const unitSettings = sqliteTable('unit_settings', {
  unit: text('unit').primaryKey(),
  contact: text('contact'),
  updatedAt: text('updated_at').notNull(),
  updatedBy: text('updated_by').notNull(),
})

/**
 * Where a unit's reminders go: one group channel (the unit's officials) and one leaders channel
 * (escalation) per unit; a unit without one inherits its parent's. The URL and secret are
 * credentials: stored AES-GCM encrypted (CHANNEL_SECRET), shown only as `url_masked`.
 * `rate_key` (an HMAC of the URL) groups channels that share one robot for its rate limit.
 */
export const reminderChannels = sqliteTable(
  'reminder_channels',
  {
    id: text('id').primaryKey(),
    unit: text('unit').notNull(),
    purpose: text('purpose', { enum: ['group', 'leaders'] }).notNull(),
    type: text('type', { enum: ['wecom', 'dingtalk', 'feishu', 'webhook'] }).notNull(),
    urlCipher: text('url_cipher').notNull(),
    secretCipher: text('secret_cipher'),
    urlMasked: text('url_masked').notNull(),
    rateKey: text('rate_key').notNull(),
    /** names: a reminder lists the outstanding officials; counts: only how many. */
    privacy: text('privacy', { enum: ['names', 'counts'] }).notNull(),
    createdAt: text('created_at').notNull(),
    createdBy: text('created_by').notNull(),
  },
  (table) => [uniqueIndex('reminder_channels_unit_purpose').on(table.unit, table.purpose)],
)

/** A rollout's reminder plan (notice version); without a row the default plan applies. */
export const reminderPlans = sqliteTable(
  'reminder_plans',
  {
    noticeId: text('notice_id').notNull(),
    version: integer('version').notNull(),
    /** Overrides the due date of the links; null: the links' due date. */
    dueDate: text('due_date'),
    beforeDays: integer('before_days').notNull(),
    onDueDate: integer('on_due_date', { mode: 'boolean' }).notNull(),
    repeatDays: integer('repeat_days').notNull(),
    escalateAfterDays: integer('escalate_after_days').notNull(),
    enabled: integer('enabled', { mode: 'boolean' }).notNull(),
    updatedAt: text('updated_at').notNull(),
    updatedBy: text('updated_by').notNull(),
  },
  (table) => [primaryKey({ columns: [table.noticeId, table.version] })],
)

/**
 * One reminder due at one time to one channel: the unique key makes enqueueing idempotent (a
 * pass that runs twice finds the row and enqueues nothing). Its attempts are below.
 */
export const reminderDeliveries = sqliteTable(
  'reminder_deliveries',
  {
    id: text('id').primaryKey(),
    noticeId: text('notice_id').notNull(),
    version: integer('version').notNull(),
    channelId: text('channel_id').notNull(),
    unit: text('unit').notNull(),
    purpose: text('purpose', { enum: ['group', 'leaders'] }).notNull(),
    /** The plan's date this reminder is for (YYYY-MM-DD) and which kind of slot it is. */
    slotDate: text('slot_date').notNull(),
    slot: text('slot', { enum: ['before', 'due', 'overdue', 'escalation'] }).notNull(),
    dueDate: text('due_date').notNull(),
    status: text('status', { enum: ['queued', 'sent', 'retrying', 'dead', 'skipped'] }).notNull(),
    /** Outstanding officials the sent message named or counted. */
    officials: integer('officials'),
    attempts: integer('attempts').notNull().default(0),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (table) => [
    uniqueIndex('reminder_deliveries_slot').on(
      table.noticeId,
      table.version,
      table.channelId,
      table.slotDate,
    ),
    index('reminder_deliveries_created').on(table.createdAt),
  ],
)

/** Every attempt to send a reminder (and every deferral for a rate limit): append-only. */
export const reminderAttempts = sqliteTable(
  'reminder_attempts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    deliveryId: text('delivery_id').notNull(),
    rateKey: text('rate_key').notNull(),
    at: text('at').notNull(),
    /** Only sent, failed and retried made a request; deferred waited for the rate limit. */
    outcome: text('outcome', {
      enum: ['sent', 'failed', 'retried', 'deferred', 'dead_lettered'],
    }).notNull(),
    attempt: integer('attempt').notNull(),
    httpStatus: integer('http_status'),
    /** What went wrong, in a few words (never the URL, a secret or a message text). */
    detail: text('detail'),
  },
  (table) => [
    index('reminder_attempts_rate').on(table.rateKey, table.at),
    index('reminder_attempts_delivery').on(table.deliveryId, table.id),
  ],
)
