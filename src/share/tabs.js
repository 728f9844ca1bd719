// Tabs mode's two browser APIs: a BroadcastChannel to relay on, and a Web Lock whose holder
// leads. The Rust side (tabs.rs) owns the two callbacks and calls close() when it is dropped.

export function tabs_supported() {
  return (
    typeof BroadcastChannel === "function" &&
    typeof navigator !== "undefined" &&
    typeof navigator.locks?.request === "function"
  );
}

export class TabPort {
  constructor(name, onMessage, onLead) {
    this.active = true;
    this.channel = new BroadcastChannel(name);
    this.channel.onmessage = (event) => {
      if (this.active) onMessage(event.data);
    };
    this.controller = new AbortController();
    this.held = new Promise((resolve) => (this.release = resolve));
    // Held until close() (or the tab goes away): then the next tab in line leads.
    navigator.locks
      .request(name, { signal: this.controller.signal }, () => {
        if (!this.active) return undefined;
        onLead();
        return this.held;
      })
      .catch(() => {});
  }

  post(message) {
    if (this.active) this.channel.postMessage(message);
  }

  close() {
    if (!this.active) return;
    this.active = false;
    this.controller.abort();
    this.release();
    this.channel.close();
  }
}
