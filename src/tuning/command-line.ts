// Command lines as Windows splits them, for the risk traits. A regex over the raw text misses the forms
// attackers actually type (the switch right after the program, quoted paths, carets, `cmd,/c`), so the
// line is split into commands (at unquoted `&`, `|`, `;`) and words by the Windows argv rules
// (CommandLineToArgvW / msvcrt): quotes group, 2n backslashes before a quote give n and toggle quoting,
// 2n+1 give n and a literal quote, `""` inside quotes is a quote, the program name takes no escapes.
// Like cmd, an unquoted `^` escapes the next character and `,` separates words. A word holding a command
// of its own (`cmd /c "powershell -enc …"`, `powershell -c "rundll32 …"`) is split again.

export interface ParsedCommandLine {
  /** The line as given. */
  readonly text: string;
  /** Every command found, nested ones included: each a list of words, the program first. */
  readonly commands: readonly (readonly string[])[];
  /** The top-level words joined by spaces (quotes and carets gone), for path patterns. */
  readonly plain: string;
}

const MAX_NESTING = 4;

/** Splits one line into commands and their words (no nesting). */
export function splitCommands(line: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  let quoted = false;
  const endWord = () => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
    quoted = false;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    const programName = words.length === 0;
    if (c === '\\' && !programName) {
      let j = i;
      while (line[j] === '\\') j++;
      const n = j - i;
      inWord = true;
      if (line[j] === '"') {
        word += '\\'.repeat(n >> 1);
        if (n % 2 === 1) {
          word += '"';
          i = j;
        } else i = j - 1;
      } else {
        word += '\\'.repeat(n);
        i = j - 1;
      }
      continue;
    }
    if (c === '"') {
      if (quoted && !programName && line[i + 1] === '"') {
        word += '"';
        i++;
      } else quoted = !quoted;
      inWord = true;
      continue;
    }
    if (!quoted) {
      if (c === ' ' || c === '\t' || c === ',') {
        endWord();
        continue;
      }
      if (c === '&' || c === '|' || c === ';' || c === '\n' || c === '\r') {
        endCommand();
        continue;
      }
      if (c === '^') {
        if (i + 1 < line.length) word += line[++i];
        inWord = true;
        continue;
      }
    }
    word += c;
    inWord = true;
  }
  endCommand();
  return commands;
}

/** Commands of a line and, recursively, of its words that hold commands of their own. */
function collectCommands(line: string, depth: number, out: string[][]): void {
  for (const words of splitCommands(line)) {
    out.push(words);
    if (depth >= MAX_NESTING) continue;
    for (const w of words) if (/[\s&|;,^"]/.test(w)) collectCommands(w, depth + 1, out);
  }
}

export function parseCommandLine(text: string): ParsedCommandLine {
  const commands: string[][] = [];
  collectCommands(text, 0, commands);
  const plain = splitCommands(text)
    .map((words) => words.join(' '))
    .join(' ');
  return { text, commands, plain };
}

/**
 * The program a word names, as Windows finds it: the last path component, lower case, without `.exe`
 * and without the quotes PowerShell or cmd left around it (`'C:\Windows\System32\mshta.exe'` → `mshta`).
 */
export function programName(word: string): string {
  const bare = word.replace(/^['"`(]+|['"`)]+$/g, '');
  const base = bare.slice(Math.max(bare.lastIndexOf('\\'), bare.lastIndexOf('/')) + 1).toLowerCase();
  return base.endsWith('.exe') ? base.slice(0, -4) : base;
}
