import type { ScriptedReply } from './types.js';

/**
 * What the model will say next. Marker replies come first so that agents running at the same time
 * each get their own answer whatever order their requests arrive in; the plain queue serves the rest.
 * A marker whose replies are used up stops matching and the request falls through to the queue.
 */
export class ScriptBook {
  private readonly queue: ScriptedReply[] = [];
  private readonly markers: Array<{ when: string; replies: ScriptedReply[] }> = [];

  push(replies: ScriptedReply[]): void {
    this.queue.push(...replies);
  }

  on(when: string, replies: ScriptedReply[]): void {
    if (!when) throw new Error('LLM simulator: on() needs a non-empty marker');
    const existing = this.markers.find((m) => m.when === when);
    if (existing) existing.replies.push(...replies);
    else this.markers.push({ when, replies: [...replies] });
  }

  /** Takes the reply for a request whose last user/tool message is `lastMessage`, or undefined when none is left. */
  take(lastMessage: string): ScriptedReply | undefined {
    // Registration order decides between two markers that both match.
    const marker = this.markers.find((m) => m.replies.length > 0 && lastMessage.includes(m.when));
    return marker ? marker.replies.shift() : this.queue.shift();
  }
}
