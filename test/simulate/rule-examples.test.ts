// The built-in rules' examples are written in the simulator's Winlogbeat shape; they must describe the host they
// claim, or a "two hosts" negative example would really be one host with two names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRules } from '../../src/rules/index.js';

test('rule examples: every event\'s host.name is the short name of its own winlog.computer_name', async () => {
  const { rules } = await loadRules({ builtin: true });
  let checked = 0;
  for (const r of rules) {
    const examples = [...(r.rule.examples?.positive ?? []), ...(r.rule.examples?.negative ?? [])];
    for (const ex of examples) {
      for (const [i, ev] of ex.events.entries()) {
        const host = (ev.host as Record<string, unknown> | undefined)?.name;
        const computer = (ev.winlog as Record<string, unknown> | undefined)?.computer_name;
        if (typeof host !== 'string' || typeof computer !== 'string') continue;
        assert.equal(host.toLowerCase(), computer.split('.')[0]!.toLowerCase(), `${r.rule.name}: example "${ex.name}", event ${i + 1}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 0, 'some example events carry both names');
});
