// The service selection crossing the control socket and the saved-session files: the agent forwards what
// the CLI resolved (issue 14), an older client or saved session means the default, and a frame that
// breaks the bounds is refused before anything plans with it.
import { describe, expect, it } from 'vitest';
import { deserializeOptions, serializeOptions } from '../../../src/control/session-options.js';
import { FieldError, readSessionOptions } from '../../../src/control/validate.js';
import { sessionOptions } from '../../builders.js';

function wire(options: object): Record<string, unknown> {
  return { options: JSON.parse(JSON.stringify(options)) };
}

const chosen = {
  mode: 'all' as const,
  namespaces: ['monitoring', 'my-namespace'],
  excludeNamespaces: [],
  selector: 'app=web,tier notin (cache)',
  pins: [['monitoring/grafana:3000', 13000]] as [string, number][],
};

describe('options.services on the wire', () => {
  it('reaches the agent as the CLI resolved it', () => {
    const options = sessionOptions({ services: chosen });
    const read = deserializeOptions(readSessionOptions(wire(serializeOptions(options))));
    expect(read.services).toEqual(chosen);
    expect(read).toEqual(options);
  });

  it('a frame or saved session from before issue 14 gets the default selection', () => {
    const { services: _s, ...older } = serializeOptions(sessionOptions());
    const read = readSessionOptions(wire(older));
    expect(read.services).toBeUndefined();
    expect(deserializeOptions(read).services).toEqual({
      mode: 'nodeport',
      namespaces: [],
      excludeNamespaces: ['kube-system'],
      selector: undefined,
      pins: [],
    });
  });

  const many = (count: number, make: (index: number) => unknown) =>
    Array.from({ length: count }, (_, index) => make(index));
  it.each([
    [{ mode: 'everything' }, /field "services.mode" must be mapped, nodeport, all/],
    [{ namespaces: many(101, (index) => `ns-${index}`) }, /at most 100 namespaces/],
    [{ excludeNamespaces: ['Kube_System'] }, /field "services.excludeNamespaces" must hold namespace names/],
    [{ namespaces: 'monitoring' }, /must be a list of strings/],
    [{ selector: 'a'.repeat(1025) }, /field "services.selector" must be at most 1024 characters/],
    [{ pins: many(257, (index) => [`ns/svc:${index + 1}`, index + 1]) }, /at most 256 pins/],
    [{ pins: [['grafana:3000', 13000]] }, /holds a bad pin/],
    [{ pins: [['monitoring/grafana:70000', 13000]] }, /holds a bad pin/],
    [{ pins: [['monitoring/grafana:3000', 0]] }, /must be an integer from 1 to 65535/],
  ])('refuses services %j', (field, message) => {
    const frame = wire({ ...serializeOptions(sessionOptions()), services: { ...chosen, ...field } });
    expect(() => readSessionOptions(frame)).toThrow(FieldError);
    expect(() => readSessionOptions(frame)).toThrow(message);
  });

  it('refuses services that is not an object', () => {
    const frame = wire({ ...serializeOptions(sessionOptions()), services: 'all' });
    expect(() => readSessionOptions(frame)).toThrow('field "services" must be an object');
  });
});
