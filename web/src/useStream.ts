// One streaming connection for as long as a view is shown.
import { useEffect, useRef } from "preact/hooks";
import { storedToken } from "./api/auth";
import { type StreamEvent, type StreamName, type StreamStatus, openStream, streamingUrl } from "./api/streaming";
import { streamId, streamStatus } from "./connection";
import { api, signedIn, stores } from "./session";

export function useStream(
  stream: { name: StreamName; tag?: string; list?: string } | null,
  onEvent: (event: StreamEvent) => void,
  onStatus?: (status: StreamStatus) => void,
): void {
  // The latest handlers, without reconnecting when they change.
  const handlers = useRef({ onEvent, onStatus });
  handlers.current = { onEvent, onStatus };
  const name = stream?.name ?? null;
  const tag = stream?.tag;
  const list = stream?.list;
  useEffect(() => {
    if (!name || (["user", "list", "direct"].includes(name) && !signedIn())) return;
    const id = streamId();
    const close = openStream({
      url: streamingUrl(api.origin, name, storedToken(stores), tag, list),
      onEvent: (event) => handlers.current.onEvent(event),
      onStatus: (status) => {
        streamStatus(id, status);
        handlers.current.onStatus?.(status);
      },
    });
    return () => {
      close();
      streamStatus(id, null);
    };
  }, [name, tag, list]);
}
