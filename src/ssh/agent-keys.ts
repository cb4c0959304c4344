// The agent's identities for auth.ts, read with our own REQUEST_IDENTITIES (draft-miller-ssh-agent §3.4)
// because ssh2's OpenSSHAgent drops every key its parser does not know without a word (agent.js skips
// parseKey errors): certificates (`*-cert-v01@openssh.com`) and FIDO keys (`sk-*`). Those are returned as
// skipped, named, so a failed login can say that OpenSSH would have offered them. Signing still goes
// through ssh2's OpenSSHAgent, one key at a time (SingleKeyAgent).
import net from 'node:net';
import type { ParsedKey } from 'ssh2';
import ssh2 from 'ssh2';
import { escapeControls } from '../redact.js';
import type { SkippedIdentity } from './key-files.js';
import { fingerprintSha256 } from './known-hosts.js';

const REQUEST_IDENTITIES = 11;
const IDENTITIES_ANSWER = 12;
/** An agent answer larger than this is not a list of keys (a local agent, but a bound all the same). */
const MAX_ANSWER_BYTES = 256 * 1024;

export interface AgentKeys {
  usable: ParsedKey[];
  /** Keys the agent holds that ssh2 cannot offer, each with why. */
  unusable: SkippedIdentity[];
}

/** Why ssh2 cannot use a key of this type, or undefined when it is an ordinary key. */
export function unusableKeyType(type: string): string | undefined {
  if (type.endsWith('-cert-v01@openssh.com'))
    return 'a certificate: ssh2 cannot offer it; the OpenSSH transport can';
  if (type.startsWith('sk-')) return 'a FIDO security key: ssh2 cannot use it; the OpenSSH transport can';
  return undefined;
}

function readString(buffer: Buffer, offset: number): { value: Buffer; next: number } {
  if (offset + 4 > buffer.length) throw new Error('malformed agent answer');
  const end = offset + 4 + buffer.readUInt32BE(offset);
  if (end > buffer.length) throw new Error('malformed agent answer');
  return { value: buffer.subarray(offset + 4, end), next: end };
}

/** The identities answer (after its length and type byte): [blob, comment] pairs. */
export function parseIdentities(body: Buffer): Array<{ blob: Buffer; comment: string }> {
  if (body.length < 4) throw new Error('malformed agent answer');
  const count = body.readUInt32BE(0);
  const keys: Array<{ blob: Buffer; comment: string }> = [];
  let offset = 4;
  for (let index = 0; index < count; index++) {
    const blob = readString(body, offset);
    const comment = readString(body, blob.next);
    keys.push({ blob: Buffer.from(blob.value), comment: comment.value.toString('utf8') });
    offset = comment.next;
  }
  return keys;
}

function requestIdentities(socketPath: string, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let received = Buffer.alloc(0);
    const finish = (error: Error | undefined, body?: Buffer) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(body as Buffer);
    };
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (error) => finish(error));
    socket.on('close', () => finish(new Error('the agent closed the connection')));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4) return;
      const length = received.readUInt32BE(0);
      if (length > MAX_ANSWER_BYTES) return finish(new Error('agent answer too large'));
      if (received.length < 4 + length) return;
      if (received[4] !== IDENTITIES_ANSWER) return finish(new Error('the agent refused to list its keys'));
      finish(undefined, received.subarray(5, 4 + length));
    });
    socket.write(Buffer.from([0, 0, 0, 1, REQUEST_IDENTITIES]));
  });
}

function keyType(blob: Buffer): string {
  try {
    return readString(blob, 0).value.toString('latin1');
  } catch {
    return 'unknown';
  }
}

/** `agent key SHA256:… (comment)`; the comment is the user's own text, escaped all the same. */
export function agentLabel(blob: Buffer, comment: string, kind = 'agent key'): string {
  const shown = comment ? ` (${escapeControls(comment.slice(0, 200))})` : '';
  return `${kind} ${fingerprintSha256(blob)}${shown}`;
}

/** Every key the agent holds: the ones ssh2 can sign with, and the others named with why not. */
export async function listAgentKeys(socketPath: string, timeoutMs: number): Promise<AgentKeys> {
  const identities = parseIdentities(await requestIdentities(socketPath, timeoutMs));
  const result: AgentKeys = { usable: [], unusable: [] };
  for (const { blob, comment } of identities) {
    const type = keyType(blob);
    const why = unusableKeyType(type);
    const parsed = why ? undefined : ssh2.utils.parseKey(blob);
    if (parsed && !(parsed instanceof Error)) {
      parsed.comment = comment;
      result.usable.push(parsed);
      continue;
    }
    const kind = type.endsWith('-cert-v01@openssh.com') ? 'agent certificate' : 'agent key';
    result.unusable.push({
      path: `${agentLabel(blob, comment, kind)} ${escapeControls(type.slice(0, 100))}`,
      reason: why ?? 'a key type ssh2 cannot use',
      ssh2Unusable: why !== undefined,
    });
  }
  return result;
}

/** Hands ssh2 exactly one agent key per attempt, so we choose (and count) the order ourselves. */
export class SingleKeyAgent extends ssh2.BaseAgent<ParsedKey> {
  /** Set once the agent signed: the server had accepted the key (PK_OK) and got our signature. */
  signed = false;
  constructor(
    private readonly agent: InstanceType<typeof ssh2.OpenSSHAgent>,
    private readonly key: ParsedKey,
  ) {
    super();
  }
  getIdentities(cb: (err: Error | undefined, keys?: ParsedKey[]) => void): void {
    cb(undefined, [this.key]);
  }
  sign(pubKey: ParsedKey, data: Buffer, ...rest: unknown[]): void {
    // ssh2 calls sign(key, data, [options,] callback); a refused signature is not an acceptance.
    const callback = rest.pop() as (error: Error | undefined, signature?: Buffer) => void;
    (this.agent.sign as (...args: unknown[]) => void)(
      pubKey,
      data,
      ...rest,
      (error: Error | undefined, signature?: Buffer) => {
        if (!error) this.signed = true;
        callback(error, signature);
      },
    );
  }
}
