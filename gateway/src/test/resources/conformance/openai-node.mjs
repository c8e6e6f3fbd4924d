// Drives Ponder with the official npm `openai` package, unmodified, and prints what it saw as one JSON line.
// Usage: node openai-node.mjs <node_modules dir> <base URL>
import { createRequire } from 'node:module';

const [modules, baseURL] = process.argv.slice(2);
const require = createRequire(modules + '/');
const OpenAI = require('openai').default ?? require('openai');
const client = new OpenAI({ baseURL, apiKey: 'unused-in-open-mode', maxRetries: 0 });

const sync = await client.chat.completions.create({
  model: 'ponder',
  messages: [{ role: 'user', content: 'Hello from node' }],
});

let streamed = '';
let usage = null;
const stream = await client.chat.completions.create({
  model: 'ponder',
  messages: [{ role: 'user', content: 'Stream to node' }],
  stream: true,
  stream_options: { include_usage: true },
});
for await (const chunk of stream) {
  for (const choice of chunk.choices) streamed += choice.delta?.content ?? '';
  if (chunk.usage) usage = chunk.usage;
}

const tools = await client.chat.completions.create({
  model: 'large',
  messages: [{ role: 'user', content: 'Weather in Paris?' }],
  tools: [{ type: 'function', function: { name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
});

const retrieved = await client.models.retrieve('large');
// The client escapes the slash of a policy's id: GET /v1/models/ponder%2Fhard.
const retrievedPolicy = await client.models.retrieve('ponder/hard');
let unknownPolicy = null;
try {
  await client.models.retrieve('ponder/nope');
} catch (e) {
  unknownPolicy = { status: e.status, code: e.code ?? null };
}

let status = null;
try {
  await client.chat.completions.create({ model: 'gpt-7', messages: [{ role: 'user', content: 'x' }] });
} catch (e) {
  status = e.status;
}

console.log(JSON.stringify({
  text: sync.choices[0].message.content,
  id: sync.id,
  requestId: sync._request_id ?? null,
  retrievedModel: retrieved.id,
  retrievedPolicy: retrievedPolicy.id,
  unknownPolicy,
  streamed,
  totalTokens: usage?.total_tokens ?? null,
  toolName: tools.choices[0].message.tool_calls?.[0]?.function?.name ?? null,
  toolArguments: tools.choices[0].message.tool_calls?.[0]?.function?.arguments ?? null,
  unknownModelStatus: status,
}));
