// Group commit inside one object. A request that arrives while a group is being applied waits;
// after each group the object lets one turn of the event loop pass, so the runtime reads every
// request already waiting on its sockets, and all that waited are applied together, in arrival
// order, in one transaction: one commit (one disk flush locally) for the whole group instead of one
// per request. Each request keeps its own result and idempotency; none is answered before its
// commit is durable (the runtime's output gate holds every answer of the object until then). A
// lone request is applied at once: it never waits for a group to form.
import { GROUP_SIZE_MAX } from '../../money/limits';

interface Waiting<In, Out> {
  input: In;
  resolve: (out: Out) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<In, Out> {
  private waiting: Waiting<In, Out>[] = [];
  private running = false;

  /** `applyGroup` applies its inputs in order in ONE transaction and returns one output per input. */
  constructor(private readonly applyGroup: (inputs: In[]) => Promise<Out[]>) {}

  submit(input: In): Promise<Out> {
    const answer = new Promise<Out>((resolve, reject) => this.waiting.push({ input, resolve, reject }));
    if (!this.running) void this.run();
    return answer;
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length > 0) {
        const group = this.waiting.splice(0, GROUP_SIZE_MAX);
        await this.settle(group);
        // The window in which the next group gathers. A timer, not a promise: promise callbacks run
        // before the runtime polls its sockets again, so waiting on one would starve new requests
        // (bench/README.md, "Why a timer").
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    } finally {
      this.running = false;
    }
  }

  /** Apply a group; if it throws, apply each request alone, so a failure stays with its request. */
  private async settle(group: Waiting<In, Out>[]): Promise<void> {
    try {
      const outputs = await this.applyGroup(group.map((w) => w.input));
      group.forEach((w, i) => w.resolve(outputs[i]!));
    } catch (error) {
      if (group.length === 1) return group[0]!.reject(error);
      for (const w of group) await this.settle([w]);
    }
  }
}
