// Making text from telemetry safe for where it is written: terminals (no escape sequences or control
// characters from the data ever reach them) and spreadsheets (no formula injection).

/** C0 controls, DEL, C1 controls, and bidi/invisible format characters that can disguise text on a terminal. */
// eslint-disable-next-line no-control-regex
const UNSAFE_RE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/g;

/** The same characters but tab, CR and LF, which a CSV cell keeps (quoted) as data. */
// eslint-disable-next-line no-control-regex
const CSV_UNSAFE_RE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/g;

/** Replaces every unsafe character by a visible escape: \n, \t, \r, \e, \xNN, \u{NNNN}; backslashes stay. */
export function escapeForTerminal(s: string): string {
  return s.replace(UNSAFE_RE, visibleEscape);
}

function visibleEscape(c: string): string {
  switch (c) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    case '\u001b':
      return '\\e';
    default: {
      const code = c.charCodeAt(0);
      return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
    }
  }
}

/** Lone UTF-16 surrogates become U+FFFD so output is valid UTF-8. */
export function wellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell (RFC 4180): control, C1 and bidi characters become visible escapes as in the table (a CSV is
 * often looked at with cat or less, where ESC sequences would act); a cell a spreadsheet would read as a
 * formula (starting with =, +, -, @, tab or CR) gets a leading apostrophe; cells with a comma, quote, CR or LF
 * are quoted with quotes doubled.
 */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let s = wellFormed(typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value));
  s = s.replace(CSV_UNSAFE_RE, visibleEscape);
  if (FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
