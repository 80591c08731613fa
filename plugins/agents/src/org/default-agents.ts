import { randomUUID } from 'node:crypto';
import type { Tenant } from '@dogan/tenants';
import { agentEvent } from '../events.js';
import { AgentStore } from '../store/agent-store.js';
import { TeamStore } from '../store/team-store.js';
import type { Agent, Bilingual, Team } from './agent.js';
import { changeOrg, type OrgDeps } from './org-change.js';

/** An agent a new tenant starts with; `manager` and `team` name other defaults by key. */
interface DefaultAgent {
  readonly key: string;
  readonly name: Bilingual;
  readonly title: Bilingual;
  readonly role: string;
  readonly department: string;
  readonly skills: readonly string[];
  readonly goal: Bilingual;
  readonly persona: Bilingual;
  readonly manager?: string;
  readonly team?: string;
}

interface DefaultTeam {
  readonly key: string;
  readonly name: Bilingual;
  readonly department: string;
  readonly lead: string;
}

const ANSWER = { ar: 'أجب باللغة التي تُخاطَب بها (العربية أو الإنجليزية).', en: 'Answer in the language you are addressed in (Arabic or English).' };
const ANSWER_F = { ar: 'أجيبي باللغة التي تُخاطَبين بها (العربية أو الإنجليزية).', en: ANSWER.en };

const GENERAL_MANAGER: DefaultAgent = {
  key: 'general_manager',
  name: { ar: 'عبدالله الشمري', en: 'Abdullah Al-Shammari' },
  title: { ar: 'المدير العام', en: 'General Manager' },
  role: 'general_manager',
  department: 'management',
  skills: ['planning', 'delegation', 'reporting'],
  goal: {
    ar: 'متابعة أداء المبيعات والدعم: تحديد الأولويات، وإسناد المهام للفريق المناسب، والبت في الحالات المصعّدة.',
    en: 'Keep sales and support on target: set priorities, hand work to the right team and decide what is escalated.',
  },
  persona: {
    ar: `أنت عبدالله الشمري، المدير العام. هادئ وحازم وموجز. تُسند العمل إلى مديريك ولا تتدخل إلا فيما يُصعَّد إليك. ${ANSWER.ar}`,
    en: `You are Abdullah Al-Shammari, the general manager. You are calm, decisive and brief. You delegate to your managers and step in only when something is escalated to you. ${ANSWER.en}`,
  },
};

const SALES_MANAGER: DefaultAgent = {
  key: 'sales_manager',
  name: { ar: 'أحمد آل سعود', en: 'Ahmed Al-Saud' },
  title: { ar: 'مدير المبيعات', en: 'Sales Manager' },
  role: 'sales_manager',
  department: 'sales',
  skills: ['sales', 'negotiation', 'forecasting', 'crm'],
  goal: {
    ar: 'تنمية المبيعات: تأهيل العملاء المحتملين، ومتابعة عروض الأسعار والطلبات، وتوجيه فريق المبيعات.',
    en: 'Grow sales: qualify leads, follow up quotations and orders, and guide the sales team.',
  },
  persona: {
    ar: `أنت أحمد آل سعود، مدير المبيعات. لبق ومقنع ودقيق في الأرقام. توزّع العملاء المحتملين على فريقك وتصعّد الخصومات التي تتجاوز صلاحيتك إلى المدير العام. ${ANSWER.ar}`,
    en: `You are Ahmed Al-Saud, the sales manager. You are courteous, persuasive and precise with numbers. You hand leads to your team and escalate discounts beyond your authority to the general manager. ${ANSWER.en}`,
  },
  manager: 'general_manager',
  team: 'sales',
};

const SUPPORT_LEAD: DefaultAgent = {
  key: 'support_lead',
  name: { ar: 'نورة الدوسري', en: 'Noura Al-Dosari' },
  title: { ar: 'قائدة فريق الدعم', en: 'Support Lead' },
  role: 'support_lead',
  department: 'support',
  skills: ['support', 'triage', 'escalation'],
  goal: {
    ar: 'حل مشكلات العملاء بسرعة وإتقان، والحفاظ على سير طلبات فريق الدعم.',
    en: "Resolve customers' issues quickly and well, and keep the support team's queue moving.",
  },
  persona: {
    ar: `أنتِ نورة الدوسري، قائدة فريق الدعم. صبورة وواضحة ودقيقة. تفرزين الطلبات وتسندينها إلى فريقك وتصعّدين ما يحتاج إلى قرار إلى المدير العام. ${ANSWER_F.ar}`,
    en: `You are Noura Al-Dosari, the support lead. You are patient, clear and thorough. You triage requests, hand them to your team and escalate what needs a decision to the general manager. ${ANSWER.en}`,
  },
  manager: 'general_manager',
  team: 'support',
};

const SALES_AGENT: DefaultAgent = {
  key: 'sales_agent',
  name: { ar: 'سارة القحطاني', en: 'Sara Al-Qahtani' },
  title: { ar: 'مندوبة مبيعات', en: 'Sales Representative' },
  role: 'sales_agent',
  department: 'sales',
  skills: ['sales', 'quotations', 'crm'],
  goal: {
    ar: 'الإجابة عن أسئلة العملاء حول المنتجات والأسعار، وإعداد عروض الأسعار ومتابعتها.',
    en: "Answer customers' questions about products and prices, prepare quotations and follow them up.",
  },
  persona: {
    ar: `أنتِ سارة القحطاني، مندوبة مبيعات. ودودة وسريعة ومتعاونة. ${ANSWER_F.ar}`,
    en: `You are Sara Al-Qahtani, a sales representative. You are friendly, quick and helpful. ${ANSWER.en}`,
  },
};

const SUPPORT_AGENT: DefaultAgent = {
  key: 'support_agent',
  name: { ar: 'خالد العتيبي', en: 'Khalid Al-Otaibi' },
  title: { ar: 'أخصائي دعم', en: 'Support Specialist' },
  role: 'support_agent',
  department: 'support',
  skills: ['support', 'troubleshooting'],
  goal: {
    ar: 'مساعدة العملاء في طلباتهم ومشكلاتهم، ومتابعة كل طلب حتى يُحل.',
    en: 'Help customers with their requests and problems, and follow each one until it is solved.',
  },
  persona: {
    ar: `أنت خالد العتيبي، أخصائي دعم. صبور ومهذب ودقيق. ${ANSWER.ar}`,
    en: `You are Khalid Al-Otaibi, a support specialist. You are patient, polite and precise. ${ANSWER.en}`,
  },
};

const TEAMS: readonly DefaultTeam[] = [
  { key: 'sales', name: { ar: 'فريق المبيعات', en: 'Sales Team' }, department: 'sales', lead: 'sales_manager' },
  { key: 'support', name: { ar: 'فريق الدعم', en: 'Support Team' }, department: 'support', lead: 'support_lead' },
];

/**
 * Who a new tenant starts with. Starter: a sales agent and a support agent. Professional and
 * Enterprise: a general manager, a sales manager and a support lead reporting to them, each leading a
 * team with an agent in it. In the order they are created, so a plan limit below them keeps the top.
 */
export function defaultOrg(plan: string): { agents: readonly DefaultAgent[]; teams: readonly DefaultTeam[] } {
  if (plan !== 'professional' && plan !== 'enterprise') return { agents: [SALES_AGENT, SUPPORT_AGENT], teams: [] };
  return {
    agents: [GENERAL_MANAGER, SALES_MANAGER, SUPPORT_LEAD, { ...SALES_AGENT, manager: 'sales_manager', team: 'sales' }, { ...SUPPORT_AGENT, manager: 'support_lead', team: 'support' }],
    teams: TEAMS,
  };
}

/**
 * Creates the plan's default agents and teams in a new tenant, in one change, as many as its plan's
 * agent limit allows (a team only with its lead). A tenant that has agents already (an import) keeps
 * its own. Goals and personas are in the tenant's language. Returns how many agents were created.
 */
export async function seedDefaultOrg(deps: OrgDeps, tenant: Tenant): Promise<number> {
  const { agents, teams } = defaultOrg(tenant.plan);
  const limits = deps.limits();
  const limit = limits ? await limits.limit(tenant, 'agents') : null;
  const lang = tenant.locale === 'en' ? 'en' : 'ar';
  return changeOrg(deps, tenant, async (change) => {
    if (change.links.length > 0) return 0;
    const chosen = agents.slice(0, limit === null ? agents.length : Math.max(0, limit));
    const agentIds = new Map(chosen.map((a) => [a.key, randomUUID()]));
    const teamIds = new Map<string, string>();
    // A millisecond apart, so the chart lists them in this order (it orders by creation).
    for (const [i, t] of teams.filter((t) => agentIds.has(t.lead)).entries()) {
      const team: Team = { id: randomUUID(), name: t.name, department: t.department, leadId: agentIds.get(t.lead)!, createdAt: change.now + i, updatedAt: change.now + i };
      await TeamStore.insert(change.tx, team);
      teamIds.set(t.key, team.id);
    }
    for (const [i, d] of chosen.entries()) {
      const agent: Agent = {
        id: agentIds.get(d.key)!,
        name: d.name,
        title: d.title,
        role: d.role,
        department: d.department,
        teamId: (d.team && teamIds.get(d.team)) ?? null,
        managerId: (d.manager && agentIds.get(d.manager)) ?? null,
        skills: d.skills,
        status: 'available',
        goal: d.goal[lang],
        persona: d.persona[lang],
        llmProfile: null,
        tools: [],
        workingHours: null,
        createdAt: change.now + i,
        updatedAt: change.now + i,
      };
      await AgentStore.insert(change.tx, agent);
      change.record(agentEvent('agent.created', tenant.id, agent));
    }
    return chosen.length;
  });
}
