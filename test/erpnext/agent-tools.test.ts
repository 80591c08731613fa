import t from 'tap';
import { erpnextAgentToolsRef } from '@dogan/plugin-erpnext';
import { withEngine } from '../helpers/engines.js';
import { startFrappeSite } from '../simulators/frappe/index.js';
import { connect, createTenant, startErpnextKernel } from './helpers.js';

void withEngine(t, "agents' ERPNext tools run through the calling tenant's connection; submit and cancel need approval", 'sqlite', async (t, engine) => {
  const { kernel, app } = await startErpnextKernel(t, engine);
  const site = await startFrappeSite();
  const otherSite = await startFrappeSite();
  t.teardown(() => Promise.all([site.close(), otherSite.close()]));
  const acme = await createTenant(app, 'acme');
  const globex = await createTenant(app, 'globex');
  await connect(app, acme, site);
  await connect(app, globex, otherSite);
  const { tools } = kernel.host.service(erpnextAgentToolsRef);
  const byName = new Map(tools.map((tool) => [tool.name, tool]));

  t.same(
    tools.map((tool) => [tool.name, tool.risky]),
    [
      ['erpnext_list_documents', false],
      ['erpnext_get_document', false],
      ['erpnext_create_document', false],
      ['erpnext_update_document', false],
      ['erpnext_submit_document', true],
      ['erpnext_cancel_document', true],
    ],
    'six tools; submit and cancel are marked risky for the approval gate',
  );
  for (const tool of tools) {
    t.equal(tool.inputSchema.type, 'object', `${tool.name} has an object schema`);
    t.ok(tool.description.en.length > 10 && /[\u0600-\u06FF]/.test(tool.description.ar), `${tool.name} is described in English and Arabic`);
  }

  const created = (await byName.get('erpnext_create_document')!.run({ tenantId: acme.id }, { doctype: 'ToDo', doc: { description: 'Prepare the quote' } })) as { name: string };
  t.ok(site.document('ToDo', created.name), "the document is in acme's site");
  const listed = (await byName.get('erpnext_list_documents')!.run({ tenantId: acme.id }, { doctype: 'ToDo', query: { fields: ['name', 'description'] } })) as unknown[];
  t.same(listed, [{ name: created.name, description: 'Prepare the quote' }]);
  const fromGlobex = (await byName.get('erpnext_list_documents')!.run({ tenantId: globex.id }, { doctype: 'ToDo' })) as unknown[];
  t.same(fromGlobex, [], "the same tool for globex reads globex's site");
  await t.rejects(byName.get('erpnext_get_document')!.run({ tenantId: globex.id }, { doctype: 'ToDo', name: created.name }), { code: 'ERPNEXT_NOT_FOUND' }, "and cannot reach acme's document");
  await t.rejects(byName.get('erpnext_get_document')!.run({ tenantId: acme.id }, { doctype: 'ToDo' }), { code: 'ERPNEXT_REQUEST_INVALID' }, 'input is checked');
});
