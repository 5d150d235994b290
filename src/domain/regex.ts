/** Characters with a meaning in a regular expression (and `/`, `-`, harmless but escaped anyway). */
const REGEX_SPECIALS = /[.*+?^${}()|[\]\\/-]/g;

/** `text` as a regular expression that matches it literally: user input can never become a costly pattern. */
export function escapeRegex(text: string): string {
  return text.replace(REGEX_SPECIALS, '\\$&');
}
