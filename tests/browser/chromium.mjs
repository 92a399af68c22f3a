// What both drivers share: Debian's Chromium (never a downloaded browser), its flags, and what counts as a
// request that stays on this machine.
export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

// The machine's network is closed: without these, Chromium keeps trying Google's hosts at start.
export const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function isLocal(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (["file:", "data:", "blob:", "about:"].includes(u.protocol)) return true;
  if (u.protocol !== "http:" && u.protocol !== "https:" && u.protocol !== "ws:") return false;
  return ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);
}
