// The WebSocket control channel: request/response commands, topic subscriptions,
// a heartbeat, and reconnection with backoff. Later pages send their commands here.
import { RetryPolicy } from "./backoff";
import { type BusEventHandler, toBusEvent } from "./busEvent";
import type { ChannelState } from "./connectionStore";

const REQUEST_TIMEOUT_MS = 10_000;
const HEARTBEAT_MS = 25_000;

/** A command the server answered with `{"error": {...}}`, or one that never got an answer. */
export class CommandError extends Error {
  readonly type: string;

  constructor(type: string, message: string) {
    super(message);
    this.name = "CommandError";
    this.type = type;
  }
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: number;
}

export function controlSocketUrl(path = "/api/ws"): string {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}${path}`;
}

export class ControlSocket {
  private ws: WebSocket | null = null;
  private nextId = 1;
  private stopped = true;
  private retryTimer: number | undefined;
  private heartbeatTimer: number | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly outbox: string[] = [];
  private readonly topicHandlers = new Map<string, Set<BusEventHandler>>();
  private readonly retry: RetryPolicy;
  private readonly url: string;
  private readonly onState: (state: ChannelState) => void;

  constructor(url: string, onState: (state: ChannelState) => void) {
    this.url = url;
    this.onState = onState;
    this.retry = new RetryPolicy(() => this.onState("down"));
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    this.retry.dispose();
    window.clearTimeout(this.retryTimer);
    window.clearInterval(this.heartbeatTimer);
    this.ws?.close(1000, "client closing");
    this.ws = null;
    this.outbox.length = 0;
    this.rejectAll(new CommandError("closed", "The control connection was closed."));
  }

  /** Try again now rather than at the end of the backoff (the server was seen to be back). */
  retryNow(): void {
    if (this.stopped || this.ws) return;
    window.clearTimeout(this.retryTimer);
    this.open();
  }

  /** Run a command and resolve with its `result`; queued while the socket reconnects. */
  command<T = unknown>(command: string, args: Record<string, unknown> = {}): Promise<T> {
    return this.send({ type: "command", command, args }) as Promise<T>;
  }

  /** Receive pushed events for `topics` until the returned function is called. */
  subscribe(topics: string[], handler: BusEventHandler): () => void {
    const added: string[] = [];
    for (const topic of topics) {
      let handlers = this.topicHandlers.get(topic);
      if (!handlers) {
        handlers = new Set();
        this.topicHandlers.set(topic, handlers);
        added.push(topic);
      }
      handlers.add(handler);
    }
    if (added.length && this.isOpen) void this.send({ type: "subscribe", topics: added }).catch(() => {});

    return () => {
      const removed: string[] = [];
      for (const topic of topics) {
        const handlers = this.topicHandlers.get(topic);
        if (!handlers) continue;
        handlers.delete(handler);
        if (handlers.size === 0) {
          this.topicHandlers.delete(topic);
          removed.push(topic);
        }
      }
      if (removed.length && this.isOpen) {
        void this.send({ type: "unsubscribe", topics: removed }).catch(() => {});
      }
    };
  }

  private send(message: Record<string, unknown>): Promise<unknown> {
    const id = String(this.nextId++);
    const frame = JSON.stringify({ id, ...message });
    return new Promise((resolve, reject) => {
      const timer = window.setTimeout(() => {
        this.pending.delete(id);
        reject(new CommandError("timeout", "The server did not answer in time."));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      if (this.isOpen) this.ws?.send(frame);
      else this.outbox.push(frame);
    });
  }

  private open(): void {
    if (this.stopped) return;
    const ws = new WebSocket(this.url);
    this.ws = ws;
    this.onState(this.retry.failing ? (this.retry.down ? "down" : "retrying") : "connecting");

    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.retry.succeeded();
      this.onState("open");
      const topics = [...this.topicHandlers.keys()];
      if (topics.length) void this.send({ type: "subscribe", topics }).catch(() => {});
      for (const frame of this.outbox.splice(0)) ws.send(frame);
      window.clearInterval(this.heartbeatTimer);
      this.heartbeatTimer = window.setInterval(() => this.heartbeat(), HEARTBEAT_MS);
    };

    ws.onmessage = (message: MessageEvent) => {
      if (typeof message.data === "string") this.receive(message.data);
    };

    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      window.clearInterval(this.heartbeatTimer);
      if (this.stopped) return;
      const delay = this.retry.failed();
      this.onState(this.retry.down ? "down" : "retrying");
      this.retryTimer = window.setTimeout(() => this.open(), delay);
    };
  }

  private heartbeat(): void {
    const ws = this.ws;
    // A ping that goes unanswered means a dead connection the browser has not noticed yet.
    this.command("ping").catch(() => {
      if (this.ws === ws) ws?.close(4000, "heartbeat timeout");
    });
  }

  private receive(raw: string): void {
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch {
      return;
    }
    if (!message || typeof message !== "object") return;
    const m = message as Record<string, unknown>;

    if (m.type === "event") {
      const event = toBusEvent(m.event);
      if (!event) return;
      for (const handler of this.topicHandlers.get(event.topic) ?? []) handler(event);
      return;
    }

    const id = m.id === undefined ? undefined : String(m.id);
    const pending = id === undefined ? undefined : this.pending.get(id);
    if (!pending || id === undefined) return;
    this.pending.delete(id);
    window.clearTimeout(pending.timer);
    if (m.error && typeof m.error === "object") {
      const { type, message: text } = m.error as Record<string, unknown>;
      pending.reject(
        new CommandError(
          typeof type === "string" ? type : "error",
          typeof text === "string" ? text : "Command failed.",
        ),
      );
    } else {
      pending.resolve(m.result);
    }
  }

  private rejectAll(error: Error): void {
    for (const [id, pending] of this.pending) {
      window.clearTimeout(pending.timer);
      pending.reject(error);
      this.pending.delete(id);
    }
  }
}
