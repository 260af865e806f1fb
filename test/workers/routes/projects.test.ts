import { describe, expect, it } from 'vitest';
import { accountStub, asUser, balanceOf, expectAuditOk, grantTokens, newUserId } from '../../support/helpers';
import { execute, newProject } from '../../support/projectHelpers';

const SEVEN = ['idea', 'srs', 'code', 'uml', 'report', 'ppt', 'viva'];

describe('the documented example', () => {
  it('a user brought to 50,000 by a grant executes a project: 29,500 left and seven usage rows', async () => {
    const user = newUserId();
    expect((await grantTokens(user, { tokens: 40_000, reason: 'operator grant' })).status).toBe(201);
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 50000 });
    const id = await newProject(user);

    const response = await execute(user, id);
    expect(response.status).toBe(200);
    const body = await response.json<any>();
    expect(body.project).toMatchObject({ id, status: 'completed', agents_finished: 7, tokens_used: 20500 });
    expect(body.project.agents.map((a: any) => [a.agent, a.status, a.tokens])).toEqual([
      ['idea', 'finished', 2000],
      ['srs', 'finished', 3500],
      ['code', 'finished', 5000],
      ['uml', 'finished', 2500],
      ['report', 'finished', 4000],
      ['ppt', 'finished', 1500],
      ['viva', 'finished', 2000],
    ]);
    expect(body.run.runner).toBe('local-deterministic');
    expect(response.headers.get('X-Tokens-Remaining')).toBe('29500');
    expect(response.headers.get('X-Requests-Today')).toBe('7');
    expect(response.headers.get('X-Tokens-Used-Today')).toBe('20500');

    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 29500 });
    const log = await (await asUser(user, '/api/v1/tokens/transactions?type=usage&limit=100')).json<any[]>();
    expect(log.map((t) => t.agent).reverse()).toEqual(SEVEN);
    expect(log.every((t) => t.model === 'sonnet' && t.detail?.project_id === id)).toBe(true);
    await expectAuditOk(accountStub(user));
  });
});
