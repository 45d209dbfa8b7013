// Option parsing shared by every command: node:util parseArgs, plus negative values such as `--time-offset -5h`.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './command.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** A value that reads as a negative number or offset (-5h, -05:00, -1), never as an option name. */
const NEGATIVE_VALUE = /^-\d/;

/**
 * parseArgs refuses a value starting with '-' after an option ("argument is ambiguous"). For options that take a
 * value, `--name -5h` and `-o -5` are rewritten to `--name=-5h` and `-o-5`; anything else starting with '-' stays
 * ambiguous and becomes a usage error saying how to pass it.
 */
export function joinNegativeValues(args: readonly string[], options: Options): string[] {
  const takesValue = (token: string): boolean => {
    if (token.startsWith('--')) return options[token.slice(2)]?.type === 'string';
    if (/^-[^-]$/.test(token)) return Object.values(options).some((o) => o.short === token[1] && o.type === 'string');
    return false;
  };
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const token = args[i]!;
    if (token === '--') {
      out.push(...args.slice(i));
      break;
    }
    const next = args[i + 1];
    if (next !== undefined && NEGATIVE_VALUE.test(next) && takesValue(token)) {
      out.push(token.startsWith('--') ? `${token}=${next}` : `${token}${next}`);
      i++;
    } else out.push(token);
  }
  return out;
}

/** parseArgs (strict; positionals allowed unless said) over `args`, with negative values accepted and clear usage errors. */
export function parseCommandArgs<O extends Options>(args: readonly string[], options: O, { allowPositionals = true } = {}) {
  try {
    return parseArgs({ args: joinNegativeValues(args, options), options, allowPositionals, strict: true });
  } catch (err) {
    const code = (err as { code?: string }).code;
    const ambiguous = /Option '(-[^' ]+)[^']*' argument is ambiguous/.exec((err as Error).message);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && ambiguous) {
      const name = ambiguous[1]!;
      const long = name.startsWith('--') ? name.slice(2) : Object.keys(options).find((k) => options[k]!.short === name.slice(1)) ?? name.slice(1);
      throw new UsageError(`${name} needs a value, but the next argument starts with '-'; to give a value starting with '-', write --${long}=VALUE`);
    }
    throw err;
  }
}
