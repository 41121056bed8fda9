// Opens the chat page of a running spruce server in headless Chromium (Debian's, driven by
// playwright-core), sends a message, watches the reply stream in and takes a screenshot; prints
// what it saw as one JSON object for the Maven test.
// Env: SPRUCE_URL, SPRUCE_API_KEY, MESSAGE, MAX_TOKENS, SCREENSHOT (PNG path), PROFILE (a fresh directory).
import { chromium } from "playwright-core";

const { SPRUCE_URL, SPRUCE_API_KEY, MESSAGE, MAX_TOKENS, SCREENSHOT, PROFILE } = process.env;
const context = await chromium.launchPersistentContext(PROFILE, {
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  viewport: { width: 1000, height: 700 },
});
try {
  const page = context.pages()[0] ?? await context.newPage();
  const consoleErrors = [];
  page.on("console", m => { if (m.type() === "error") consoleErrors.push(m.text()); });
  if (SPRUCE_API_KEY) {
    // As if the user had entered the key on an earlier visit (the page keeps it in localStorage).
    await context.addInitScript(key => localStorage.setItem("spruce-api-key", key), SPRUCE_API_KEY);
  }
  await page.goto(SPRUCE_URL + "/");
  await page.waitForFunction(() => document.getElementById("model").textContent.startsWith("model: "));
  await page.fill("#temperature", "0");
  await page.fill("#maxTokens", MAX_TOKENS);
  await page.fill("#input", MESSAGE);
  await page.press("#input", "Enter");
  // Part of the reply is on screen while the stream is still open: it streams, not arrives whole.
  const partial = await page.waitForFunction(() => {
    const r = document.querySelector(".msg.assistant");
    return r && r.dataset.state === "streaming" && r.textContent.length > 0 ? r.textContent : null;
  }, null, { polling: "raf", timeout: 30000 }).then(h => h.jsonValue()).catch(() => null);
  await page.waitForSelector(".msg[data-state=done]", { timeout: 60000 });
  const reply = await page.textContent(".msg.assistant, .msg.error");
  const status = await page.textContent("#status");
  await page.screenshot({ path: SCREENSHOT });
  console.log(JSON.stringify({ reply, partial, status, consoleErrors,
    user: await page.textContent(".msg.user") }));
} finally {
  await context.close();
}
