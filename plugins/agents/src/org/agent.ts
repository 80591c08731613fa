/**
 * What the org chart is made of: employee agents ("أحمد آل سعود", Sales Manager) and the teams they
 * work in. Records as the store holds them; the HTTP views and events show them.
 */

/** A text shown in both of the platform's languages. */
export interface Bilingual {
  readonly ar: string;
  readonly en: string;
}

export const AGENT_STATUSES = ['available', 'busy', 'away', 'offline'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/** ISO weekday: 1 = Monday ... 7 = Sunday, as the KSA plugin counts them. */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** One stretch of work on one weekday, `HH:mm` in the agent's zone; `end` may be `24:00`. */
export interface WorkingWindow {
  readonly day: IsoWeekday;
  readonly start: string;
  readonly end: string;
}

/** An agent's own weekly hours (null on the agent: the tenant's business calendar). */
export interface WorkingHours {
  /** IANA zone the hours are read in; null: the tenant's. */
  readonly timezone: string | null;
  /** The windows worked, Sunday first, each day's in order; a day without one is off. */
  readonly days: readonly WorkingWindow[];
}

/** Working hours as a request gives them: checked and ordered by `checkWorkingHours`. */
export interface WorkingHoursInput {
  readonly timezone?: string | null;
  readonly days: ReadonlyArray<{ readonly day: number; readonly start: string; readonly end: string }>;
}

export interface Agent {
  readonly id: string;
  readonly name: Bilingual;
  /** The job title: `{ ar: 'مدير المبيعات', en: 'Sales Manager' }`. */
  readonly title: Bilingual;
  /** A key for what the agent does: `sales_manager`. */
  readonly role: string;
  /** A key of the department: `sales`. */
  readonly department: string;
  readonly teamId: string | null;
  readonly managerId: string | null;
  /** Lower-case words, in the order given: `negotiation`, `crm`. */
  readonly skills: readonly string[];
  readonly status: AgentStatus;
  readonly goal: string;
  /** How the agent presents itself and behaves: the LLM's system persona. */
  readonly persona: string;
  /** The name of the LLM profile it thinks with; null: the tenant's default. */
  readonly llmProfile: string | null;
  /** The tools (AgentTool names) it may use. */
  readonly tools: readonly string[];
  readonly workingHours: WorkingHours | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface Team {
  readonly id: string;
  readonly name: Bilingual;
  readonly department: string;
  readonly leadId: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** What creating an agent takes; what is left out gets its default. */
export interface AgentInput {
  name: Bilingual;
  title: Bilingual;
  role: string;
  department: string;
  team?: string | null;
  manager?: string | null;
  skills?: string[];
  status?: AgentStatus;
  goal?: string;
  persona?: string;
  llmProfile?: string | null;
  tools?: string[];
  workingHours?: WorkingHoursInput | null;
}

/** A partial change: what is left out stays; `null` clears a link (`manager`, `team`) or a setting. */
export interface AgentChanges {
  name?: Partial<Bilingual>;
  title?: Partial<Bilingual>;
  role?: string;
  department?: string;
  team?: string | null;
  manager?: string | null;
  skills?: string[];
  status?: AgentStatus;
  goal?: string;
  persona?: string;
  llmProfile?: string | null;
  tools?: string[];
  workingHours?: WorkingHoursInput | null;
}

export interface TeamInput {
  name: Bilingual;
  department: string;
  lead?: string | null;
}

export interface TeamChanges {
  name?: Partial<Bilingual>;
  department?: string;
  lead?: string | null;
}

/** Filters of the agent list; each one given must match. */
export interface AgentFilter {
  department?: string;
  team?: string;
  status?: AgentStatus;
  role?: string;
  skill?: string;
}
