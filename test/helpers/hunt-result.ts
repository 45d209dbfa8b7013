// What a hunt's result must keep whatever the threads and however files were cut into pieces.
import type { HuntResult } from '../../src/engine/hunt.js';

/**
 * The parts of a result that must not depend on threads (durations, the worker and piece counts aside). Coverage:
 * the verdicts and exact counts; the relaxed and matching counts stop once a stage has matched (coverage.ts), so
 * they depend on where the inputs were split.
 */
export function comparableResult(r: HuntResult): unknown {
  const { durationMs: _d, workers: _w, pieces: _p, run, coverage, ...rest } = r;
  const { sort: _s, ...runRest } = run;
  const verdicts = coverage?.rules.map((rule) => ({
    ...rule,
    hosts: rule.hosts.map((h) => ({ ...h, stages: h.stages.map((st) => ({ ...st, relaxedEvents: st.relaxedEvents > 0, matchingEvents: st.matchingEvents > 0, sourceEvents: st.sourceEvents > 0 })) })),
  }));
  return { ...rest, coverage: coverage && { hosts: coverage.hosts, events: coverage.events, verdicts }, run: runRest };
}
