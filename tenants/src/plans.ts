/**
 * The original system's plans and their limits, until the billing plugin owns plans as data.
 * `null` means unlimited.
 */
export interface PlanLimits {
  readonly agents: number | null;
  readonly workflows: number | null;
  readonly apiCallsPerMonth: number | null;
  readonly storageGb: number | null;
}

export const PLAN_LIMITS: Readonly<Record<string, PlanLimits>> = {
  starter: { agents: 5, workflows: 10, apiCallsPerMonth: 10_000, storageGb: 10 },
  professional: { agents: 20, workflows: 50, apiCallsPerMonth: 100_000, storageGb: 50 },
  enterprise: { agents: null, workflows: null, apiCallsPerMonth: null, storageGb: 500 },
};

export const PLAN_NAMES = Object.keys(PLAN_LIMITS);
