// Public API of the detection runtime.
export { runRules, RuleSession } from './run-rules.js';
export type { Ordering, AlertPostProcessor, RunRulesOptions, RunRulesResult, RuleRunStats, EventFailures } from './run-rules.js';
export type { LateEvent } from './reorder-window.js';
export type { ExternalSortOptions, SortStats } from './external-sort.js';
export { hunt } from './hunt.js';
export type { HuntOptions, HuntProgress, HuntResult, ProblemTally, ProblemSample, SourceReport } from './hunt.js';
export { CoverageTracker, formatCoverage } from './coverage.js';
export type { CoverageReport, RuleCoverage, HostCoverage, StageCoverage } from './coverage.js';
export { parseDuration, parseTimeBound } from './time-args.js';
