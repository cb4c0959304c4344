// The agent's replies as bytes: an error frame for anything thrown, and the reply-size cap applied
// on the sending side too, so an oversize reply becomes an error the CLI can show, not a dropped line.
import { describeError, isTunnelError, TunnelError } from '../errors.js';
import {
  type ErrorFrame,
  encodeFrame,
  MAX_REPLY_BYTES,
  mebibytes,
  PROTOCOL_VERSION,
  type ServerFrame,
} from './protocol.js';

export function errorFrame(id: number | null, error: unknown): ErrorFrame {
  // A TunnelError keeps its code and hint across the socket; anything else is our bug.
  const body = isTunnelError(error)
    ? { code: error.code, message: error.message, hint: error.hint }
    : {
        code: 'INTERNAL' as const,
        message: describeError(error),
        hint: 'This is a bug in tunnel: see `tunnel logs`.',
      };
  return { v: PROTOCOL_VERSION, id, type: 'error', error: body };
}

/** The line to write for `frame`; `refused` says why it became an error frame instead (too long). */
export function encodeReply(
  frame: ServerFrame,
  maxBytes = MAX_REPLY_BYTES,
): { text: string; refused?: string } {
  let text: string;
  try {
    text = encodeFrame(frame);
  } catch (error) {
    // A handler returned something JSON cannot hold (a cycle, a BigInt): still answer the request.
    return { text: encodeFrame(errorFrame(frame.id, error)) };
  }
  const bytes = Buffer.byteLength(text);
  if (bytes <= maxBytes) return { text };
  const refused = `agent reply of ${mebibytes(bytes)} exceeds the limit of ${mebibytes(maxBytes)}`;
  const hint = 'Ask for less (`tunnel status <host>` for one host), and see `tunnel logs`.';
  return { text: encodeFrame(errorFrame(frame.id, new TunnelError('PROTOCOL', refused, { hint }))), refused };
}
