import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../../../src/account/operations/groupCommit';
import { GROUP_SIZE_MAX } from '../../../../src/money/limits';

/** A GroupCommit over numbers that records each group it applied. */
function recorder(apply: (inputs: number[]) => number[] = (inputs) => inputs.map((n) => n * 10)) {
  const groups: number[][] = [];
  const commit = new GroupCommit<number, number>(async (inputs) => {
    groups.push([...inputs]);
    return apply(inputs);
  });
  return { groups, commit };
}

describe('GroupCommit', () => {
  it('applies a lone request at once, in a group of its own', async () => {
    const { groups, commit } = recorder();
    expect(await commit.submit(7)).toBe(70);
    expect(groups).toEqual([[7]]);
  });

  it('applies what arrives while a group is applied as the next group, in arrival order, each with its own result', async () => {
    const { groups, commit } = recorder();
    const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => commit.submit(n)));
    expect(answers).toEqual([10, 20, 30, 40, 50]);
    expect(groups).toEqual([[1], [2, 3, 4, 5]]);
  });

  it('keeps a failure with its request: a group that throws is applied again one request at a time', async () => {
    const { groups, commit } = recorder((inputs) => {
      if (inputs.includes(3)) throw new Error('bad record 3');
      return inputs.map((n) => -n);
    });
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map((n) => commit.submit(n)));
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([
      -1,
      -2,
      'bad record 3',
      -4,
    ]);
    expect(groups).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
  });

  it(`never applies more than ${GROUP_SIZE_MAX} requests in one group, and keeps going until none waits`, async () => {
    const { groups, commit } = recorder();
    const count = GROUP_SIZE_MAX * 2 + 10;
    const answers = await Promise.all(Array.from({ length: count }, (_, i) => commit.submit(i)));
    expect(answers).toEqual(Array.from({ length: count }, (_, i) => i * 10));
    expect(Math.max(...groups.map((g) => g.length))).toBe(GROUP_SIZE_MAX);
    expect(groups.flat()).toEqual(Array.from({ length: count }, (_, i) => i));
  });

  it('starts again for a request that comes after the queue ran dry', async () => {
    const { groups, commit } = recorder();
    await commit.submit(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await commit.submit(2)).toBe(20);
    expect(groups).toEqual([[1], [2]]);
  });
});
