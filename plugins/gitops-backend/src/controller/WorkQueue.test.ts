import { WorkQueue } from './WorkQueue';

const tick = (ms = 0) => new Promise(resolve => setTimeout(resolve, ms));

describe('WorkQueue', () => {
  it('processes a key once however often it is added before a worker takes it', async () => {
    const seen: string[] = [];
    const queue = new WorkQueue(async key => void seen.push(key), 2, () => undefined);
    queue.add('a');
    queue.add('a');
    queue.add('b');
    queue.start();
    await queue.idle();
    expect(seen.sort()).toEqual(['a', 'b']);
    queue.stop();
  });

  it('never runs one key on two workers, and runs it again when added meanwhile', async () => {
    let concurrent = 0;
    let maxConcurrent = 0;
    let runs = 0;
    const queue = new WorkQueue(
      async () => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        runs++;
        await tick(20);
        concurrent--;
      },
      4,
      () => undefined,
    );
    queue.start();
    queue.add('a');
    await tick(5);
    queue.add('a');
    queue.add('a');
    await tick(80);
    await queue.idle();
    expect(maxConcurrent).toBe(1);
    expect(runs).toBe(2);
    queue.stop();
  });

  it('keeps the earliest of several delayed adds', async () => {
    const seen: number[] = [];
    const started = Date.now();
    const queue = new WorkQueue(async () => void seen.push(Date.now() - started), 1, () => undefined);
    queue.start();
    queue.addAfter('a', 200);
    queue.addAfter('a', 30);
    await tick(100);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeLessThan(100);
    await tick(150);
    expect(seen).toHaveLength(1);
    queue.stop();
  });

  it('reports handler errors and goes on', async () => {
    const errors: string[] = [];
    const seen: string[] = [];
    const queue = new WorkQueue(
      async key => {
        if (key === 'bad') throw new Error('boom');
        seen.push(key);
      },
      1,
      (key, error) => errors.push(`${key}: ${(error as Error).message}`),
    );
    queue.start();
    queue.add('bad');
    queue.add('good');
    await queue.idle();
    expect(errors).toEqual(['bad: boom']);
    expect(seen).toEqual(['good']);
    queue.stop();
  });
});
