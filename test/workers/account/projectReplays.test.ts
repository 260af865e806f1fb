// Every project mutation of the object, replayed: the first answer comes back and nothing changes.
import { describe, expect, it } from 'vitest';
import { idempotencyKeys } from '../../../src/account/contract/keys';
import { accountStub, expectAuditOk, newUserId } from '../../support/helpers';

const SEVEN = ['idea', 'srs', 'code', 'uml', 'report', 'ppt', 'viva'];

async function projectOf(user: string) {
  const stub = accountStub(user);
  const created = await stub.createProject({
    title: 'Replays',
    mode: 'student',
    description: null,
    model: 'haiku',
    agents: SEVEN,
    idempotencyKey: idempotencyKeys.projectCreate(crypto.randomUUID()),
  });
  if (!created.ok) throw new Error(created.failure.message);
  return { stub, id: created.value.result.id };
}

function reserve(stub: ReturnType<typeof accountStub>, projectId: string, runId: string, agent = 'idea') {
  return stub.reserveProjectStep({ projectId, runId, agent, estimatedTokens: 2000, ttlSeconds: 120 });
}

describe('project mutations, replayed', () => {
  it('a replayed step reservation returns the same hold and holds once', async () => {
    const { stub, id } = await projectOf(newUserId());
    expect((await stub.startProjectRun({ projectId: id, runId: 'r1' })).ok).toBe(true);
    const first = await reserve(stub, id, 'r1');
    const again = await reserve(stub, id, 'r1');
    expect(first).toMatchObject({ ok: true, value: { replayed: false } });
    expect(again).toMatchObject({ ok: true, value: { replayed: true } });
    if (!first.ok || !again.ok) throw new Error('expected ok');
    expect(again.value.result.reservation.id).toBe(first.value.result.reservation.id);
    const reservations = await stub.reservations();
    expect(reservations.ok && reservations.value.map((h) => h.id)).toEqual([first.value.result.reservation.id]);
    expect(again.snapshot.remainingTokens).toBe(8000);
  });

  it('a replayed run start by the same run changes nothing; another run is refused while the lease is live', async () => {
    const { stub, id } = await projectOf(newUserId());
    expect((await stub.startProjectRun({ projectId: id, runId: 'r1' })).ok).toBe(true);
    expect((await reserve(stub, id, 'r1')).ok).toBe(true);
    const again = await stub.startProjectRun({ projectId: id, runId: 'r1' });
    expect(again).toMatchObject({ ok: true, value: { interrupted: [] } });
    expect(await stub.startProjectRun({ projectId: id, runId: 'r2' })).toMatchObject({
      ok: false,
      failure: { code: 'conflict' },
    });
    expect(await reserve(stub, id, 'r2')).toMatchObject({ ok: false, failure: { code: 'conflict' } });
  });

  it('a replayed step commit returns the first charge; other figures for the same step are refused', async () => {
    const { stub, id } = await projectOf(newUserId());
    await stub.startProjectRun({ projectId: id, runId: 'r1' });
    const held = await reserve(stub, id, 'r1');
    if (!held.ok) throw new Error(held.failure.message);
    const commit = {
      projectId: id,
      agent: 'idea',
      reservationId: held.value.result.reservation.id,
      inputTokens: 800,
      outputTokens: 1200,
    };
    const first = await stub.commitProjectStep(commit);
    const again = await stub.commitProjectStep(commit);
    expect(first).toMatchObject({ ok: true, value: { replayed: false, result: { step: { status: 'finished' } } } });
    expect(again).toMatchObject({ ok: true, value: { replayed: true } });
    if (!first.ok || !again.ok) throw new Error('expected ok');
    expect(again.value.result.transaction.seq).toBe(first.value.result.transaction.seq);
    expect(first.value.result.transaction).toMatchObject({
      agent: 'idea',
      model: 'haiku',
      tokens: -2000,
      detail: { project_id: id },
    });
    expect(await stub.commitProjectStep({ ...commit, outputTokens: 1 })).toMatchObject({
      ok: false,
      failure: { code: 'idempotency_key_reused' },
    });
    expect(again.snapshot).toMatchObject({ remainingTokens: 8000, requestsToday: 1 });
    // The run moves on to the next agent.
    expect(await reserve(stub, id, 'r1', 'srs')).toMatchObject({ ok: true });
    await expectAuditOk(stub);
  });

  it('a replayed step failure answers the same; a commit after it is refused and nothing is charged', async () => {
    const { stub, id } = await projectOf(newUserId());
    await stub.startProjectRun({ projectId: id, runId: 'r1' });
    const held = await reserve(stub, id, 'r1');
    if (!held.ok) throw new Error(held.failure.message);
    const reservationId = held.value.result.reservation.id;
    const fail = { projectId: id, agent: 'idea', reservationId, error: 'provider_error: 529' };
    expect(await stub.failProjectStep(fail)).toMatchObject({ ok: true, value: { replayed: false } });
    const again = await stub.failProjectStep(fail);
    expect(again).toMatchObject({ ok: true, value: { replayed: true, result: { status: 'stopped' } } });
    expect(again.snapshot.remainingTokens).toBe(10000);
    expect(
      await stub.commitProjectStep({ projectId: id, agent: 'idea', reservationId, inputTokens: 1, outputTokens: 1 }),
    ).toMatchObject({ ok: false, failure: { code: 'conflict' } });
    await expectAuditOk(stub);
  });

  it('refuses a step out of order, and steps of an unknown project', async () => {
    const { stub, id } = await projectOf(newUserId());
    await stub.startProjectRun({ projectId: id, runId: 'r1' });
    expect(await reserve(stub, id, 'r1', 'code')).toMatchObject({
      ok: false,
      failure: { code: 'conflict', details: { next_agent: 'idea' } },
    });
    expect(await stub.startProjectRun({ projectId: 'prj_00000000000000000000', runId: 'r1' })).toMatchObject({
      ok: false,
      failure: { code: 'not_found' },
    });
    expect(await reserve(stub, 'prj_00000000000000000000', 'r1')).toMatchObject({
      ok: false,
      failure: { code: 'not_found' },
    });
  });
});
