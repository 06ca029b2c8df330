/**
 * Which passwords are accepted, after NIST SP 800-63B (5.1.1.2): at least 10 characters, no
 * composition rules, and never one that attackers try first: the 49,000 most common passwords
 * of zxcvbn's list (shipped in an npm package, so nothing is fetched), one character repeated,
 * or the person's own e-mail or name.
 */
import { dictionary } from '@zxcvbn-ts/language-common';
import { UnprocessableError } from './errors.js';

export const MIN_PASSWORD_LENGTH = 10;

let common: Set<string> | undefined;
const commonPasswords = () => (common ??= new Set(dictionary['passwords-common'].map((password) => password.toLowerCase())));

/** Why the password is refused, or undefined when it is acceptable. */
export function passwordWeakness(password: string, context: { email?: string; name?: string } = {}): string | undefined {
  const characters = [...password.normalize('NFKC')];
  if (characters.length < MIN_PASSWORD_LENGTH) return `Use at least ${MIN_PASSWORD_LENGTH} characters`;
  if (new Set(characters).size === 1) return 'Use more than one character, repeated';
  const folded = password.normalize('NFKC').trim().toLowerCase();
  if (commonPasswords().has(folded)) return 'This is one of the most common passwords; choose one that is not';
  const email = context.email?.trim().toLowerCase();
  const personal = [email, email?.split('@')[0], context.name?.trim().toLowerCase()].filter((word): word is string => !!word && word.length >= 4);
  if (personal.some((word) => folded === word)) return 'Do not use your e-mail or name as the password';
  return undefined;
}

/** Throws a 422 `weak_password` naming the field, for the form to show next to it. */
export function assertStrongPassword(password: string, context: { email?: string; name?: string } = {}, field = 'body.password') {
  const weakness = passwordWeakness(password, context);
  if (weakness) throw new UnprocessableError('weak_password', weakness, field);
}
