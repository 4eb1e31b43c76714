/** Delay before reconnect attempt `attempt` (0-based): exponential, capped, with jitter. */
export function backoffDelay(attempt: number, baseMs = 500, maxMs = 8_000): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/** How long a channel may keep failing before it counts as down rather than reconnecting. */
export const DOWN_AFTER_MS = 8_000;

/**
 * One channel's reconnection bookkeeping: the delay before the next attempt, and whether
 * it has been failing long enough to call it down. A blip stays amber; an outage turns red.
 */
export class RetryPolicy {
  private failures = 0;
  private isDown = false;
  private downTimer: number | undefined;
  private readonly onDown: () => void;

  constructor(onDown: () => void) {
    this.onDown = onDown;
  }

  get down(): boolean {
    return this.isDown;
  }

  get failing(): boolean {
    return this.failures > 0;
  }

  /** The channel opened: forget past failures. */
  succeeded(): void {
    this.failures = 0;
    this.isDown = false;
    window.clearTimeout(this.downTimer);
    this.downTimer = undefined;
  }

  /** The channel failed: return the delay before trying again. */
  failed(): number {
    this.failures += 1;
    if (!this.isDown && this.downTimer === undefined) {
      this.downTimer = window.setTimeout(() => {
        this.downTimer = undefined;
        this.isDown = true;
        this.onDown();
      }, DOWN_AFTER_MS);
    }
    return backoffDelay(this.failures - 1);
  }

  dispose(): void {
    window.clearTimeout(this.downTimer);
    this.downTimer = undefined;
  }
}
