import assert from 'node:assert/strict';
import { defineModuleTests } from '@dogan/sdk/testing';

interface Note {
  id: string;
  text: string;
  createdAt: string;
}

export default defineModuleTests({
  async 'a note is stored with its id and answered with 201'(t) {
    const res = await t.request('POST', '/notes', { body: { text: 'اجتماع الفريق الساعة ١٠' } });
    assert.equal(res.status, 201);
    const note = res.body as Note;
    assert.equal(note.text, 'اجتماع الفريق الساعة ١٠');
    assert.match(note.id, /^[A-Za-z0-9_-]{1,64}$/);
    assert.ok(!Number.isNaN(Date.parse(note.createdAt)), 'createdAt is a timestamp');
  },

  async 'notes are listed newest first'(t) {
    for (const text of ['first', 'second', 'third']) {
      assert.equal((await t.request('POST', '/notes', { body: { text } })).status, 201);
      await new Promise((resolve) => setTimeout(resolve, 5)); // distinct createdAt values
    }
    const res = await t.request('GET', '/notes');
    assert.equal(res.status, 200);
    assert.deepEqual((res.body as { notes: Note[] }).notes.map((n) => n.text), ['third', 'second', 'first']);
  },

  async 'an empty tenant has no notes'(t) {
    const res = await t.request('GET', '/notes');
    assert.deepEqual(res.body, { notes: [] });
  },

  async 'a missing, blank or too long text is refused with 400'(t) {
    for (const body of [{}, { text: '' }, { text: '   ' }, { text: 42 }, { text: 'x'.repeat(2001) }]) {
      const res = await t.request('POST', '/notes', { body });
      assert.equal(res.status, 400, JSON.stringify(body).slice(0, 40));
    }
    assert.deepEqual((await t.request('GET', '/notes')).body, { notes: [] }, 'nothing was stored');
  },

  async 'other methods get the platform 404'(t) {
    const res = await t.request('DELETE', '/notes');
    assert.equal(res.status, 404);
    assert.equal((res.body as { code: string }).code, 'MODULE_ROUTE_NOT_FOUND');
  },
});
