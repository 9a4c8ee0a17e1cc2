/**
 * The Sendmail milter protocol, version 6, as libmilter speaks it (Sendmail's
 * include/libmilter/mfdef.h; https://www.postfix.org/MILTER_README.html). No
 * maintained Node milter *client* (MTA side) exists on npm, so Baton speaks it
 * itself: the wire format is small (a length-prefixed packet) and these are
 * its constants. Every packet: 4-byte big-endian length (of what follows),
 * one command byte, then the command's data.
 */

export const MILTER_VERSION = 6;

/** MTA → milter commands (SMFIC_*). */
export const Cmd = {
  abort: 'A',
  body: 'B',
  connect: 'C',
  macro: 'D',
  bodyEob: 'E',
  helo: 'H',
  header: 'L',
  mail: 'M',
  eoh: 'N',
  optneg: 'O',
  quit: 'Q',
  rcpt: 'R',
  data: 'T',
} as const;

/** Milter → MTA replies (SMFIR_*). */
export const Reply = {
  addRcpt: '+',
  delRcpt: '-',
  addRcptPar: '2',
  shutdown: '4',
  accept: 'a',
  replBody: 'b',
  continue: 'c',
  discard: 'd',
  chgFrom: 'e',
  connFail: 'f',
  addHeader: 'h',
  insHeader: 'i',
  setSymList: 'l',
  chgHeader: 'm',
  progress: 'p',
  quarantine: 'q',
  reject: 'r',
  skip: 's',
  tempfail: 't',
  replyCode: 'y',
  /** Sent in answer to SMFIC_OPTNEG (the same letter). */
  optneg: 'O',
} as const;

/** Actions the milter may take at end of body (SMFIF_*), negotiated in OPTNEG. */
export const Action = {
  addHeaders: 0x01,
  changeBody: 0x02,
  addRcpt: 0x04,
  delRcpt: 0x08,
  changeHeaders: 0x10,
  quarantine: 0x20,
  changeFrom: 0x40,
  addRcptPar: 0x80,
  setSymList: 0x100,
} as const;

/**
 * What Baton offers: the edits that map onto its header edits and its held
 * queue (add, insert, change and delete header fields; quarantine → held),
 * and the milter's choice of macros (accepted, though Baton sends the same
 * macros to every milter). Not offered: body replacement and envelope
 * changes (CHGFROM, ADDRCPT, DELRCPT), which the content stage cannot make;
 * a milter that needs them refuses the negotiation and its failure rule applies.
 */
export const OFFERED_ACTIONS = Action.addHeaders | Action.changeHeaders | Action.quarantine | Action.setSymList;

/** Protocol steps the milter may skip or not answer (SMFIP_*). */
export const Proto = {
  noConnect: 0x1,
  noHelo: 0x2,
  noMail: 0x4,
  noRcpt: 0x8,
  noBody: 0x10,
  noHeaders: 0x20,
  noEoh: 0x40,
  noReplyHeader: 0x80,
  noUnknown: 0x100,
  noData: 0x200,
  /** The milter may answer a body chunk with SMFIR_SKIP: no more body is sent. */
  skip: 0x400,
  rcptRejected: 0x800,
  noReplyConnect: 0x1000,
  noReplyHelo: 0x2000,
  noReplyMail: 0x4000,
  noReplyRcpt: 0x8000,
  noReplyData: 0x10000,
  noReplyUnknown: 0x20000,
  noReplyEoh: 0x40000,
  noReplyBody: 0x80000,
  headerLeadingSpace: 0x100000,
} as const;

/**
 * What Baton offers: every step may be skipped (NO_*) or left unanswered
 * (NR_*), and SKIP. Not offered: RCPT_REJ (Baton sends only accepted
 * recipients), NOUNKNOWN is moot (no unknown commands are replayed),
 * HDR_LEADSPC (values go without their leading space, as Sendmail sends
 * them), and the larger data sizes (chunks stay ≤ 65535 bytes).
 */
export const OFFERED_PROTOCOL =
  Proto.noConnect | Proto.noHelo | Proto.noMail | Proto.noRcpt | Proto.noBody | Proto.noHeaders | Proto.noEoh | Proto.noReplyHeader |
  Proto.noUnknown | Proto.noData | Proto.skip | Proto.noReplyConnect | Proto.noReplyHelo | Proto.noReplyMail | Proto.noReplyRcpt |
  Proto.noReplyData | Proto.noReplyUnknown | Proto.noReplyEoh | Proto.noReplyBody;

/** Body chunks are at most this long (libmilter's MILTER_CHUNK_SIZE). */
export const BODY_CHUNK = 65535;

/** The longest packet Baton accepts from a milter (libmilter's default maximum data size is 64 KiB; REPLBODY is not offered). */
export const MAX_PACKET = 1024 * 1024;
