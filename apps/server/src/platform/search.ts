/** A user's search text as an ILIKE pattern: their % and _ match themselves, not anything. */
export function containsPattern(text: string): string {
  return `%${text.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
