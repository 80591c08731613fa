import { WorkflowDefinitionErrors as E } from './definition-errors.js';
import { pointer } from './json-pointer.js';
import type { StepDefinition, WorkflowDefinition } from './types.js';

/**
 * The reference language (see the top of types.ts), kept small on purpose: a reference is `$` and then
 * segments, each `.name` (letters, digits, `_`, `-`; not starting with a digit), `[n]` (an index) or
 * `['any key']` (`\'` and `\\` escape inside). Nothing else: no functions, no filters, no wildcards, no
 * evaluation, and no segment named `__proto__`, `constructor` or `prototype`.
 *
 * In a JSON value, a string that starts with `$.` or `$[` is one whole reference (a string such as
 * "$.5 off" is an invalid reference, not text); `{{$.path}}` (spaces allowed inside the braces) in any
 * other string is an embedded one. `{{` not followed by `$.` or `$[` is plain text. Object keys are never
 * references (a condition's `if` keys are paths, which filter.ts reads).
 */

export type PathSegment = string | number;

/** A parsed reference: `$.steps.a.output.lines[0]` is `['steps', 'a', 'output', 'lines', 0]`. */
export interface Reference {
  readonly text: string;
  readonly segments: readonly PathSegment[];
}

/** A reference found in a value: `path` is the JSON pointer of the string that holds it. */
export interface FoundReference {
  readonly path: string;
  readonly reference: Reference;
  /** True for `{{...}}` inside a longer text; false for a whole-string reference. */
  readonly embedded: boolean;
}

/** What references read at run time (the roots of the language). */
export interface RunScope {
  readonly trigger: unknown;
  readonly steps: Readonly<Record<string, { readonly output: unknown }>>;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly run: { readonly id: string; readonly workflowId: string; readonly version: number; readonly startedAt: string };
  /** Inside a for_each only. */
  readonly item?: unknown;
  readonly index?: number;
}

export const REFERENCE_ROOTS = ['trigger', 'steps', 'vars', 'item', 'index', 'run'] as const;

const MAX_REFERENCE_LENGTH = 500;
const MAX_SEGMENTS = 32;
const FORBIDDEN_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const NAME = /^[A-Za-z_][A-Za-z0-9_-]*/;
const INDEX = /^\[(0|[1-9][0-9]{0,5})\]/;

/** `['key']` at `text[start]`: the key and where the segment ends, or why it is not one. */
function quotedKey(text: string, start: number): { key: string; end: number } | string {
  let key = '';
  for (let i = start + 2; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && (text[i + 1] === "'" || text[i + 1] === '\\')) key += text[++i];
    else if (c === "'") return text[i + 1] === ']' ? { key, end: i + 2 } : `has no "]" after the quoted key '${key}'`;
    else key += c;
  }
  return `has an unclosed quoted key at position ${start + 1}`;
}

/** The reference in `text`, or why it is not one (a phrase that follows "The reference ..."). */
function readReference(text: string): Reference | string {
  if (text.length > MAX_REFERENCE_LENGTH) return `is longer than ${MAX_REFERENCE_LENGTH} characters`;
  if (!text.startsWith('$')) return 'does not start with $';
  const segments: PathSegment[] = [];
  let i = 1;
  while (i < text.length) {
    const rest = text.slice(i);
    if (rest[0] === '.') {
      const name = NAME.exec(rest.slice(1));
      if (!name) return `has no field name after the "." at position ${i + 1} (use ['key'] for other keys, [0] for indexes)`;
      segments.push(name[0]);
      i += 1 + name[0].length;
    } else if (rest.startsWith("['")) {
      const quoted = quotedKey(text, i);
      if (typeof quoted === 'string') return quoted;
      segments.push(quoted.key);
      i = quoted.end;
    } else if (rest[0] === '[') {
      const index = INDEX.exec(rest);
      if (!index) return `has "[" at position ${i + 1} without an index such as [0] or a quoted key such as ['a b']`;
      segments.push(Number(index[1]));
      i += index[0].length;
    } else {
      return `has "${rest[0]}" at position ${i + 1}, where "." or "[" should be`;
    }
  }
  if (segments.length === 0) return 'names nothing after $';
  if (segments.length > MAX_SEGMENTS) return `has more than ${MAX_SEGMENTS} segments`;
  const forbidden = segments.find((s) => typeof s === 'string' && FORBIDDEN_SEGMENTS.has(s));
  if (forbidden !== undefined) return `reads "${forbidden}", which no reference may read`;
  return { text, segments };
}

/** Parses one whole reference; throws WORKFLOW_REFERENCE_INVALID naming `path` when it is not one. */
export function parseReference(text: string, path = ''): Reference {
  const read = readReference(text);
  if (typeof read === 'string') throw E.WORKFLOW_REFERENCE_INVALID.with({ path, reference: text }, JSON.stringify(text), path, read);
  return read;
}

/** True when the string is meant as one whole reference (and must be a valid one). */
export function isWholeReference(text: string): boolean {
  return text.startsWith('$.') || text.startsWith('$[');
}

/** A string cut into its text and its `{{$...}}` references; throws when a reference in it is invalid. */
function templateParts(text: string, path: string): Array<string | Reference> {
  const parts: Array<string | Reference> = [];
  let from = 0;
  let open = text.indexOf('{{');
  while (open !== -1) {
    const body = open + 2 + (/^\s*/.exec(text.slice(open + 2))?.[0].length ?? 0);
    if (!isWholeReference(text.slice(body, body + 2))) {
      open = text.indexOf('{{', open + 2);
      continue;
    }
    const close = text.indexOf('}}', body);
    if (close === -1) throw E.WORKFLOW_REFERENCE_INVALID.with({ path, reference: text.slice(open, open + 60) }, JSON.stringify(text.slice(open, open + 60)), path, 'has "{{" without a closing "}}"');
    if (open > from) parts.push(text.slice(from, open));
    parts.push(parseReference(text.slice(body, close).trimEnd(), path));
    from = close + 2;
    open = text.indexOf('{{', from);
  }
  if (from < text.length) parts.push(text.slice(from));
  return parts;
}

/** Every reference in a JSON value, with the pointer of the string that holds it (`base` is the value's own). */
export function* findReferences(value: unknown, base = ''): Generator<FoundReference> {
  if (typeof value === 'string') {
    if (isWholeReference(value)) {
      yield { path: base, reference: parseReference(value, base), embedded: false };
      return;
    }
    for (const part of templateParts(value, base)) if (typeof part !== 'string') yield { path: base, reference: part, embedded: true };
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* findReferences(value[i], pointer(base, i));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) yield* findReferences(inner, pointer(base, key));
  }
}

/**
 * The value at a reference's path in `subject`, or null when the path leads nowhere (a missing field,
 * an index past the end, a field of a non-object). Reads own properties of plain data only.
 */
export function readPath(subject: unknown, reference: Reference): unknown {
  let current = subject;
  for (const segment of reference.segments) {
    if (current === null || typeof current !== 'object') return null;
    if (Array.isArray(current)) {
      if (typeof segment !== 'number') return null;
      current = current[segment];
    } else {
      const key = String(segment);
      if (FORBIDDEN_SEGMENTS.has(key) || !Object.hasOwn(current, key)) return null;
      current = (current as Record<string, unknown>)[key];
    }
  }
  return current === undefined ? null : current;
}

/** How a value reads inside text: strings as they are, null and missing as nothing, objects and arrays as JSON. */
function textOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function copyOf(value: unknown): unknown {
  return value !== null && typeof value === 'object' ? structuredClone(value) : value;
}

function resolveAt(value: unknown, scope: unknown, path: string): unknown {
  if (typeof value === 'string') {
    if (isWholeReference(value)) return copyOf(readPath(scope, parseReference(value, path)));
    const parts = templateParts(value, path);
    if (parts.every((p) => typeof p === 'string')) return value;
    return parts.map((p) => (typeof p === 'string' ? p : textOf(readPath(scope, p)))).join('');
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveAt(v, scope, pointer(path, i)));
  if (value !== null && typeof value === 'object') {
    // fromEntries defines own properties: a key "__proto__" stays a key and never becomes a prototype.
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveAt(v, scope, pointer(path, k))]));
  }
  return value;
}

/**
 * A JSON value with every reference replaced by what it reads in `scope`, in one pass (a value that
 * came from a reference is never read as a reference again, so an event payload cannot reach other
 * data). A whole-string reference gives the value itself (a copy; null when the path leads nowhere);
 * an embedded one gives its text (null and missing as the empty string, objects and arrays as JSON).
 * Object keys stay as they are. Throws WORKFLOW_REFERENCE_INVALID for a reference a saved definition
 * could not hold.
 */
export function resolveValue(value: unknown, scope: RunScope | Readonly<Record<string, unknown>>): unknown {
  return resolveAt(value, scope, '');
}

// ---- Scope: which step may read what, checked when a definition is saved ----

/** One level of where a step sits: in which list (`root`, or a container's `then`/`else`/`steps`) and at which position. */
interface Level {
  readonly container: string | null;
  readonly branch: 'root' | 'then' | 'else' | 'steps';
  readonly index: number;
}

interface Place {
  readonly type: StepDefinition['type'];
  /** From the top level down to the step itself; a compensation step has its owner's. */
  readonly levels: readonly Level[];
  /** For a compensation step: the id of the step it undoes. */
  readonly compensates?: string;
}

interface Reader {
  readonly id: string;
  /** Steps that have finished before the reader on every path that reaches it. */
  readonly visible: ReadonlySet<string>;
  readonly inLoop: boolean;
  /** For the compensation of a step inside a for_each (it runs after the loop moved on): the loop, and the steps its step saw that it does not. */
  readonly undoesInLoop?: { readonly loop: string; readonly hidden: ReadonlySet<string> };
}

const NESTED_FIELDS: ReadonlySet<string> = new Set(['id', 'type', 'name', 'then', 'else', 'steps', 'compensate']);

function childLists(step: StepDefinition): Array<{ branch: 'then' | 'else' | 'steps'; steps: readonly StepDefinition[] }> {
  if (step.type === 'condition') return [{ branch: 'then' as const, steps: step.then }, ...(step.else ? [{ branch: 'else' as const, steps: step.else }] : [])];
  if (step.type === 'for_each') return [{ branch: 'steps', steps: step.steps }];
  return [];
}

function placeSteps(steps: readonly StepDefinition[], container: string | null, branch: Level['branch'], above: readonly Level[], out: Map<string, Place>): void {
  steps.forEach((step, index) => {
    const levels = [...above, { container, branch, index }];
    out.set(step.id, { type: step.type, levels });
    if (step.compensate) out.set(step.compensate.id, { type: step.compensate.type, levels, compensates: step.id });
    for (const list of childLists(step)) placeSteps(list.steps, step.id, list.branch, levels, out);
  });
}

type ScopeProblem = { readonly code: 'WORKFLOW_REFERENCE_CYCLE' | 'WORKFLOW_REFERENCE_OUT_OF_SCOPE' | 'WORKFLOW_REFERENCE_UNKNOWN'; readonly reason: string };

/** Why `reader` may not read the output of `target`, a step it cannot see. */
function whyHidden(target: string, readerId: string, places: ReadonlyMap<string, Place>): ScopeProblem {
  const place = places.get(target);
  if (!place) return { code: 'WORKFLOW_REFERENCE_UNKNOWN', reason: '' };
  if (target === readerId) return { code: 'WORKFLOW_REFERENCE_CYCLE', reason: 'that is its own output' };
  if (place.compensates !== undefined) {
    return { code: 'WORKFLOW_REFERENCE_OUT_OF_SCOPE', reason: `"${target}" is the compensation of "${place.compensates}": it runs only when the run fails, and no step reads its output` };
  }
  const reader = places.get(readerId)!;
  const r = reader.levels;
  const x = place.levels;
  let k = 0;
  while (k < r.length && k < x.length && r[k]!.container === x[k]!.container && r[k]!.branch === x[k]!.branch && r[k]!.index === x[k]!.index) k++;
  if (k === x.length) return { code: 'WORKFLOW_REFERENCE_CYCLE', reason: `"${target}" finishes only after the steps inside it, "${readerId}" among them` };
  if (k === r.length) {
    if (reader.compensates !== undefined) return { code: 'WORKFLOW_REFERENCE_OUT_OF_SCOPE', reason: `"${target}" runs inside "${reader.compensates}", once per branch or element; read $.steps.${reader.compensates}.output` };
    return { code: 'WORKFLOW_REFERENCE_CYCLE', reason: `"${target}" runs inside "${readerId}", so after "${readerId}" starts` };
  }
  if (r[k]!.branch !== x[k]!.branch) {
    return { code: 'WORKFLOW_REFERENCE_OUT_OF_SCOPE', reason: `"${target}" is in the ${x[k]!.branch} branch of condition "${x[k]!.container}" and "${readerId}" in its ${r[k]!.branch} branch: only one of them runs` };
  }
  if (x[k]!.index > r[k]!.index) return { code: 'WORKFLOW_REFERENCE_CYCLE', reason: `"${target}" runs after "${readerId}"` };
  // An earlier sibling at this level would be visible: the target is inside it.
  const inside = x[k + 1];
  if (!inside) return { code: 'WORKFLOW_REFERENCE_OUT_OF_SCOPE', reason: `"${target}" is not visible to "${readerId}"` };
  const container = inside.container!;
  if (places.get(container)!.type === 'for_each') {
    return { code: 'WORKFLOW_REFERENCE_OUT_OF_SCOPE', reason: `"${target}" runs inside for_each "${container}", once per element: only the steps of the same iteration read it; after the loop read $.steps.${container}.output` };
  }
  return { code: 'WORKFLOW_REFERENCE_OUT_OF_SCOPE', reason: `"${target}" runs only in the ${inside.branch} branch of condition "${container}", so it may not have run before "${readerId}"` };
}

function checkOne(found: FoundReference, reader: Reader, places: ReadonlyMap<string, Place>): void {
  const { reference, path } = found;
  const [root, id, output] = reference.segments;
  const ext = { path, reference: reference.text, step: reader.id };
  if (root === 'trigger' || root === 'vars' || root === 'run') return;
  const undo = reader.undoesInLoop;
  if (undo && (root === 'item' || root === 'index' || (root === 'steps' && undo.hidden.has(String(id))))) {
    const what = root === 'steps' ? `$.steps.${String(id)}` : `$.${root}`;
    throw E.WORKFLOW_REFERENCE_OUT_OF_SCOPE.with(
      ext,
      reader.id,
      reference.text,
      path,
      `it undoes a step inside for_each "${undo.loop}" and runs when the run fails, after the loop: it reads the output of the step it undoes and what was there before the loop, not ${what}`,
    );
  }
  if (root === 'item' || root === 'index') {
    if (!reader.inLoop) throw E.WORKFLOW_REFERENCE_OUT_OF_SCOPE.with(ext, reader.id, reference.text, path, `$.${root} is defined only for the steps inside a for_each`);
    return;
  }
  if (root !== 'steps') {
    throw E.WORKFLOW_REFERENCE_INVALID.with(ext, JSON.stringify(reference.text), path, `starts with "${String(root)}"; a reference starts with ${REFERENCE_ROOTS.map((r) => `$.${r}`).join(', ')}`);
  }
  if (typeof id !== 'string' || output !== 'output') {
    throw E.WORKFLOW_REFERENCE_INVALID.with(ext, JSON.stringify(reference.text), path, 'reads a step without its output; write $.steps.<id>.output, then the path inside the output');
  }
  if (reader.visible.has(id)) return;
  const problem = whyHidden(id, reader.id, places);
  if (problem.code === 'WORKFLOW_REFERENCE_UNKNOWN') throw E.WORKFLOW_REFERENCE_UNKNOWN.with(ext, reader.id, reference.text, path, id);
  throw E[problem.code].with(ext, reader.id, reference.text, path, problem.reason);
}

/** The references in a step's own fields (not in its nested steps); a condition's `if` keys are paths too. */
function* ownReferences(step: StepDefinition, path: string): Generator<FoundReference> {
  for (const [field, value] of Object.entries(step)) {
    if (NESTED_FIELDS.has(field)) continue;
    if (field === 'if' && value !== null && typeof value === 'object') {
      for (const [key, condition] of Object.entries(value)) {
        const at = pointer(path, 'if', key);
        yield { path: at, reference: parseReference(key, at), embedded: false };
        yield* findReferences(condition, at);
      }
    } else {
      yield* findReferences(value, pointer(path, field));
    }
  }
}

/** Where a list of steps sits: set once inside a for_each, to that outermost loop and what was visible before it. */
interface Loop {
  readonly id: string;
  readonly before: ReadonlySet<string>;
}

function checkList(steps: readonly StepDefinition[], path: string, outer: ReadonlySet<string>, loop: Loop | undefined, places: ReadonlyMap<string, Place>): void {
  const visible = new Set(outer);
  steps.forEach((step, i) => {
    const at = pointer(path, i);
    for (const found of ownReferences(step, at)) checkOne(found, { id: step.id, visible, inLoop: loop !== undefined }, places);
    if (step.compensate) {
      // Compensations run when the run fails, in the run's scope: an iteration's item and steps are gone by then.
      const sees = new Set([...(loop?.before ?? visible), step.id]);
      const hidden = new Set([...visible].filter((v) => !sees.has(v)));
      const undo = { id: step.compensate.id, visible: sees, inLoop: false, undoesInLoop: loop && { loop: loop.id, hidden } };
      for (const found of ownReferences(step.compensate, pointer(at, 'compensate'))) checkOne(found, undo, places);
    }
    const inner = loop ?? (step.type === 'for_each' ? { id: step.id, before: new Set(visible) } : undefined);
    for (const list of childLists(step)) checkList(list.steps, pointer(at, list.branch), visible, inner, places);
    visible.add(step.id);
  });
}

/**
 * Checks every reference of a definition whose shape is valid (validateDefinition calls it) against the
 * scope rules, and throws the first problem. A step reads `$.trigger`, `$.run`, `$.vars` and the output
 * of steps that have finished before it on every path that reaches it: its earlier siblings and the
 * earlier siblings of its ancestors (so inside a for_each, earlier steps of the same iteration). Not
 * the steps inside a finished for_each or condition branch, nor the other branch, nor later steps, nor
 * its own or its container's output. `$.item` and `$.index` only inside a for_each (the innermost one's).
 * A compensation step sees what the step it undoes saw, and that step's output; for a step inside a
 * for_each, only what was visible before the (outermost) loop, since it runs in the run's scope after
 * the loop moved on (no `$.item`, no other step of the iteration).
 */
export function checkReferences(definition: WorkflowDefinition): void {
  const places = new Map<string, Place>();
  placeSteps(definition.steps, null, 'root', [], places);
  checkList(definition.steps, '/steps', new Set(), undefined, places);
}
