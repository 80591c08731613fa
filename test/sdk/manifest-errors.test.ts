import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { validateManifest } from '@dogan/module-manifest';
import { readModuleManifest } from '@dogan/sdk';
import { moduleTemplate } from '../../sdk/src/cli/templates/module-template.js';
import { jsonErrorOffset } from '../../sdk/manifest/src/json-error-location.js';
import { manifestFor } from '../registry/helpers/releases.js';

/**
 * Regressions in what an author reads when a manifest is wrong: invalid JSON was reported by
 * character offset, not line and column; a bad permission kind did not list the accepted kinds; and
 * an `emit` pattern outside the module's own id was accepted, so a module could announce another
 * module's events or the platform's (`tenant.deleted`).
 */

function manifestDir(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'dogan-manifest-'));
  writeFileSync(join(dir, 'manifest.json'), text);
  return dir;
}

function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  return '(nothing thrown)';
}

t.test('invalid JSON is reported by line and column, with the line itself', async (t) => {
  const missingComma = '{\n  "id": "acme.notes",\n  "version": "0.1.0"\n  "engine": "^0.1.0"\n}\n';
  const message = thrown(() => readModuleManifest(manifestDir(missingComma)));
  t.match(message, /manifest\.json:4:3: is not valid JSON: Expected ',' or '}' after property value/);
  t.match(message, /4 \| {3}"engine": "\^0\.1\.0"\n\s+\| {3}\^/, 'the line is quoted with a caret under the column');
  t.notMatch(message, /position/, 'no character offset');

  const comment = '{\n  "id": "acme.notes",\n  // the version\n  "version": "0.1.0"\n}\n';
  t.match(thrown(() => readModuleManifest(manifestDir(comment))), /manifest\.json:3:3: is not valid JSON: Expected double-quoted property name/);
  const truncated = '{\n  "id": "acme.notes",\n  "version": "0.1';
  t.match(thrown(() => readModuleManifest(manifestDir(truncated))), /manifest\.json:3:18: is not valid JSON: Unterminated string\n/);
  // V8 names no position for an unexpected token, such as the bracket after a trailing comma in an array.
  const trailingInArray = '{\n  "id": "acme.notes",\n  "collections": [\n    {},\n  ]\n}\n';
  const unexpected = thrown(() => readModuleManifest(manifestDir(trailingInArray)));
  t.match(unexpected, /manifest\.json:5:3: is not valid JSON: Unexpected token '\]'\n/);
  t.notMatch(unexpected, /is not valid JSON\n[\s\S]*is not valid JSON/, "V8's quote of the whole text is left out");
  const trailing = '{\n  "id": "acme.notes",\n}';
  t.match(thrown(() => readModuleManifest(manifestDir(trailing))), /manifest\.json:3:1: is not valid JSON/);
  t.match(thrown(() => readModuleManifest(manifestDir(''))), /manifest\.json:1:1: is not valid JSON: Unexpected end of JSON input/);
});

t.test("the scanner agrees with JSON.parse on every one-character typo of the generated manifest", async (t) => {
  const text = moduleTemplate('acme.notes')['manifest.json']!;
  let checked = 0;
  let unexpectedTokens = 0;
  for (let i = 0; i <= text.length; i++) {
    const typos = [text.slice(0, i) + text.slice(i + 1), ...[',', '}', ']', '"', 'x', '/', '\\', ':', '1', '{'].map((c) => text.slice(0, i) + c + text.slice(i))];
    for (const typo of typos) {
      let message: string | undefined;
      try {
        JSON.parse(typo);
      } catch (err) {
        message = (err as Error).message;
      }
      const offset = jsonErrorOffset(typo);
      if ((message === undefined) !== (offset === undefined)) t.fail(`valid to one, not the other: ${JSON.stringify(typo)}`);
      // Where V8 names the token but no position, the offset must be that token's.
      const token = message && /^Unexpected token '([\s\S])'/.exec(message);
      if (token && offset !== undefined) {
        unexpectedTokens++;
        if (typo[offset] !== token[1]) t.fail(`offset ${offset} is not at '${token[1]}' in ${JSON.stringify(typo)}`);
      }
      checked++;
    }
  }
  t.ok(unexpectedTokens > 100, `${checked} typos checked, ${unexpectedTokens} without a position from V8`);
});

t.test('a permission kind the platform does not know lists the accepted kinds', async (t) => {
  const m = manifestFor('acme.notes', '1.0.0') as unknown as { permissions: Array<Record<string, unknown>> };
  m.permissions[0]!.kind = 'storag';
  const result = validateManifest(m);
  t.notOk(result.ok);
  if (result.ok) return;
  t.same(result.problems, [{ field: 'permissions[0].kind', message: 'must be one of: storage, http, events, schedules, agent-tools, erpnext, email (got "storag")' }]);
  const pricing = validateManifest({ ...m, pricing: { model: 'barter' } });
  t.match(pricing.ok ? [] : pricing.problems, [{ field: 'pricing.model', message: /must be one of: free, one_time, subscription, per_use/ }], 'the same for every tagged field');
});

const events = (emit: string[], id = 'acme.notes') =>
  manifestFor(id, '1.0.0', {
    permissions: [
      { name: 'data', kind: 'storage', required: true, description: { en: 'a', ar: 'b' } },
      { name: 'announce', kind: 'events', required: true, description: { en: 'a', ar: 'b' }, emit },
    ],
  });

t.test('a module may emit only under its own id', async (t) => {
  const result = validateManifest(events(['acme.notes.created', 'tenant.deleted', 'acme.tasks.done', 'billing.*', 'acme.*', 'acme.notes', 'acme.notes.*']));
  t.notOk(result.ok);
  if (result.ok) return;
  t.same(
    result.problems.map((p) => p.field),
    ['permissions[1].emit[1]', 'permissions[1].emit[2]', 'permissions[1].emit[3]', 'permissions[1].emit[4]', 'permissions[1].emit[5]'],
  );
  t.match(result.problems[0]!.message, /must start with "acme\.notes\."; "tenant\.deleted" is not this module's/);
  t.ok(validateManifest(events(['acme.my-notes.saved', 'acme.my-notes.*'], 'acme.my-notes')).ok, 'ids with dashes have a namespace too');
});

t.test('subscribing to platform events and other modules events stays allowed', async (t) => {
  const m = { ...events(['acme.notes.*']), events: [{ event: 'tenant.deleted', handler: 'a' }, { event: 'acme.tasks.done', handler: 'b' }, { event: 'big-co.crm.contact_added', handler: 'c' }] };
  const result = validateManifest(m);
  t.ok(result.ok, result.ok ? 'valid' : JSON.stringify(result.problems));
});

t.test("a module id cannot take a platform event namespace as its publisher", async (t) => {
  for (const id of ['tenant.notes', 'billing.invoices', 'platform.tools']) {
    const result = validateManifest(manifestFor(id, '1.0.0'));
    t.match(result.ok ? [] : result.problems, [{ field: 'id', message: /platform/ }], id);
  }
});
