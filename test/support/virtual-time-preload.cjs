/* global process */
'use strict';
/**
 * Preloaded (`node --require`) into a process that test/support/virtual-time.ts puts on virtual time: Date.now runs
 * `scale` times faster from `origin`, and timers wait `scale` times less. Only Date.now and the global timers are
 * changed: they are what octokit's throttling and retries (Bottleneck) measure and wait with. One timer is left at
 * wall speed: the clock tick of undici (the HTTP client of @actions/github), which counts its ticks to time out
 * connections and answers; sped up, a busy machine would make a request time out.
 */
const { origin, realOrigin, scale } = JSON.parse(process.env.SESSION_MANAGER_ROLE_TEST_VIRTUAL_TIME);
const wallClock = Date.now;
Date.now = () => Math.floor(origin + (wallClock() - realOrigin) * scale);
for (const name of ['setTimeout', 'setInterval']) {
  const timer = globalThis[name];
  globalThis[name] = (callback, delay, ...args) => timer(callback, callback.name === 'onTick' ? delay : (Number(delay) || 0) / scale, ...args);
}
