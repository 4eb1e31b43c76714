// The SSE stream of bus events. EventSource retries network drops itself (and resumes
// with Last-Event-ID); when it gives up for good (an HTTP error) we start a new one with backoff.
import { RetryPolicy } from "./backoff";
import { type BusEventHandler, toBusEvent } from "./busEvent";
import type { ChannelState } from "./connectionStore";

export interface EventStreamOptions {
  url: string;
  onEvent: BusEventHandler;
  onState: (state: ChannelState) => void;
  /** Called when the stream opens again after a failure: time to refetch snapshots. */
  onResume?: () => void;
  /** Called when the server refused the stream (HTTP error), e.g. an expired session. */
  onRefused?: () => void;
}

export class EventStream {
  private source: EventSource | null = null;
  private retryTimer: number | undefined;
  private stopped = true;
  private lastEventId: string | null = null;
  private readonly retry: RetryPolicy;
  private readonly options: EventStreamOptions;

  constructor(options: EventStreamOptions) {
    this.options = options;
    this.retry = new RetryPolicy(() => this.options.onState("down"));
  }

  get isOpen(): boolean {
    return this.source?.readyState === EventSource.OPEN;
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.retryTimer);
    this.retry.dispose();
    this.source?.close();
    this.source = null;
  }

  /** Try again now rather than at the end of the backoff (the server was seen to be back). */
  retryNow(): void {
    if (this.stopped || this.source) return;
    window.clearTimeout(this.retryTimer);
    this.open();
  }

  private failedState(): ChannelState {
    return this.retry.down ? "down" : "retrying";
  }

  private open(): void {
    if (this.stopped) return;
    // A new EventSource forgets Last-Event-ID, so resume through the query string instead.
    const url = this.lastEventId
      ? `${this.options.url}${this.options.url.includes("?") ? "&" : "?"}since=${encodeURIComponent(this.lastEventId)}`
      : this.options.url;
    const source = new EventSource(url, { withCredentials: true });
    this.source = source;
    this.options.onState(this.retry.failing ? this.failedState() : "connecting");

    source.onopen = () => {
      if (this.source !== source) return;
      const resumed = this.retry.failing;
      this.retry.succeeded();
      this.options.onState("open");
      if (resumed) this.options.onResume?.();
    };

    source.onmessage = (message: MessageEvent<string>) => {
      if (message.lastEventId) this.lastEventId = message.lastEventId;
      let parsed: unknown;
      try {
        parsed = JSON.parse(message.data);
      } catch {
        return;
      }
      const event = toBusEvent(parsed);
      if (event) this.options.onEvent(event);
    };

    source.onerror = () => {
      if (this.source !== source || this.stopped) return;
      const delay = this.retry.failed();
      this.options.onState(this.failedState());
      if (source.readyState === EventSource.CLOSED) {
        // The browser will not retry after an HTTP error: do it ourselves, more slowly each time.
        source.close();
        this.source = null;
        this.options.onRefused?.();
        this.retryTimer = window.setTimeout(() => this.open(), delay);
      }
    };
  }
}
