// Public API of the detection runtime.
export { runRules, RuleSession } from './run-rules.js';
export type { Ordering, AlertPostProcessor, RunRulesOptions, RunRulesResult, RuleRunStats } from './run-rules.js';
export type { LateEvent } from './reorder-window.js';
export type { ExternalSortOptions, SortStats } from './external-sort.js';
