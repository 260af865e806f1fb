import type { Reservation } from '../../account/contract/rpc';
import { iso } from './ledger';

export function presentReservation(h: Reservation) {
  return {
    id: h.id,
    agent: h.agent,
    model: h.model,
    estimated_tokens: h.tokens,
    status: h.status,
    created_at: iso(h.createdAt),
    expires_at: iso(h.expiresAt),
    settled_at: h.settledAt === null ? null : iso(h.settledAt),
    project_id: h.projectId,
  };
}
