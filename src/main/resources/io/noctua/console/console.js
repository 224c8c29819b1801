// Noctua's web console. It talks to the server through the public Athena API (POST / with
// X-Amz-Target), as any client does, and reads outputs through /console/output. Everything the
// server returns is user data (code, output, descriptions), so it is only ever set as text.
// When the server checks signatures, the person gives an access key once per tab (kept in this
// tab's sessionStorage, never sent) and every call is signed with it (sigv4.js).
'use strict';

const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELED']);
const ENDED_SESSION = new Set(['TERMINATED', 'TERMINATING', 'FAILED']);

const state = {
  workGroup: null,
  sessionId: null,
  details: new Map(),   // calculation id -> GetCalculationExecution answer, kept once final
  code: new Map(),      // calculation id -> code block
  outputs: new Map(),   // calculation id -> {stdout, stderr, result}
  items: new Map(),     // calculation id -> its <li>
  sessionFacts: new Map(), // session id -> {session, executors, ended, final, round}; a final session's are kept
  round: 0,             // counts refreshes, so that one refresh asks for a session's facts once
  busy: false,
};

const $ = (id) => document.getElementById(id);

/** An element with attributes and children; strings become text nodes, never markup. */
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

class ApiError extends Error {}

/** The server wants a signature this tab cannot give: no keys yet, or keys it does not know. */
class SignInNeeded extends ApiError {}

const SIGN_IN_ERRORS = new Set(['MissingAuthenticationTokenException', 'UnrecognizedClientException', 'InvalidSignatureException',
  'IncompleteSignatureException']);
const KEYS = 'noctua.keys';

const keys = {
  get() {
    try { return JSON.parse(sessionStorage.getItem(KEYS)); } catch (e) { return null; }
  },
  set(accessKeyId, secretAccessKey) { sessionStorage.setItem(KEYS, JSON.stringify({ accessKeyId, secretAccessKey })); },
  clear() { sessionStorage.removeItem(KEYS); },
};

/** fetch, signed with this tab's keys when it has them. */
async function call(method, path, parameters, headers, body) {
  const queryString = parameters ? NoctuaSigV4.query(parameters) : '';
  const given = keys.get();
  const signature = given ? await NoctuaSigV4.sign({
    method, host: location.host, path, queryString, headers, body, keys: given, region: 'us-east-1', service: 'athena',
  }) : {};
  return fetch(path + (queryString ? '?' + queryString : ''), { method, headers: { ...headers, ...signature }, body });
}

async function athena(operation, body) {
  let response;
  try {
    response = await call('POST', '/', null,
      { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AmazonAthena.' + operation }, JSON.stringify(body || {}));
  } catch (e) {
    setConnection(false);
    throw new ApiError('The server cannot be reached: ' + e.message);
  }
  setConnection(true);
  const text = await response.text();
  let answer;
  try { answer = text ? JSON.parse(text) : {}; } catch (e) { answer = { Message: text }; }
  if (!response.ok) {
    const type = (answer.__type || 'Error').split('#').pop();
    const message = operation + ': ' + type + ': ' + (answer.message || answer.Message || response.status);
    if (SIGN_IN_ERRORS.has(type)) {
      askForKeys(message);
      throw new SignInNeeded(message);
    }
    throw new ApiError(message);
  }
  return answer;
}

async function output(uri) {
  if (!uri) return '';
  const response = await call('GET', '/console/output', { uri }, {}, undefined);
  return response.ok ? response.text() : '';
}

// ---- signing in, when the server checks signatures

function askForKeys(reason) {
  const form = $('sign-in');
  if (!form.hidden) return;
  $('sign-in-reason').textContent = keys.get()
    ? 'The server did not accept these keys (' + reason + ').'
    : 'This server takes only calls signed with an access key (its auth.access-key-id).';
  keys.clear();
  form.hidden = false;
  $('sign-out').hidden = true;
  $('access-key-id').focus();
}

async function signIn(event) {
  event.preventDefault();
  const id = $('access-key-id').value.trim();
  const secret = $('secret-access-key').value;
  if (!id || !secret) return;
  keys.set(id, secret);
  $('secret-access-key').value = '';
  $('sign-in').hidden = true;
  $('sign-out').hidden = false;
  try {
    await loadWorkGroups();
    await refresh();
  } catch (e) {
    if (!(e instanceof SignInNeeded)) showError(e);
  }
}

function signOut() {
  keys.clear();
  location.reload();
}

function setConnection(up) {
  const node = $('connection');
  node.textContent = up ? 'live' : 'server unreachable';
  node.classList.toggle('down', !up);
}

function showError(error) {
  const node = $('error');
  node.textContent = error instanceof Error ? error.message : String(error);
  node.hidden = false;
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => { node.hidden = true; }, 8000);
}

function badge(value) {
  return el('span', { class: 'state ' + value, 'data-state': value }, value);
}

function time(seconds) {
  return seconds ? new Date(seconds * 1000).toLocaleString() : '-';
}

function age(seconds) {
  if (!seconds) return '';
  const s = Math.max(0, Math.round(Date.now() / 1000 - seconds));
  if (s < 60) return s + ' s ago';
  if (s < 3600) return Math.floor(s / 60) + ' min ago';
  return Math.floor(s / 3600) + ' h ago';
}

function duration(status) {
  if (!status || !status.SubmissionDateTime) return '';
  const end = status.CompletionDateTime || Date.now() / 1000;
  return ((end - status.SubmissionDateTime)).toFixed(1) + ' s';
}

function percent(progress) {
  const match = /^(\d{1,3})%/.exec(progress || '');
  return match ? Math.min(100, Number(match[1])) : 0;
}

// ---- workgroups and sessions

async function loadWorkGroups() {
  const answer = await athena('ListWorkGroups', { MaxResults: 50 });
  const select = $('workgroup');
  select.replaceChildren();
  const names = (answer.WorkGroups || []).map((w) => w.Name);
  for (const w of answer.WorkGroups || []) {
    const engine = w.EngineVersion ? w.EngineVersion.EffectiveEngineVersion : '';
    select.append(el('option', { value: w.Name }, w.Name + (engine ? ' (' + engine + ')' : '')));
  }
  state.workGroup = names.includes('spark') ? 'spark' : names[0];
  select.value = state.workGroup;
}

/**
 * A session's GetSession answer and executor count, asked at most once per refresh while the session
 * can still change and once after it ended; the session list and the selected session share them.
 */
async function sessionFacts(sessionId) {
  const known = state.sessionFacts.get(sessionId);
  if (known && (known.final || known.round === state.round)) return known;
  const [session, executors] = await Promise.all([
    athena('GetSession', { SessionId: sessionId }),
    athena('ListExecutors', { SessionId: sessionId, MaxResults: 100 })
      .then((listed) => (listed.ExecutorsSummary || []).length, () => null),
  ]);
  const sessionState = session.Status.State;
  const facts = {
    session, executors, round: state.round,
    ended: ENDED_SESSION.has(sessionState),
    final: sessionState === 'TERMINATED' || sessionState === 'FAILED',
  };
  state.sessionFacts.set(sessionId, facts);
  return facts;
}

function sessionDpu(session) {
  return session.Statistics ? session.Statistics.DpuExecutionInMillis : undefined;
}

function dpuText(millis) {
  return millis === undefined || millis === null ? '-' : (millis / 1000).toFixed(1) + ' s';
}

async function refreshSessions() {
  const answer = await athena('ListSessions', { WorkGroup: state.workGroup, MaxResults: 100 });
  const sessions = (answer.Sessions || []).sort((a, b) => b.Status.StartDateTime - a.Status.StartDateTime);
  const facts = await Promise.all(sessions.slice(0, 30).map((s) => sessionFacts(s.SessionId)));
  $('sessions-empty').hidden = sessions.length > 0;
  const list = $('session-list');
  list.replaceChildren(...sessions.map((s, index) => el('li', {
    class: s.SessionId === state.sessionId ? 'selected' : '',
    'data-session': s.SessionId,
    onclick: () => selectSession(s.SessionId),
  },
  el('div', { class: 'id' }, s.SessionId),
  el('div', { class: 'meta' }, badge(s.Status.State), el('span', {}, age(s.Status.StartDateTime)),
    s.Description ? el('span', { class: 'description' }, s.Description) : null),
  facts[index] ? el('div', { class: 'meta usage' },
    el('span', { class: 'dpu' }, 'DPU ' + dpuText(sessionDpu(facts[index].session))),
    facts[index].ended ? null : el('span', { class: 'executors' }, facts[index].executors + ' executor' + (facts[index].executors === 1 ? '' : 's')))
    : null)));
}

async function startSession() {
  $('start-session').disabled = true;
  try {
    const answer = await athena('StartSession', {
      WorkGroup: state.workGroup, Description: 'console', EngineConfiguration: { MaxConcurrentDpus: 20 },
    });
    await selectSession(answer.SessionId);
  } catch (e) {
    showError(e);
  } finally {
    $('start-session').disabled = false;
  }
}

async function selectSession(sessionId) {
  state.sessionId = sessionId;
  history.replaceState(null, '', '#session=' + encodeURIComponent(sessionId));
  state.items.clear();
  $('calculation-list').replaceChildren();
  $('no-session').hidden = true;
  $('session-view').hidden = false;
  $('session-title').textContent = 'Session ' + sessionId;
  await refresh();
  $('code').focus();
}

async function refreshSession() {
  const id = state.sessionId;
  const { session, executors } = await sessionFacts(id);
  if (id !== state.sessionId) return;
  const status = session.Status || {};
  const facts = [
    ['State', badge(status.State)],
    ['Started', time(status.StartDateTime)],
    ['DPU time', dpuText(sessionDpu(session))],
    ['Executors', executors === null ? '-' : String(executors)],
    ['Engine', session.EngineVersion || '-'],
  ];
  if (status.StateChangeReason) facts.push(['Reason', status.StateChangeReason]);
  $('session-facts').replaceChildren(...facts.map(([name, value]) => el('div', {}, el('dt', {}, name), el('dd', {}, value))));
  const ended = ENDED_SESSION.has(status.State);
  $('terminate-session').disabled = ended;
  $('run').disabled = ended;
}

async function terminateSession() {
  try {
    await athena('TerminateSession', { SessionId: state.sessionId });
    await refresh();
  } catch (e) {
    showError(e);
  }
}

// ---- calculations

async function runCell(event) {
  event.preventDefault();
  const code = $('code').value;
  if (!code.trim()) return;
  $('run').disabled = true;
  try {
    await athena('StartCalculationExecution', { SessionId: state.sessionId, CodeBlock: code });
    $('code').value = '';
    await refresh();
  } catch (e) {
    showError(e);
  } finally {
    $('run').disabled = false;
  }
}

async function stopCalculation(id) {
  try {
    await athena('StopCalculationExecution', { CalculationExecutionId: id });
    await refresh();
  } catch (e) {
    showError(e);
  }
}

async function refreshCalculations() {
  const id = state.sessionId;
  const answer = await athena('ListCalculationExecutions', { SessionId: id, MaxResults: 100 });
  if (id !== state.sessionId) return;
  const calculations = answer.Calculations || [];
  $('calculations-empty').hidden = calculations.length > 0;
  const list = $('calculation-list');
  await Promise.all(calculations.map((c) => refreshCalculation(c)));
  if (id !== state.sessionId) return;
  const wanted = calculations.map((c) => item(c.CalculationExecutionId));
  wanted.forEach((node, index) => {
    if (list.children[index] !== node) list.insertBefore(node, list.children[index] || null);
  });
  while (list.children.length > wanted.length) list.lastChild.remove();
}

async function refreshCalculation(summary) {
  const id = summary.CalculationExecutionId;
  let details = state.details.get(id);
  if (!details || !FINAL.has(details.Status.State)) {
    details = await athena('GetCalculationExecution', { CalculationExecutionId: id });
    state.details.set(id, details);
  }
  if (!state.code.has(id)) {
    const code = await athena('GetCalculationExecutionCode', { CalculationExecutionId: id });
    state.code.set(id, code.CodeBlock || '');
  }
  if (FINAL.has(details.Status.State) && !state.outputs.has(id)) {
    const result = details.Result || {};
    const [stdout, stderr, resultJson] = await Promise.all([
      output(result.StdOutS3Uri), output(result.StdErrorS3Uri),
      result.ResultS3Uri ? output(result.ResultS3Uri + 'result.json') : Promise.resolve(''),
    ]);
    let text = '';
    try { text = resultJson ? (JSON.parse(resultJson)['text/plain'] || '') : ''; } catch (e) { text = ''; }
    state.outputs.set(id, { stdout, stderr, result: text });
  }
  render(id);
}

function item(id) {
  let node = state.items.get(id);
  if (!node) {
    node = el('li', { class: 'calculation', 'data-calculation': id });
    state.items.set(id, node);
  }
  return node;
}

function render(id) {
  const details = state.details.get(id);
  const status = details.Status;
  const progress = details.Statistics ? details.Statistics.Progress : '';
  const running = !FINAL.has(status.State);
  const head = el('div', { class: 'head' },
    badge(status.State),
    el('span', { class: 'id' }, id),
    running ? el('div', { class: 'progress', title: progress || '' }, el('span', {})) : null,
    el('span', { class: 'progress-text' }, progress || ''),
    el('span', { class: 'duration' }, duration(status)),
    running && status.State !== 'CANCELING'
      ? el('button', { type: 'button', class: 'danger stop', onclick: () => stopCalculation(id) }, 'Stop') : null);
  const bar = head.querySelector('.progress > span');
  if (bar) bar.style.width = percent(progress) + '%';

  const body = el('div', { class: 'body' });
  body.append(el('div', { class: 'label' }, 'Code'), el('pre', { class: 'code' }, state.code.get(id) || ''));
  const outputs = state.outputs.get(id);
  if (outputs) {
    if (outputs.stdout) body.append(el('div', { class: 'label' }, 'Output'), el('pre', { class: 'stdout' }, outputs.stdout));
    if (outputs.result && !outputs.stdout.includes(outputs.result)) {
      body.append(el('div', { class: 'label' }, 'Result'), el('pre', { class: 'result' }, outputs.result));
    }
    if (outputs.stderr) body.append(el('div', { class: 'label' }, 'Errors'), el('pre', { class: 'stderr' }, outputs.stderr));
  }
  const stderr = outputs ? outputs.stderr : '';
  if (status.StateChangeReason && status.State !== 'COMPLETED' && !stderr.includes(status.StateChangeReason)) {
    body.append(el('pre', { class: 'reason' }, status.StateChangeReason));
  }
  item(id).replaceChildren(head, body);
}

// ---- the loop

async function refresh() {
  if (state.busy) return;
  state.busy = true;
  state.round += 1;
  try {
    await refreshSessions();
    if (state.sessionId) {
      await Promise.all([refreshSession(), refreshCalculations()]);
    }
  } catch (e) {
    if (e instanceof SignInNeeded) return;
    if (e instanceof ApiError) showError(e); else throw e;
  } finally {
    state.busy = false;
  }
}

function loop() {
  const active = [...state.details.values()].some((d) => !FINAL.has(d.Status.State));
  const waiting = !$('sign-in').hidden;
  (waiting ? Promise.resolve() : refresh()).finally(() => setTimeout(loop, active ? 500 : 1500));
}

async function main() {
  $('sign-in').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', signOut);
  $('sign-out').hidden = !keys.get();
  $('start-session').addEventListener('click', startSession);
  $('terminate-session').addEventListener('click', terminateSession);
  $('cell').addEventListener('submit', runCell);
  $('code').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) runCell(event);
  });
  $('workgroup').addEventListener('change', (event) => {
    state.workGroup = event.target.value;
    state.sessionId = null;
    $('session-view').hidden = true;
    $('no-session').hidden = false;
    refresh();
  });
  try {
    await loadWorkGroups();
  } catch (e) {
    if (!(e instanceof SignInNeeded)) showError(e);
  }
  const linked = /^#session=(.+)$/.exec(location.hash);
  if (linked) {
    selectSession(decodeURIComponent(linked[1])).catch(showError);
  }
  loop();
}

main();
