// One direct-tcpip channel on an ssh2 Client (what every forward and the Kubernetes API ride on): our own
// open timeout, OpenSSH's window cadence, and an end without ssh2's wasted error on every close.
import type { Duplex } from 'node:stream';
import { TunnelError } from '../errors.js';
import type { Client, Log } from './handshake.js';
import { applyWindowPolicy } from './window.js';

export interface ForwardRequest {
  host: string;
  port: number;
  source: { address: string; port: number } | undefined;
  timeoutMs: number;
  /** Only for the once-per-process note that ssh2's internals changed (src/ssh/window.ts). */
  log?: Log | undefined;
}

/**
 * direct-tcpip with our own open timeout; a channel that opens after we gave up is destroyed. The
 * channel gets OpenSSH's window-adjust cadence (src/ssh/window.ts) before any data can reach it.
 */
export function openForward(client: Client, request: ForwardRequest): Promise<Duplex> {
  const where = `${request.host}:${request.port}`;
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(forwardError(where, `no answer within ${request.timeoutMs} ms`, undefined));
    }, request.timeoutMs);
    const source = request.source ?? { address: '127.0.0.1', port: 0 };
    try {
      client.forwardOut(source.address, source.port, request.host, request.port, (error, channel) => {
        if (done) return channel?.destroy();
        done = true;
        clearTimeout(timer);
        if (error) return reject(forwardError(where, error.message, (error as { reason?: number }).reason));
        applyWindowPolicy(channel, { log: request.log });
        closeWithoutEnd(channel);
        channel.on('error', () => {
          // The forward layer adds its own handler; this one only keeps Node from crashing.
        });
        resolve(channel);
      });
    } catch (error) {
      // ssh2 throws "Not connected" synchronously after 'close'.
      done = true;
      clearTimeout(timer);
      reject(forwardError(where, (error as Error).message, undefined));
    }
  });
}

/** RFC 4254 open-failure reasons: 1 prohibited, 2 connect failed, 3 unknown type, 4 resource shortage. */
function forwardError(where: string, why: string, reason: number | undefined): TunnelError {
  const hints: Record<number, string> = {
    1: 'sshd forbids this forward: check AllowTcpForwarding / PermitOpen in the server sshd_config.',
    2: `Nothing accepts connections on ${where} on the dev server; check the service (e.g. k3d cluster list).`,
    4: 'sshd is out of resources (too many channels?); retry shortly.',
  };
  const error = new TunnelError('FORWARD', `Could not open a forward to ${where} on the dev server: ${why}`, {
    hint: (reason && hints[reason]) || 'The SSH connection may be dead; it is re-established automatically.',
  });
  // No reason code = the server never answered (timeout, connection gone): the link failed, not the
  // forward. The listener holds such a client for the next connection instead of dropping it.
  return Object.assign(error, { linkDown: reason === undefined });
}

/**
 * ssh2's Channel.destroy() is end() + close(). Node's autoDestroy calls it once both directions are done,
 * when the writable side has already ended, and end() then builds an ERR_STREAM_ALREADY_FINISHED that
 * nobody reads (a stack capture per connection: ~2% of the agent's CPU under 2,000 sequential
 * connections). An ended channel needs only its CHANNEL_CLOSE, which close() sends.
 */
export function closeWithoutEnd(channel: Duplex): void {
  const original = channel.destroy;
  const close = (channel as { close?: unknown }).close;
  if (typeof close !== 'function') return;
  channel.destroy = function destroy(this: Duplex, error?: Error) {
    if (!this.writableEnded) return original.call(this, error);
    close.call(this);
    return this;
  };
}
