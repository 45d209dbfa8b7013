// Integration point for rule coverage (src/engine/coverage.ts, built by the rules-testing work): whether the
// inputs hold the kinds of events each rule stage needs. Loaded by a computed specifier so the hunt builds
// and runs while that module is absent; it then reports nothing.
import type { LoadedRule } from '../rules/types.js';
import type { NormalizedEvent } from '../normalize/types.js';

export interface CoverageHook {
  observe(event: NormalizedEvent): void;
  /** Text for the hunt summary (may be empty). */
  format(): string;
}

interface CoverageModule {
  CoverageTracker: new (rules: readonly LoadedRule[]) => { observe(event: NormalizedEvent): void; report(): unknown };
  formatCoverage: (report: never) => string;
}

export async function loadCoverageHook(rules: readonly LoadedRule[]): Promise<CoverageHook | undefined> {
  const specifier = './coverage.js';
  let mod: Partial<CoverageModule>;
  try {
    mod = (await import(specifier)) as Partial<CoverageModule>;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return undefined;
    throw err;
  }
  const { CoverageTracker, formatCoverage } = mod;
  if (typeof CoverageTracker !== 'function' || typeof formatCoverage !== 'function') return undefined;
  const tracker = new CoverageTracker(rules);
  return {
    observe: (event) => tracker.observe(event),
    format: () => formatCoverage(tracker.report() as never),
  };
}
