// The group-consumer loop on the in-memory adapter, its time on a manual clock: the reclaim schedule, retry
// backoffs and the idle wait move only when the test advances the clock.
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createManualClock, type ManualClock } from '../time/manual-clock.js';
import { createConsumerLoop, type ConsumerLoop, type GroupHandler } from './consumer.js';
import { createMemoryStreams } from './memory/memory.js';
import type { StreamRead, Streams } from './port.js';

const logger = pino({ level: 'silent' });
const T0 = 1_700_000_000_000;
const fields = (i: number): string[] => ['n', String(i)];

interface Recorder extends GroupHandler {
  handled: Array<{ source: string; ids: string[] }>;
  beforeReads: number;
  idles: number;
}

function recorder(keys: string[], fail: () => boolean = () => false): Recorder {
  const r: Recorder = {
    handled: [],
    beforeReads: 0,
    idles: 0,
    streams: () => keys,
    handle: async (batch: StreamRead[], source) => {
      if (fail()) throw new Error('store down');
      r.handled.push({ source, ids: batch.flatMap(([, entries]) => entries.map((e) => e[0])) });
    },
    beforeRead: async () => {
      r.beforeReads++;
    },
    idle: () => {
      r.idles++;
    },
  };
  return r;
}

describe('group-consumer loop on a manual clock', () => {
  let clock: ManualClock;
  let streams: Streams;
  let loop: ConsumerLoop | undefined;
  const setup = async (): Promise<void> => {
    clock = createManualClock(T0);
    streams = createMemoryStreams({ now: () => clock.now() });
    await streams.ensureGroup(['s'], 'g', '0');
  };
  afterEach(async () => {
    await loop?.close();
    loop = undefined;
    await streams.close();
  });
  /** Lets the loop run until it has gone round `n` more times (it reads with a short real BLOCK meanwhile). */
  const rounds = async (h: Recorder, n: number): Promise<void> => {
    const target = h.beforeReads + n;
    await vi.waitFor(() => expect(h.beforeReads).toBeGreaterThanOrEqual(target));
  };

  it('reclaims entries idle on a dead consumer when its clock says they are idle long enough, on its schedule', async () => {
    await setup();
    const ids = await streams.append([0, 1, 2].map((i) => ({ stream: 's', fields: fields(i) })));
    await streams.readGroup({ group: 'g', consumer: 'dead', streams: ['s'], count: 10 }); // read, then died
    const h = recorder(['s']);
    loop = createConsumerLoop({ streams, group: 'g', consumer: 'alive', handler: h, logger, count: 10, blockMs: 5, ack: 'loop', reclaim: { minIdleMs: 1_000, everyMs: 500 }, clock });
    loop.start();
    await rounds(h, 3);
    expect(h.handled).toEqual([]); // idle 0 ms: not claimed
    clock.advance(999);
    await rounds(h, 3);
    expect(h.handled).toEqual([]); // idle 999 ms
    clock.advance(1);
    await rounds(h, 3);
    expect(h.handled).toEqual([]); // idle long enough now, but the next pass is due at +1499
    clock.advance(499);
    await vi.waitFor(() => expect(h.handled).toEqual([{ source: 'claim', ids }]));
    expect((await streams.groupState(['s'], 'g'))[0]).toMatchObject({ pending: 0 });
  });

  it('backs off a failed batch on its clock, then reads its own pending entries first', async () => {
    await setup();
    let failing = true;
    let failures = 0;
    const h = recorder(['s'], () => {
      if (failing) failures++;
      return failing;
    });
    loop = createConsumerLoop({ streams, group: 'g', consumer: 'c', handler: h, logger, count: 10, blockMs: 5, ack: 'loop', retryBaseMs: 100, retryMaxMs: 1_000, clock });
    loop.start();
    const ids = await streams.append([{ stream: 's', fields: fields(0) }]);
    await vi.waitFor(() => expect(failures).toBe(1));
    // Asleep on the clock: the backoff after a first failure is 100..200 ms (jittered).
    await vi.waitFor(() => expect(clock.pending).toBe(1));
    failing = false;
    clock.advance(99);
    expect(clock.pending).toBe(1);
    expect(h.handled).toEqual([]);
    clock.advance(101);
    await vi.waitFor(() => expect(h.handled).toEqual([{ source: 'pending', ids }]));
    expect(failures).toBe(1);
  });

  it('waits on its clock while there is nothing to read', async () => {
    await setup();
    let keys: string[] = [];
    const h = recorder([]);
    h.streams = () => keys;
    loop = createConsumerLoop({ streams, group: 'g', consumer: 'c', handler: h, logger, count: 10, blockMs: 5, ack: 'loop', idleWaitMs: 1_000, clock });
    loop.start();
    await vi.waitFor(() => expect(h.idles).toBe(1));
    await vi.waitFor(() => expect(clock.pending).toBe(1));
    clock.advance(999);
    expect(h.idles).toBe(1);
    keys = ['s'];
    const ids = await streams.append([{ stream: 's', fields: fields(0) }]);
    clock.advance(1);
    await vi.waitFor(() => expect(h.handled).toEqual([{ source: 'read', ids }]));
  });
  it('with NOACK, re-reads by range after a reconnect what the group moved past while the answer was lost, before the new batch', async () => {
    await setup();
    let reconnectedOnce = false;
    // The in-memory adapter never reconnects: its reader is wrapped to report one, as the Redis reader does.
    const wrapped: Streams = {
      ...streams,
      reader(name) {
        const r = streams.reader(name);
        return {
          read: (q) => r.read(q),
          settled: () => r.settled(),
          close: () => r.close(),
          reconnected: () => {
            const was = reconnectedOnce;
            reconnectedOnce = false;
            return was;
          },
        };
      },
    };
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handled: string[][] = [];
    const h: GroupHandler = {
      streams: () => ['s'],
      handle: async (batch) => {
        handled.push(batch.flatMap(([, entries]) => entries.map((e) => e[0])));
        if (handled.length === 1) await gate;
      },
    };
    loop = createConsumerLoop({ streams: wrapped, group: 'g', consumer: 'c', handler: h, logger, count: 10, blockMs: 5, ack: 'none', clock });
    loop.start();
    const [first] = await streams.append([{ stream: 's', fields: fields(0) }]);
    await vi.waitFor(() => expect(handled).toHaveLength(1));
    // While the loop handles the first entry: two entries are served to the group and the answer is lost.
    const lost = await streams.append([1, 2].map((i) => ({ stream: 's', fields: fields(i) })));
    const served = await streams.readGroup({ group: 'g', consumer: 'c', streams: ['s'], count: 10, noAck: true });
    expect(served[0]?.[1].map((e) => e[0])).toEqual(lost);
    reconnectedOnce = true;
    const next = await streams.append([{ stream: 's', fields: fields(3) }]);
    release();
    await vi.waitFor(() => expect(handled).toEqual([[first], lost, next]));
  });
  it.each([false, true])('lingers on its clock after a read that was not full, and reads on at once after a full one (read-ahead %s)', async (readAhead) => {
    await setup();
    const h = recorder(['s']);
    loop = createConsumerLoop({ streams, group: 'g', consumer: 'c', handler: h, logger, count: 3, blockMs: 5, ack: 'loop', lingerMs: 100, readAhead, clock });
    loop.start();
    const [a] = await streams.append([{ stream: 's', fields: fields(0) }]);
    await vi.waitFor(() => expect(h.handled).toEqual([{ source: 'read', ids: [a] }]));
    // One entry of a count of 3: the next read waits 100 ms on the clock, and gathers what arrives meanwhile.
    await vi.waitFor(() => expect(clock.pending).toBe(1));
    const later = await streams.append([1, 2].map((i) => ({ stream: 's', fields: fields(i) })));
    clock.advance(99);
    expect(h.handled).toHaveLength(1);
    const full = await streams.append([3].map((i) => ({ stream: 's', fields: fields(i) })));
    clock.advance(1);
    await vi.waitFor(() => expect(h.handled).toHaveLength(2));
    expect(h.handled[1]).toEqual({ source: 'read', ids: [...later, ...full] });
    // That read was full: what follows is read without waiting on the clock.
    const next = await streams.append([{ stream: 's', fields: fields(4) }]);
    await vi.waitFor(() => expect(h.handled).toHaveLength(3));
    expect(h.handled[2]).toEqual({ source: 'read', ids: next });
    // Acknowledged as without the linger: nothing pending.
    await vi.waitFor(async () => expect((await streams.groupState(['s'], 'g'))[0]).toMatchObject({ pending: 0 }));
  });

  it('reads, after lingering, only the streams the handler names then (a detector released a partition meanwhile)', async () => {
    await setup();
    await streams.ensureGroup(['t'], 'g', '0');
    let keys = ['s', 't'];
    const h = { ...recorder([]), streams: () => keys };
    loop = createConsumerLoop({ streams, group: 'g', consumer: 'c', handler: h, logger, count: 3, blockMs: 5, ack: 'handler', lingerMs: 100, clock });
    loop.start();
    const [a] = await streams.append([{ stream: 's', fields: fields(0) }]);
    await vi.waitFor(() => expect(h.handled).toEqual([{ source: 'read', ids: [a] }]));
    await vi.waitFor(() => expect(clock.pending).toBe(1));
    // Released while the read waits: what arrives on it must stay undelivered, for its next owner's group reads.
    keys = ['s'];
    await streams.append([{ stream: 't', fields: fields(1) }]);
    const [onS] = await streams.append([{ stream: 's', fields: fields(2) }]);
    clock.advance(100);
    await vi.waitFor(() => expect(h.handled).toHaveLength(2));
    expect(h.handled[1]).toEqual({ source: 'read', ids: [onS] });
    expect((await streams.groupState(['t'], 'g'))[0]).toMatchObject({ pending: 0, lag: 1 });
  });

  it('stops at once while lingering', async () => {
    await setup();
    const h = recorder(['s']);
    loop = createConsumerLoop({ streams, group: 'g', consumer: 'c', handler: h, logger, count: 3, blockMs: 5, ack: 'loop', lingerMs: 60_000, readAhead: true, clock });
    loop.start();
    await streams.append([{ stream: 's', fields: fields(0) }]);
    await vi.waitFor(() => expect(h.handled).toHaveLength(1));
    await vi.waitFor(() => expect(clock.pending).toBe(1));
    await loop.close();
    expect(clock.pending).toBe(0);
  });
});
