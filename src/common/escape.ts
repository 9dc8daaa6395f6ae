/**
 * Bundle content is untrusted: a file name, a command line or an strace string can hold terminal
 * escape sequences or bidi overrides that would rewrite what a user sees in a terminal. Everything
 * perftriage prints as text goes through `forTerminal`.
 */

// C0 controls except TAB, DEL, C1 controls, and the Unicode bidi / isolate controls.
// eslint-disable-next-line no-control-regex
const UNSAFE_TERMINAL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Show control characters as visible escapes (`\x1b`, `\u202e`) so they cannot act on the terminal. */
export function forTerminal(text: string): string {
  return text.replace(UNSAFE_TERMINAL, (ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

// Bidi embedding, override and isolate controls (and the marks): they reorder what a reviewer sees.
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * For text a CI page displays with its line breaks (SARIF and Code Quality messages, JUnit failure text):
 * bidi controls become visible `\u202e`-style escapes, so a file name cannot make a finding read backwards
 * or hide part of itself; newlines and tabs stay.
 */
export function showBidi(text: string): string {
  return text.replace(BIDI, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
