// How far the all-in-one's persister has got, read from its own counter on the unauthenticated /metrics: cheap,
// where a PromQL count decodes every stored sample (and, in a memory bench, leaves its garbage in the PromQL
// worker's heap). Shared by the benches that wait for the persister to catch up.

/** Samples the persister has appended to the series store so far (its counter on /metrics). */
export async function appendedSamples(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  // Absent until the persister's first metric write; the label order is prom-client's (default labels follow).
  const m = /^lightwatch_metrics_samples_total\{[^}]*outcome="appended"[^}]*\} (\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

/** Polls `appendedSamples` every ~100 ms until it reaches `target` (or 2 minutes pass); returns the last value. */
export async function waitAppended(url: string, target: number): Promise<number> {
  let n = 0;
  for (let i = 0; i < 1200 && (n = await appendedSamples(url)) < target; i++) await new Promise((r) => setTimeout(r, 100));
  return n;
}
