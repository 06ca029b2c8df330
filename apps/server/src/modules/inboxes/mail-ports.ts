/**
 * The usual ports of mail servers: TLS from the first byte, or plain with STARTTLS. A port left
 * out of an inbox's settings (or of a connection test) is the usual one for its TLS choice.
 *
 * Imported by the web app too (its settings form offers the same defaults): this file imports
 * nothing, so it bundles for the browser as it is.
 */
export const DEFAULT_MAIL_PORTS = {
  smtp: { tls: 465, plain: 587 },
  imap: { tls: 993, plain: 143 },
} as const;

export type MailServerKind = keyof typeof DEFAULT_MAIL_PORTS;
