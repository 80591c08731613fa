import type { Tenant } from '@dogan/tenants';
import type { StepRecord } from '../step-store.js';
import type { TaskRecord } from '../task-store.js';
import type { ModelMessage, ModelToolCall, RunnerAgent } from './ports.js';

/** Who the agent is and how it works. Settings and secrets never enter a prompt: only the agent's own profile does. */
export function systemPrompt(agent: RunnerAgent, tenant: Tenant): string {
  return [
    `You are ${agent.nameEn} (${agent.nameAr}), ${agent.title}${agent.department ? ` in ${agent.department}` : ''} at ${tenant.name}.`,
    agent.goal ? `Your goal: ${agent.goal}` : '',
    agent.persona ? `How you work: ${agent.persona}` : '',
    `Answer in ${tenant.locale === 'ar' ? 'Arabic' : 'English'} unless the task asks otherwise. Use the tools you are given; when the task is done, answer with the result and no tool call.`,
  ]
    .filter(Boolean)
    .join('\n');
}

/** The task as the model first reads it. */
function taskMessage(task: TaskRecord): string {
  const input = Object.keys(task.input).length > 0 ? `\n\nInput:\n${JSON.stringify(task.input)}` : '';
  return `Task: ${task.title}\n\n${task.description}${input}`;
}

/**
 * The conversation so far, rebuilt from the trace: each model answer, then the result of each of its
 * tool calls. A call whose step is not finished gets no result yet (the runner finishes it first).
 */
export function conversationOf(task: TaskRecord, steps: StepRecord[]): ModelMessage[] {
  const messages: ModelMessage[] = [{ role: 'user', content: taskMessage(task) }];
  for (const step of steps) {
    if (step.kind !== 'llm' || step.data.rules) continue;
    const calls = step.data.toolCalls as ModelToolCall[];
    messages.push({ role: 'assistant', content: String(step.data.text ?? ''), ...(calls.length > 0 ? { toolCalls: calls } : {}) });
    for (const call of calls) {
      const done = steps.find((s) => s.kind === 'tool' && s.callId === call.id && s.seq > step.seq && (s.status === 'done' || s.status === 'failed'));
      if (done) messages.push({ role: 'tool', toolCallId: call.id, name: call.name, content: JSON.stringify(done.result ?? null) });
    }
  }
  return messages;
}
