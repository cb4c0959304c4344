// Pure: who may talk to the Ports page server, decided before any route runs. The page is served on
// 127.0.0.1 to this user's browser only; every other web page the browser has open is an attacker
// that can make it send requests here (docs/ui.md, "The security model"). So: the Host header names
// us (a DNS-rebound name does not), the path carries the per-run token (compared in constant time),
// a POST comes from our own origin, and no CORS door is ever opened.
import { createHash, timingSafeEqual } from 'node:crypto';

/** On every response, refusals included: nothing from elsewhere, no framing, no referrer, no cache. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export interface RequestFacts {
  method?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
}

export type Verdict =
  | { ok: true; method: string; route: string }
  | { ok: false; status: 403 | 404 | 405; message: string };

/**
 * One header as a single string. Node never gives an array for the ones read here: of a repeated Host
 * it keeps the first, a repeated Origin or Sec-Fetch-Site it joins with ", " (which never equals a
 * value accepted below). An array can come only from another caller of checkRequest: it is joined the
 * same way, so two values never pass a check (treating it as absent would let a doubled Origin by).
 */
const header = (facts: RequestFacts, name: string): string | undefined => {
  const value = facts.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};

/** Same length digests, so the comparison time says nothing about how much of the token matched. */
function sameToken(given: string, token: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/** The route after /<token>/, or a refusal; the order of the checks is the design's (docs/ui.md). */
export function checkRequest(facts: RequestFacts, server: { port: number; token: string }): Verdict {
  const hosts = [`127.0.0.1:${server.port}`, `localhost:${server.port}`];
  if (!hosts.includes(header(facts, 'host') ?? '')) {
    return { ok: false, status: 403, message: 'this page answers only at 127.0.0.1 or localhost' };
  }
  const url = facts.url ?? '';
  const match = /^\/([^/?#]*)\/([^?#]*)(?:\?[^#]*)?$/.exec(url);
  if (!match || !sameToken(match[1]!, server.token)) {
    // Not a word about why: a guesser learns nothing from the answer.
    return { ok: false, status: 404, message: 'not found' };
  }
  const method = facts.method ?? '';
  if (method === 'POST' && !sameOrigin(facts, hosts)) {
    return { ok: false, status: 403, message: 'a request from another site is refused' };
  }
  if (method !== 'GET' && method !== 'POST') {
    return { ok: false, status: 405, message: `${method.slice(0, 16)} is not allowed here` };
  }
  return { ok: true, method, route: match[2]! };
}

function sameOrigin(facts: RequestFacts, hosts: string[]): boolean {
  const origin = header(facts, 'origin');
  if (origin !== undefined && !hosts.some((host) => origin === `http://${host}`)) return false;
  const site = header(facts, 'sec-fetch-site');
  return site === undefined || site === 'same-origin';
}

/**
 * The raw answer to a request Node could not parse (server.ts's clientError): the status Node itself
 * would give, with the security headers and no body, and the connection closed.
 */
export function clientErrorAnswer(code: string | undefined): string {
  const [status, reason] =
    code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large']
      : code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout']
        : [400, 'Bad Request'];
  const headers = Object.entries(SECURITY_HEADERS).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${status} ${reason}\r\n${headers.join('')}Content-Length: 0\r\nConnection: close\r\n\r\n`;
}
