// Public API of alerts: assembling enriched alerts from matches, and writing them out.
export type * from './types.js';
export { AlertAssembler, type AlertAssemblerOptions } from './assembler.js';
export { createSink, SINK_FORMATS, CSV_COLUMNS, alertJson, type AlertSink, type SinkFormat, type SinkOptions } from './sinks.js';
export { decodeTaskActions, decodeTaskActionsBase64, type DecodedActions } from './task-actions.js';
export { parseTaskContent, type TaskDefinition, type TaskPrincipal } from './task-xml.js';
export { escapeForTerminal, csvCell } from './text-safety.js';
export { ruleUuid, alertUuid, eventIdentity } from './identity.js';
export { CONTEXT_WORDS } from './context-events.js';
