/**
 * Runs octokit calls with the real client of @actions/github, as an action's bundle would, against GITHUB_API_URL
 * with GITHUB_TOKEN. It is a script of its own because @actions/github is ESM-only and Jest here runs CommonJS.
 *
 * Input (the first argument, or stdin): a JSON array of calls, run one after another:
 *   {"method": "rest.issues.createComment", "params": {...}}  -> {"ok": true, "status", "data", "headers"}
 *   {"paginate": "rest.issues.listComments", "params": {...}} -> {"ok": true, "data": [every item], "pages"}
 * A call may name its own "token" (say, a fork's read-only one) instead of GITHUB_TOKEN. A call that fails gives
 * {"ok": false, "status", "message", "data", "headers"}, and the next calls still run. Binary data (an artifact's zip)
 * comes as {"base64": ...}, with the "url" it was finally read from.
 * Output (stdout): the JSON array of results.
 */
import { Buffer } from 'node:buffer';
import { getOctokit } from '@actions/github';

const clients = new Map();
const calls = JSON.parse(process.argv[2] ?? (await readStdin()));
const results = [];
for (const call of calls) results.push(await run(call));
process.stdout.write(`${JSON.stringify(results)}\n`);

function client(token) {
  if (!clients.has(token)) clients.set(token, getOctokit(token, { baseUrl: process.env.GITHUB_API_URL }));
  return clients.get(token);
}

async function run(call) {
  const octokit = client(call.token ?? process.env.GITHUB_TOKEN);
  const name = call.method ?? call.paginate;
  const method = name.split('.').reduce((target, key) => target?.[key], octokit);
  if (typeof method !== 'function') return { ok: false, message: `octokit has no method ${name}` };
  try {
    if (call.paginate) {
      let pages = 0;
      const data = await octokit.paginate(method, call.params ?? {}, (response) => {
        pages += 1;
        return response.data;
      });
      return { ok: true, data, pages };
    }
    const response = await method(call.params ?? {});
    const data = response.data instanceof ArrayBuffer ? { base64: Buffer.from(response.data).toString('base64') } : (response.data ?? null);
    return { ok: true, status: response.status, data, headers: response.headers, url: response.url };
  } catch (error) {
    return { ok: false, status: error.status, message: error.message, data: error.response?.data ?? null, headers: error.response?.headers ?? {} };
  }
}

async function readStdin() {
  let text = '';
  for await (const chunk of process.stdin.setEncoding('utf8')) text += chunk;
  return text;
}
