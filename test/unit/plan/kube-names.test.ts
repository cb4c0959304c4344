// The one set of Kubernetes name rules (apimachinery pkg/util/validation) every reader of names uses.
import { describe, expect, it } from 'vitest';
import {
  isContainerPortName,
  isDnsLabel,
  isDnsSubdomain,
  isLabelValue,
  isQualifiedName,
  isServicePortName,
} from '../../../src/plan/kube-names.js';

describe('Kubernetes names', () => {
  it('a DNS label: lowercase letters, digits and inner dashes, at most 63', () => {
    expect(['a', 'my-app', 'a'.repeat(63), '0x'].filter((t) => !isDnsLabel(t))).toEqual([]);
    expect(['', 'A', '-a', 'a-', 'a.b', 'a'.repeat(64), 'a\u001b[31m'].filter(isDnsLabel)).toEqual([]);
  });

  it('a DNS subdomain: dot-separated labels, at most 253', () => {
    expect(
      ['web-1', 'a.b-c.d', `${'a'.repeat(63)}.${'b'.repeat(63)}`].filter((t) => !isDnsSubdomain(t)),
    ).toEqual([]);
    expect(['', 'a..b', '.a', 'a.', '-a.b', `${'a.'.repeat(127)}a`, '../etc'].filter(isDnsSubdomain)).toEqual(
      [],
    );
  });

  it('a qualified name (label key) and a label value', () => {
    expect(
      ['app', 'app.kubernetes.io/name', 'A_b.c', 'example.com/x'].filter((t) => !isQualifiedName(t)),
    ).toEqual([]);
    expect(['', '/x', 'Example.com/x', 'a/b/c', '_a', 'a'.repeat(64)].filter(isQualifiedName)).toEqual([]);
    expect(['', 'v1', 'A_b-c.d'].filter((t) => !isLabelValue(t))).toEqual([]);
    expect(['-a', 'a b', 'a'.repeat(64)].filter(isLabelValue)).toEqual([]);
  });

  it('a Service port name is a DNS label; a container port name an IANA service name', () => {
    expect(isServicePortName('http-metrics-prometheus')).toBe(true);
    expect(isContainerPortName('http-metrics-prometheus')).toBe(false);
    expect(['http', 'grpc-web', 'h2c'].filter((t) => !isContainerPortName(t))).toEqual([]);
    expect(['8080', 'a--b', 'Http', '-http'].filter(isContainerPortName)).toEqual([]);
  });
});
