import { defineModule, storage, type ModuleResponse } from 'dogan:module';

/** The schema in manifest.json allows 1 to 2000 characters; checking here gives a 400, not a 502. */
const MAX_TEXT = 2000;

// A type alias, not an interface: only aliases are assignable to JSON values, which bodies must be.
type Note = { text: string; createdAt: string };

function problem(status: number, detail: string): ModuleResponse {
  return { status, body: { error: detail } };
}

export default defineModule({
  routes: {
    /** `POST /notes` with `{ "text": "..." }`: 201 and the stored note, with its `id`. */
    async createNote(request) {
      const text = (request.body as { text?: unknown } | null)?.text;
      if (typeof text !== 'string' || text.trim().length === 0) return problem(400, 'text is required');
      if (text.length > MAX_TEXT) return problem(400, `text is longer than ${MAX_TEXT} characters`);
      const note = await storage.insert<Note>('notes', { text, createdAt: new Date().toISOString() });
      return { status: 201, body: note };
    },
    /** `GET /notes`: `{ "notes": [...] }`, the 50 newest first. */
    async listNotes() {
      const page = await storage.query<Note>('notes', { sort: '-createdAt', limit: 50 });
      return { status: 200, body: { notes: page.items } };
    },
  },
});
