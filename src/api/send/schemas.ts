import { z } from 'zod';

/**
 * The send routes' request and answer shapes (zod: validated by the server,
 * and the OpenAPI document is generated from them). Every string that ends up
 * in a header field refuses CR and LF: a line break in a value would start a
 * new field (header injection, RFC 5322 §2.2 fields end at CRLF).
 */

const noLineBreaks = (s: string) => !/[\r\n\0]/.test(s);
const headerSafe = (max: number) => z.string().max(max).refine(noLineBreaks, { message: 'must not contain CR, LF or NUL (header injection)' });

/** "ann@example.com", or a display name with it. */
export const addressSchema = z.union([
  headerSafe(320),
  z.strictObject({ name: headerSafe(200).optional(), address: headerSafe(320) }),
]);
export type AddressInput = z.infer<typeof addressSchema>;

const addressList = z.union([addressSchema, z.array(addressSchema).min(1).max(1000)]);

const BASE64 = /^[A-Za-z0-9+/\r\n]*={0,2}\s*$/;

export const attachmentSchema = z.strictObject({
  filename: headerSafe(255).min(1),
  contentType: headerSafe(255).regex(/^[\w.+-]+\/[\w.+-]+$/, { message: 'must be a MIME type such as "application/pdf"' }).optional(),
  /** The bytes, base64 (RFC 4648 §4). */
  content: z.string().regex(BASE64, { message: 'must be base64 (RFC 4648 §4)' }),
  /** For inline images: referenced from the HTML as "cid:..." (RFC 2392). */
  contentId: headerSafe(255).optional(),
  disposition: z.enum(['attachment', 'inline']).optional(),
});

/** Tags: short labels for search, metrics and webhooks. */
export const tagsSchema = z.array(z.string().regex(/^[\w.:@/-]{1,64}$/, { message: 'a tag is 1-64 letters, digits or . _ : @ / -' })).max(10);

/** Metadata: the sender's own key-value pairs, echoed in webhooks; bounded (20 keys, 2 KiB). */
export const metadataSchema = z
  .record(z.string().regex(/^[\w.-]{1,40}$/, { message: 'a metadata key is 1-40 letters, digits or . _ -' }), z.string().max(500))
  .refine((m) => Object.keys(m).length <= 20, { message: 'at most 20 metadata keys' })
  .refine((m) => Buffer.byteLength(JSON.stringify(m)) <= 2048, { message: 'metadata must be at most 2 KiB as JSON' });

export const streamSchema = z.enum(['transactional', 'bulk']);

export const sendMessageBody = z
  .strictObject({
    from: addressSchema,
    to: addressList.optional(),
    cc: addressList.optional(),
    bcc: addressList.optional(),
    replyTo: addressList.optional(),
    subject: headerSafe(998).optional(),
    text: z.string().optional(),
    html: z.string().optional(),
    attachments: z.array(attachmentSchema).max(100).optional(),
    /** Extra header fields; Baton refuses the ones it owns (compose.ts OWNED_FIELDS). */
    headers: z.record(z.string().max(76), headerSafe(998)).optional(),
    tags: tagsSchema.optional(),
    metadata: metadataSchema.optional(),
    stream: streamSchema.optional(),
  })
  .refine((b) => b.to !== undefined || b.cc !== undefined || b.bcc !== undefined, { message: 'at least one of to, cc or bcc is needed', path: ['to'] })
  .refine((b) => b.text !== undefined || b.html !== undefined || (b.attachments?.length ?? 0) > 0, { message: 'a message needs text, html or an attachment', path: ['text'] });
export type SendMessageBody = z.infer<typeof sendMessageBody>;

/** The envelope of a raw message, in the query: ?from=a@x&to=b@y&to=c@z. */
export const rawQuery = z.strictObject({
  from: headerSafe(320).optional(),
  to: z.union([headerSafe(320), z.array(headerSafe(320)).max(1000)]).optional(),
  stream: streamSchema.optional(),
  tag: z.union([z.string(), z.array(z.string())]).optional(),
});
export type RawQuery = z.infer<typeof rawQuery>;

/** The JSON form of a raw send. */
export const rawJsonBody = z.strictObject({
  from: headerSafe(320),
  to: z.union([headerSafe(320), z.array(headerSafe(320)).min(1).max(1000)]),
  /** The RFC 5322 message, base64. */
  raw: z.string().regex(BASE64, { message: 'must be base64 (RFC 4648 §4)' }),
  stream: streamSchema.optional(),
  tags: tagsSchema.optional(),
  metadata: metadataSchema.optional(),
});
export type RawJsonBody = z.infer<typeof rawJsonBody>;

export const recipientStatus = z.strictObject({
  address: z.string(),
  /** queued: will be delivered; suppressed: on the suppression list, not sent; rejected: refused by a check (reason). */
  status: z.enum(['queued', 'suppressed', 'rejected']),
  /** The SMTP-equivalent reply for a suppressed or rejected recipient. */
  reason: z.string().optional(),
});
export type RecipientStatus = z.infer<typeof recipientStatus>;

export const sendAnswer = z.strictObject({
  /** The queue id: GET /api/v1/messages/{id} and `baton queue show` know it. */
  id: z.string(),
  recipients: z.array(recipientStatus),
});
export type SendAnswer = z.infer<typeof sendAnswer>;
