// The Kubernetes name rules (apimachinery pkg/util/validation), in one place for everything that reads names
// from a cluster's API or from the user: what the API server would accept is all that reaches an id, a
// URL path, a note or a kubectl line. Pure leaf: imports nothing.

const LABEL = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;
const NAME_PART = /^[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;

/** RFC 1123 label (≤63): namespaces, Service names, Service port names. */
export function isDnsLabel(text: string): boolean {
  return text.length <= 63 && LABEL.test(text);
}

/** RFC 1123 subdomain (≤253, dot-separated labels): pod and node names. */
export function isDnsSubdomain(text: string): boolean {
  return text.length <= 253 && text.split('.').every((label) => LABEL.test(label));
}

/** A label key or annotation key: `[prefix/]name`, prefix a DNS subdomain, name ≤63 (IsQualifiedName). */
export function isQualifiedName(text: string): boolean {
  const slash = text.indexOf('/');
  const name = slash < 0 ? text : text.slice(slash + 1);
  if (slash >= 0 && !isDnsSubdomain(text.slice(0, slash))) return false;
  return name.length <= 63 && NAME_PART.test(name);
}

/** A label value: empty, or ≤63 letters, digits, "-", "_", "." starting and ending alphanumeric. */
export function isLabelValue(text: string): boolean {
  return text === '' || (text.length <= 63 && NAME_PART.test(text));
}

/** A Service port's name is a DNS label (validateServicePort → IsDNS1123Label), not an IANA name. */
export function isServicePortName(text: string): boolean {
  return isDnsLabel(text);
}

/** A container port's name is an IANA_SVC_NAME: ≤15, at least one letter, no "--" (IsValidPortName). */
export function isContainerPortName(text: string): boolean {
  return text.length <= 15 && IANA_SVC_NAME.test(text) && /[a-z]/.test(text) && !text.includes('--');
}
