/**
 * How a text's stored vector is found, wherever vectors are kept (the build's precomputed tables,
 * an account's example vectors): by the SHA-256 of the text's UTF-8 bytes, which SQL computes as
 * `sha256(convert_to(text, 'UTF8'))`.
 */
import { createHash } from 'node:crypto';

export const textHash = (text: string): Buffer => createHash('sha256').update(text).digest();

/** A hash as a string, for a Map or a JSON object: the one format every table of vectors uses. */
export const hashKey = (hash: Uint8Array): string => Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString('base64url');

export const textKey = (text: string): string => hashKey(textHash(text));
