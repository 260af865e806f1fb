/** The plan every new account opens on, and the one a cancelled subscription returns to; it cannot be deactivated. */
export const DEFAULT_PLAN_ID = 'free';
