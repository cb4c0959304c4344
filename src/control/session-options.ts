// A session's options as they cross the control socket (`connect`) and the agent's saved-session files:
// plain JSON, so the --map pins travel as [remote, local] pairs instead of a Map.
import type { SessionOptions } from '../config/resolve.js';

export type SerializedOptions = Omit<SessionOptions, 'maps'> & { maps: [number, number][] };

export function serializeOptions(options: SessionOptions): SerializedOptions {
  return { ...options, maps: [...options.maps.entries()] };
}

export function deserializeOptions(options: SerializedOptions): SessionOptions {
  return { ...options, maps: new Map(options.maps) };
}
