/** The workflow definition: its format, its validation, and the languages inside it (references, filters, zoned cron). */
export * from './types.js';
export { WorkflowDefinitionErrors, type WorkflowDefinitionErrorCode } from './definition-errors.js';
export { validateDefinition, type ValidateOptions } from './validate-definition.js';
export {
  checkReferences,
  findReferences,
  isWholeReference,
  parseReference,
  readPath,
  resolveValue,
  REFERENCE_ROOTS,
  type FoundReference,
  type PathSegment,
  type Reference,
  type RunScope,
} from './references.js';
export { checkFilter, jsonEqual, matchesFilter } from './filter.js';
export { cronNeverFires, DEFAULT_TIME_ZONE, isTimeZone, zonedCron, type ZonedCron } from './cron-schedule.js';
export { isEventPattern } from './event-pattern.js';
export { checkDuration } from './step-rules.js';
export * from './limits.js';
