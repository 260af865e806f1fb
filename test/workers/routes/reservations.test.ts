import { env, runDurableObjectAlarm } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { accountStub, auditOf, balanceOf, call, newUserId, postUsage, setClock } from '../../support/helpers';
import { newProject } from '../../support/projectHelpers';

function service(path: string, init: { method?: string; body?: unknown; key?: string | null } = {}) {
  const headers: Record<string, string> = {
    Authorization: `Bearer ${env.SERVICE_TOKEN}`,
    'Content-Type': 'application/json',
  };
  if (init.key !== null) headers['Idempotency-Key'] = init.key ?? crypto.randomUUID();
  return call(path, {
    method: init.method ?? 'POST',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

const reserve = (user: string, body: unknown, key?: string) =>
  service(`/api/v1/service/users/${user}/reservations`, { body, key });
const commit = (user: string, id: number, body: unknown) =>
  service(`/api/v1/service/users/${user}/reservations/${id}/commit`, { body });
const release = (user: string, id: number) => service(`/api/v1/service/users/${user}/reservations/${id}/release`, {});

const reserveBody = (tokens: number, agent = 'code') => ({ agent, model: 'sonnet', estimated_tokens: tokens });

async function expectAudit(user: string) {
  const audit = await auditOf(user);
  expect(audit.problems).toEqual([]);
}

describe('reservations', () => {
  it('hold tokens without a ledger row: the balance shows them held and spendable no more', async () => {
    const user = newUserId('hold');
    const response = await reserve(user, reserveBody(4_000));
    expect(response.status).toBe(201);
    const { reservation } = await response.json<any>();
    expect(reservation).toMatchObject({ agent: 'code', model: 'sonnet', estimated_tokens: 4_000, status: 'open' });
    expect(response.headers.get('X-Tokens-Remaining')).toBe('6000');
    expect(response.headers.get('X-Requests-Today')).toBe('1');
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 6_000, held_tokens: 4_000, total_requests: 1 });
    const open = await service(`/api/v1/service/users/${user}/reservations`, { method: 'GET', key: null });
    expect((await open.json<any>()).reservations).toHaveLength(1);
    // A usage record cannot spend what is held.
    const usage = await postUsage(user, { agent: 'code', model: 'sonnet', input_tokens: 6_001, output_tokens: 0 });
    expect(usage.status).toBe(402);
    await expectAudit(user);
  });

  it('50 concurrent reservations against a balance that covers 20: exactly 20 are held', async () => {
    const user = newUserId('race');
    const answers = await Promise.all(Array.from({ length: 50 }, () => reserve(user, reserveBody(500))));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(20);
    expect(statuses.filter((s) => s === 402)).toHaveLength(30);
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 0, held_tokens: 10_000 });
    await expectAudit(user);
  });

  it('a commit below the hold charges the actual usage and releases the rest', async () => {
    const user = newUserId('below');
    const { reservation } = await (await reserve(user, reserveBody(5_000))).json<any>();
    const response = await commit(user, reservation.id, { input_tokens: 1_200, output_tokens: 1_300 });
    expect(response.status).toBe(200);
    const body = await response.json<any>();
    expect(body).toMatchObject({
      tokens_charged: 2_500,
      remaining_tokens: 7_500,
      agent_type: 'code',
      model_used: 'sonnet',
      uncovered_tokens: 0,
      reservation: { status: 'committed' },
      replayed: false,
    });
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 7_500, held_tokens: 0, total_requests: 1 });
    // The same commit again answers the first; other usage for the settled reservation is refused.
    const again = await commit(user, reservation.id, { input_tokens: 1_200, output_tokens: 1_300 });
    expect(await again.json<any>()).toMatchObject({ transaction_id: body.transaction_id, replayed: true });
    expect((await commit(user, reservation.id, { input_tokens: 1, output_tokens: 1 })).status).toBe(409);
    expect((await release(user, reservation.id)).status).toBe(409);
    await expectAudit(user);
  });

  it('a commit above the hold takes the excess from the balance, and records what it cannot cover', async () => {
    const user = newUserId('above');
    const { reservation } = await (await reserve(user, reserveBody(2_000))).json<any>();
    const over = await commit(user, reservation.id, { input_tokens: 6_000, output_tokens: 6_000 });
    expect(over.status).toBe(200);
    expect(await over.json<any>()).toMatchObject({
      tokens_charged: 10_000,
      uncovered_tokens: 2_000,
      remaining_tokens: 0,
    });
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 0, used_tokens: 10_000 });
    await expectAudit(user);
  });

  it('a release gives the tokens and the day’s request back; a commit after it is refused', async () => {
    const user = newUserId('release');
    const { reservation } = await (await reserve(user, reserveBody(3_000))).json<any>();
    const released = await release(user, reservation.id);
    expect(await released.json<any>()).toMatchObject({ reservation: { status: 'released' }, replayed: false });
    expect(released.headers.get('X-Requests-Today')).toBe('0');
    expect(await (await release(user, reservation.id)).json<any>()).toMatchObject({ replayed: true });
    expect((await commit(user, reservation.id, { input_tokens: 1, output_tokens: 0 })).status).toBe(409);
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 10_000, held_tokens: 0, total_requests: 0 });
    await expectAudit(user);
  });

  it('a commit sent 8 times at once, racing 4 releases of the same hold: settled once, charged at most once', async () => {
    const user = newUserId('settle-race');
    const { reservation } = await (await reserve(user, reserveBody(3_000))).json<any>();
    const answers = await Promise.all([
      ...Array.from({ length: 8 }, () => commit(user, reservation.id, { input_tokens: 1_000, output_tokens: 500 })),
      ...Array.from({ length: 4 }, () => release(user, reservation.id)),
    ]);
    const [commits, releases] = [answers.slice(0, 8), answers.slice(8)];
    const committed = commits[0]!.status === 200;
    // Whichever came first wins every one of its repeats; the other kind is refused every time.
    expect(commits.map((r) => r.status)).toEqual(Array(8).fill(committed ? 200 : 409));
    expect(releases.map((r) => r.status)).toEqual(Array(4).fill(committed ? 409 : 200));
    const winners = await Promise.all((committed ? commits : releases).map((r) => r.json<any>()));
    expect(winners.filter((b) => !b.replayed)).toHaveLength(1);
    expect(await balanceOf(user)).toMatchObject({
      remaining_tokens: committed ? 8_500 : 10_000,
      held_tokens: 0,
      total_requests: committed ? 1 : 0,
    });
    await expectAudit(user);
  });

  it('a refusal is not recorded under the key: the same key succeeds once the cause is gone', async () => {
    const user = newUserId('retry');
    const first = (await (await reserve(user, reserveBody(8_000))).json<any>()).reservation;
    const refused = await reserve(user, reserveBody(8_000), 'step-1');
    expect(refused.status).toBe(402);
    expect(await refused.json<any>()).toMatchObject({ code: 'insufficient_tokens', needed_tokens: 6_000 });
    expect((await release(user, first.id)).status).toBe(200);
    const again = await reserve(user, reserveBody(8_000), 'step-1');
    expect(again.status).toBe(201);
    const replay = await reserve(user, reserveBody(8_000), 'step-1');
    expect(replay.status).toBe(200);
    expect(await replay.json<any>()).toMatchObject({ replayed: true });
    await expectAudit(user);
  });

  it('refuses over the per-request cap, unknown models and bad bodies with 4xx naming the problem', async () => {
    const user = newUserId('bad');
    expect((await reserve(user, reserveBody(9_000))).status).toBe(422);
    const unknown = await reserve(user, { agent: 'code', model: 'gpt-9', estimated_tokens: 10 });
    expect(unknown.status).toBe(400);
    expect((await unknown.json<any>()).message).toContain("unknown model 'gpt-9'");
    expect((await reserve(user, { agent: 'code', model: 'sonnet' })).status).toBe(400);
    expect((await reserve(user, reserveBody(10), undefined)).status).toBe(201);
    expect(
      (await service(`/api/v1/service/users/${user}/reservations`, { body: reserveBody(10), key: null })).status,
    ).toBe(400);
    expect((await commit(user, 999, { input_tokens: 1, output_tokens: 1 })).status).toBe(404);
    expect((await commit(user, 0, { input_tokens: 1, output_tokens: 1 })).status).toBe(400);
  });

  it('an unsettled hold expires by the alarm: its tokens and request come back; a late commit still charges', async () => {
    const user = newUserId('expire');
    const stub = accountStub(user);
    const start = Date.parse('2027-02-10T10:00:00Z');
    await setClock(stub, start);
    const { reservation } = await (await reserve(user, { ...reserveBody(4_000), ttl_seconds: 60 })).json<any>();
    expect(reservation.expires_at).toBe('2027-02-10T10:01:00.000Z');
    await setClock(stub, start + 60_000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const reservations = await stub.reservations();
    expect(reservations).toMatchObject({ ok: true, value: [] });
    expect(await stub.balance()).toMatchObject({
      ok: true,
      value: { remainingTokens: 10_000, heldTokens: 0, requestsToday: 0 },
    });
    const late = await commit(user, reservation.id, { input_tokens: 500, output_tokens: 500 });
    expect(await late.json<any>()).toMatchObject({ tokens_charged: 1_000, reservation: { status: 'expired' } });
    expect(await stub.balance()).toMatchObject({ ok: true, value: { remainingTokens: 9_000, requestsToday: 1 } });
    await expectAudit(user);
    await setClock(stub, Date.now());
  });
});

describe('a project run’s reservation', () => {
  /** A project whose run holds idea's estimate, as a run does before it calls the model. */
  async function heldByRun(user: string) {
    const id = await newProject(user);
    const stub = accountStub(user);
    expect((await stub.startProjectRun({ projectId: id, runId: 'run-1' })).ok).toBe(true);
    const held = await stub.reserveProjectStep({
      projectId: id,
      runId: 'run-1',
      agent: 'idea',
      estimatedTokens: 2000,
      ttlSeconds: 120,
    });
    if (!held.ok) throw new Error(held.failure.message);
    return { id, stub, reservationId: held.value.result.reservation.id };
  }

  it('cannot be released or committed through the service routes: 409 naming the project; the run still settles it', async () => {
    const user = newUserId('run-hold');
    const { id, stub, reservationId } = await heldByRun(user);
    const listed = await service(`/api/v1/service/users/${user}/reservations`, { method: 'GET', key: null });
    expect((await listed.json<any>()).reservations).toMatchObject([{ id: reservationId, project_id: id }]);

    const released = await release(user, reservationId);
    expect(released.status).toBe(409);
    expect(await released.json<any>()).toMatchObject({ code: 'conflict', project_id: id });
    const committed = await commit(user, reservationId, { input_tokens: 800, output_tokens: 1200 });
    expect(committed.status).toBe(409);
    expect(await committed.json<any>()).toMatchObject({ code: 'conflict', project_id: id });
    // Nothing moved: the hold is open, the project still runs, nothing was charged.
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 8_000, held_tokens: 2_000, used_tokens: 0 });
    const project = await stub.project(id);
    expect(project).toMatchObject({ ok: true, value: { status: 'running' } });

    // The run's own commit charges the agent, as if nothing had been tried from outside.
    const stepCommitted = await stub.commitProjectStep({
      projectId: id,
      agent: 'idea',
      reservationId,
      inputTokens: 800,
      outputTokens: 1200,
    });
    expect(stepCommitted).toMatchObject({
      ok: true,
      value: { result: { reservationExpired: false, transaction: { tokens: -2000, detail: { project_id: id } } } },
    });
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 8_000, held_tokens: 0, used_tokens: 2_000 });
    // Settled by the run, the hold still cannot be settled again from outside.
    expect((await release(user, reservationId)).status).toBe(409);
    await expectAudit(user);
  });

  it('once expired unclaimed, it is still refused from outside; the run’s late commit charges the agent and ends its lease', async () => {
    const user = newUserId('run-hold-expired');
    const { id, stub, reservationId } = await heldByRun(user);
    await setClock(stub, Date.now() + 121_000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const late = await commit(user, reservationId, { input_tokens: 800, output_tokens: 1200 });
    expect(late.status).toBe(409);
    expect(await late.json<any>()).toMatchObject({ code: 'conflict', project_id: id });
    expect((await release(user, reservationId)).status).toBe(409);
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 10_000, held_tokens: 0, used_tokens: 0 });

    // The model ran: the run's late commit charges the agent and ends the lapsed lease with it.
    const stepCommitted = await stub.commitProjectStep({
      projectId: id,
      agent: 'idea',
      reservationId,
      inputTokens: 800,
      outputTokens: 1200,
    });
    expect(stepCommitted).toMatchObject({
      ok: true,
      value: { result: { reservationExpired: true, project: { status: 'stopped', lease: null } } },
    });
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 8_000, used_tokens: 2_000 });
    await expectAudit(user);
    await setClock(stub, Date.now());
  });
});
