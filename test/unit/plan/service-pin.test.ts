// `--map NAMESPACE/NAME:PORT:LOCAL`: what a user types to pin a Service's local port, and what they read
// when they get it wrong.
import { describe, expect, it } from 'vitest';
import { isServicePinSpec, parseServicePin, parseServicePins } from '../../../src/plan/service-pin.js';

describe('parseServicePin', () => {
  it('reads namespace/name:port:local as the pin the planner keys by namespace/name:port', () => {
    expect(parseServicePin('monitoring/grafana:3000:13000')).toEqual(['monitoring/grafana:3000', 13000]);
    expect(isServicePinSpec('monitoring/grafana:3000:13000')).toBe(true);
    expect(isServicePinSpec('8080:18080')).toBe(false);
  });

  it('says which part is wrong and shows the form', () => {
    const cases: [string, RegExp][] = [
      ['monitoring/grafana:3000', /has 1 ":" where a Service pin has 2/],
      ['a/b/c:1:2', /"a\/b\/c" is not NAMESPACE\/NAME/],
      ['Monitoring/grafana:3000:13000', /the namespace "Monitoring" is not a Kubernetes name/],
      ['monitoring/graf_ana:3000:13000', /the Service name "graf_ana" is not a Kubernetes name/],
      [`monitoring/${'g'.repeat(64)}:3000:1`, /is not a Kubernetes name .*at most 63/],
      ['monitoring/grafana:web:13000', /the Service port "web" is not a number/],
      ['monitoring/grafana:3000:', /the local port is missing/],
      ['monitoring/grafana:3000:70000', /the local port 70000 is outside 1-65535/],
    ];
    for (const [spec, message] of cases) {
      expect(() => parseServicePin(spec), spec).toThrow(message);
      expect(() => parseServicePin(spec)).toThrow(
        expect.objectContaining({
          code: 'BAD_INPUT',
          hint: expect.stringContaining('--map monitoring/grafana:3000:13000'),
        }),
      );
    }
  });
});

describe('parseServicePins', () => {
  it('keeps repeated identical pins once and refuses one Service port or one local port twice', () => {
    expect(parseServicePins(['a/web:80:8081', 'a/web:80:8081', 'b/web:80:8082'])).toEqual([
      ['a/web:80', 8081],
      ['b/web:80', 8082],
    ]);
    expect(() => parseServicePins(['a/web:80:8081', 'a/web:80:8082'])).toThrow(
      '--map pins a/web:80 twice (to 8081 and 8082).',
    );
    expect(() => parseServicePins(['a/web:80:8081', 'b/web:80:8081'])).toThrow(
      '--map sends both a/web:80 and b/web:80 to local port 8081.',
    );
  });
});
