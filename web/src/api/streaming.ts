// The streaming API over one WebSocket per stream, reconnecting by itself with backoff.

export type StreamName = "user" | "public" | "public:local" | "hashtag" | "hashtag:local" | "list" | "direct";

export interface StreamEvent {
  event: string;
  /** Parsed JSON payload (status, notification, chat message) or the raw string (delete's id). */
  payload: unknown;
  stream: string[];
}

export type StreamStatus = { state: "connecting" } | { state: "open" } | { state: "lost"; retryInSeconds: number };

/** Exponential backoff: 1, 2, 4 ... 30 s, with up to 20% jitter so clients do not stampede. */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 1000 * 2 ** Math.max(0, attempt));
  return Math.round(base * (1 + 0.2 * random()));
}

export function parseFrame(data: string): StreamEvent | null {
  let frame: { event?: unknown; payload?: unknown; stream?: unknown };
  try {
    frame = JSON.parse(data);
  } catch {
    return null;
  }
  if (!frame || typeof frame.event !== "string") return null;
  let payload = frame.payload;
  if (typeof payload === "string" && frame.event !== "delete") {
    try {
      payload = JSON.parse(payload);
    } catch {
      // leave it as text
    }
  }
  return { event: frame.event, payload, stream: Array.isArray(frame.stream) ? (frame.stream as string[]) : [] };
}

export function streamingUrl(origin: string, stream: StreamName, token: string | null, tag?: string, list?: string): string {
  const url = new URL("/api/v1/streaming", origin);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("stream", stream);
  if (tag) url.searchParams.set("tag", tag);
  if (list) url.searchParams.set("list", list);
  if (token) url.searchParams.set("access_token", token);
  return url.toString();
}

export interface StreamOptions {
  url: string;
  onEvent: (event: StreamEvent) => void;
  onStatus?: (status: StreamStatus) => void;
  socketFactory?: (url: string) => WebSocket;
}

/** Open a stream; the returned function closes it for good. */
export function openStream(options: StreamOptions): () => void {
  const make = options.socketFactory ?? ((url: string) => new WebSocket(url));
  let socket: WebSocket | null = null;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;

  const connect = () => {
    options.onStatus?.({ state: "connecting" });
    socket = make(options.url);
    socket.onopen = () => {
      attempt = 0;
      options.onStatus?.({ state: "open" });
    };
    socket.onmessage = (message) => {
      const event = typeof message.data === "string" ? parseFrame(message.data) : null;
      if (event) options.onEvent(event);
    };
    socket.onclose = () => {
      socket = null;
      if (closed) return;
      const delay = reconnectDelay(attempt++);
      options.onStatus?.({ state: "lost", retryInSeconds: Math.ceil(delay / 1000) });
      timer = setTimeout(connect, delay);
    };
  };
  connect();
  return () => {
    closed = true;
    if (timer) clearTimeout(timer);
    socket?.close();
  };
}
