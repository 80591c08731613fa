export { AuditTrail, type AuditPage } from './audit-trail.js';
export { AuditErrors } from './audit-errors.js';
export { deriveAction, type DerivedAction } from './action-naming.js';
export { actorOfRequest, installAuditRecording, type AuditNote } from './audit-hook.js';
export { auditRoutes } from './audit-routes.js';
export { runAuditVerify, auditVerifyCommand } from './audit-cli.js';
export type { AuditFilters } from './audit-store.js';
export type { ChainFault, ChainVerification } from './verify-chain.js';
export { REDACTED, maskSecrets } from './mask-secrets.js';
export {
  ACTOR_KINDS,
  type ActorKind,
  type AuditActor,
  type AuditChanges,
  type AuditRecorder,
  type AuditRecordInput,
  type AuditTarget,
  type AuditTrailEntry,
} from './trail-entry.js';
