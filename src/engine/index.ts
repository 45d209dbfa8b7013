// Public API of the detection runtime.
//
// - `hunt(options)`: inputs (files, directories, globs, "-") → normalized events → time order → rules → alerts,
//   with every problem counted and located. `seqhunt hunt`, `seqhunt coverage` and `baseline learn` use it.
// - `runRules(rules, events, options)`: the same runtime on events already normalized (any order unless
//   `ordering: 'sorted'`), for in-memory scenarios (`seqhunt validate`) and tests.
// - `RuleSession`: the runtime pushed one event at a time, then `finish()`.
// Ordering: 'sort' (files; external merge sort, nothing late), 'window' (streams; per-host reorder window,
// late events counted), 'sorted' (the caller's order).
export { runRules, RuleSession } from './run-rules.js';
export type { Ordering, AlertPostProcessor, RunRulesOptions, RunRulesResult, RuleRunStats, EventFailures } from './run-rules.js';
export type { LateEvent } from './reorder-window.js';
export type { ExternalSortOptions, SortStats } from './external-sort.js';
export { hunt } from './hunt.js';
export type { HuntOptions, HuntProgress, HuntResult, ProblemTally, ProblemSample, SourceReport } from './hunt.js';
export { CoverageTracker, formatCoverage } from './coverage.js';
export type { CoverageDetail, CoverageReport, RuleCoverage, HostCoverage, StageCoverage } from './coverage.js';
export { parseDuration, parseTimeBound } from './time-args.js';
export { prefilterForRules, stageWords, createLinePrefilter } from './prefilter.js';
export type { StageWords, LinePrefilter } from './prefilter.js';
export { recordFilterForRules, CONTEXT_EVENT_IDS, type RecordFilter, type RecordFilterOptions } from './record-filter.js';
