// Drives a running spruce server with the official openai client, streaming and not, and prints
// what it got as one JSON object; the Maven test compares the texts with `spruce generate`'s.
// Env: SPRUCE_URL (http://127.0.0.1:PORT), SPRUCE_MODEL, SPRUCE_API_KEY, PROMPT, and SETTINGS (JSON:
// max_tokens, temperature, top_p, seed).
import OpenAI from "openai";

const { SPRUCE_URL, SPRUCE_MODEL, SPRUCE_API_KEY, PROMPT, SETTINGS } = process.env;
const settings = JSON.parse(SETTINGS);
const client = new OpenAI({ baseURL: `${SPRUCE_URL}/v1`, apiKey: SPRUCE_API_KEY, maxRetries: 0 });
const model = SPRUCE_MODEL;
const out = {};

out.models = (await client.models.list()).data.map(m => m.id);

const completion = await client.completions.create({ model, prompt: PROMPT, ...settings });
out.completion = completion.choices[0].text;
out.completionFinish = completion.choices[0].finish_reason;
out.completionUsage = completion.usage;

let text = "";
let chunks = 0;
for await (const chunk of await client.completions.create({ model, prompt: PROMPT, ...settings, stream: true })) {
  text += chunk.choices[0]?.text ?? "";
  chunks++;
}
out.completionStream = text;
out.completionStreamChunks = chunks;

const chat = await client.chat.completions.create({ model, messages: [{ role: "user", content: PROMPT }], ...settings });
out.chat = chat.choices[0].message.content;
out.chatRole = chat.choices[0].message.role;
out.chatUsage = chat.usage;

text = "";
chunks = 0;
const stream = await client.chat.completions.create({
  model, messages: [{ role: "user", content: PROMPT }], ...settings, stream: true, stream_options: { include_usage: true }
});
for await (const chunk of stream) {
  text += chunk.choices[0]?.delta?.content ?? "";
  if (chunk.usage) out.chatStreamUsage = chunk.usage;
  chunks++;
}
out.chatStream = text;
out.chatStreamChunks = chunks;

try {
  await client.completions.create({ model: "no-such-model", prompt: PROMPT, max_tokens: 4 });
  out.unknownModel = "accepted";
} catch (e) {
  out.unknownModel = { status: e.status, code: e.code };
}
try {
  await new OpenAI({ baseURL: `${SPRUCE_URL}/v1`, apiKey: "wrong-key", maxRetries: 0 }).models.list();
  out.wrongKey = "accepted";
} catch (e) {
  out.wrongKey = { status: e.status, code: e.code };
}

console.log(JSON.stringify(out));
