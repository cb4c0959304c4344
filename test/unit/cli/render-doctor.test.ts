import { describe, expect, it } from 'vitest';
import { renderCheck, renderDoctor, renderSummary } from '../../../src/cli/render-doctor.js';
import type { CheckResult, DoctorReport } from '../../../src/doctor/types.js';

const check = (overrides: Partial<CheckResult>): CheckResult => ({
  id: 'docker',
  title: 'docker engine',
  status: 'pass',
  detail: 'Docker Engine 28.5.1 is running',
  hint: null,
  ...overrides,
});

const options = { color: false, titleWidth: 14 };

describe('renderCheck', () => {
  it('marks each status and aligns the detail after the title column', () => {
    expect(renderCheck(check({}), options)).toBe('✓ docker engine   Docker Engine 28.5.1 is running');
    expect(renderCheck(check({ status: 'warn', detail: 'old' }), options)).toBe('! docker engine   old');
    expect(renderCheck(check({ status: 'skip', detail: 'needs authentication' }), options)).toBe(
      '- docker engine   skipped: needs authentication',
    );
  });

  it('puts further detail lines and the hint under the detail column', () => {
    const text = renderCheck(
      check({ status: 'fail', detail: 'down\nsecond line', hint: 'start it\nthen check' }),
      options,
    );
    expect(text.split('\n')).toEqual([
      '✗ docker engine   down',
      '                  second line',
      '                  hint: start it',
      '                        then check',
    ]);
  });

  it('escapes control characters that came from the dev server', () => {
    expect(renderCheck(check({ detail: 'a\x1b[2Jb' }), options)).toContain('a\\x1b[2Jb');
  });

  it('colours only the mark', () => {
    const text = renderCheck(check({ status: 'fail' }), { ...options, color: true });
    expect(text.startsWith('\x1b[31m✗\x1b[0m docker engine')).toBe(true);
  });
});

describe('renderSummary / renderDoctor', () => {
  const report = (checks: CheckResult[]): DoctorReport => ({
    host: 'devserver',
    ok: checks.every((entry) => entry.status !== 'fail'),
    checks,
  });

  it('counts and says what to do next', () => {
    const failing = report([
      check({ status: 'fail' }),
      check({ status: 'skip' }),
      check({}),
      check({ status: 'warn' }),
    ]);
    expect(renderSummary(failing, { color: false })).toBe(
      '1 failed, 1 warning, 1 skipped, 1 passed: fix the first ✗ above, then run: tunnel doctor devserver',
    );
    expect(renderSummary(report([check({})]), { color: false })).toBe(
      '1 passed: devserver is ready for tunnel connect devserver',
    );
  });

  it('renders a whole report: title, one block per check, summary', () => {
    const text = renderDoctor(report([check({})]), options);
    expect(text.split('\n')).toEqual([
      'tunnel doctor devserver',
      '',
      '✓ docker engine   Docker Engine 28.5.1 is running',
      '',
      '1 passed: devserver is ready for tunnel connect devserver',
    ]);
  });
});
