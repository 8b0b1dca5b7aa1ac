import { describe, expect, it, vi } from "vitest";
import { openStream, parseFrame, reconnectDelay, streamingUrl } from "../src/api/streaming";

class FakeSocket {
  static made: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((message: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeSocket.made.push(this);
  }
  close() {
    this.closed = true;
  }
}

describe("streaming", () => {
  it("builds the socket URL with stream and token", () => {
    expect(streamingUrl("https://r.example", "public:local", "tok")).toBe(
      "wss://r.example/api/v1/streaming?stream=public%3Alocal&access_token=tok",
    );
  });

  it("parses frames with JSON payloads, keeps delete ids as text, ignores junk", () => {
    expect(parseFrame('{"stream":["user"],"event":"update","payload":"{\\"id\\":\\"5\\"}"}')).toEqual({
      stream: ["user"],
      event: "update",
      payload: { id: "5" },
    });
    expect(parseFrame('{"event":"delete","payload":"123"}')?.payload).toBe("123");
    expect(parseFrame("not json")).toBe(null);
  });

  it("backs off exponentially up to 30 s", () => {
    expect([0, 1, 2, 3, 10].map((n) => reconnectDelay(n, () => 0))).toEqual([1000, 2000, 4000, 8000, 30000]);
    expect(reconnectDelay(0, () => 1)).toBe(1200);
  });

  it("reconnects after a lost connection and stops when closed", () => {
    vi.useFakeTimers();
    FakeSocket.made = [];
    const statuses: string[] = [];
    const events: string[] = [];
    const close = openStream({
      url: "ws://r/x",
      onEvent: (event) => events.push(event.event),
      onStatus: (status) => statuses.push(status.state),
      socketFactory: (url) => new FakeSocket(url) as unknown as WebSocket,
    });
    FakeSocket.made[0].onopen?.();
    FakeSocket.made[0].onmessage?.({ data: '{"event":"update","payload":"{}"}' });
    FakeSocket.made[0].onclose?.();
    vi.advanceTimersByTime(1300);
    expect(FakeSocket.made).toHaveLength(2);
    close();
    expect(FakeSocket.made[1].closed).toBe(true);
    expect(statuses).toEqual(["connecting", "open", "lost", "connecting"]);
    expect(events).toEqual(["update"]);
    vi.useRealTimers();
  });
});
