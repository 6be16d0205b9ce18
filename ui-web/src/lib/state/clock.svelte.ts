/**
 * A reactive "now" that ticks once a second while something reads it, for countdowns (flood
 * waits, reconnection) and relative times.
 */
export class Clock {
  now = $state(Date.now());
  private timer: ReturnType<typeof setInterval> | null = null;
  private users = 0;

  /** Starts ticking for one user; returns the function that stops it. */
  use(intervalMs = 1000): () => void {
    this.users += 1;
    if (this.timer === null) {
      this.now = Date.now();
      this.timer = setInterval(() => {
        this.now = Date.now();
      }, intervalMs);
    }
    return () => {
      this.users -= 1;
      if (this.users === 0 && this.timer !== null) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }
}
