// Public API of tuning: exception lists (Kibana's export format, in and out), suppression of alerts,
// the learned baseline of legitimate remote task creation, and the explained risk score.
export type {
  EntryExists,
  EntryList,
  EntryMatch,
  EntryMatchAny,
  EntryNested,
  EntryOperator,
  EntryWildcard,
  ExceptionComment,
  ExceptionEntry,
  ExceptionList,
  ExceptionListItem,
  ExceptionListObject,
  ExceptionListType,
  ExceptionProblem,
  ItemSummary,
  NamespaceType,
  RiskKnowledge,
  SuppressionMatch,
  SuppressionSummary,
} from './types.js';
export { loadExceptionLists, parseExceptionText, serializeExceptionLists, entryError, flattenEntries } from './exception-format.js';
export { Suppressor, type SuppressorOptions } from './suppressor.js';
export {
  learnBaseline,
  BaselineLearner,
  describeShape,
  riskKnowledgeFromLists,
  DEFAULT_MIN_HOSTS,
  DEFAULT_MIN_DAYS,
  DEFAULT_BASELINE_LIST_ID,
  type BaselineShape,
  type LearnOptions,
  type LearnResult,
} from './baseline.js';
export { scoreRisk, severityForScore, commandTraits, taskCommandLine, alertSource, COMMAND_TRAITS, type CommandTrait } from './risk.js';
export { commandPattern, looksRandom } from './command-pattern.js';
export { readAlertFile, readAlertText, isAlertObject, type AlertFileResult } from './alert-input.js';
export { formatExceptionLists, describeEntry, printable } from './describe.js';
export { createAlertTuning, type AlertTuning, type AlertTuningOptions } from './alert-tuning.js';
export { huntTelemetry, type TelemetryHuntResult } from './hunt-adapter.js';
