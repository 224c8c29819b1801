// The console's notebook view: an Athena notebook (.ipynb) opened on its session by a presigned URL
// (CreatePresignedNotebookUrl), /console/notebook/<name>.ipynb#session=<id>&token=<token>. The token
// in the fragment opens this session, its calculations and its notebook until it expires; every call
// carries it (common.js). Cells run one at a time as calculations of the session, their outputs are
// kept under them as nbformat outputs (stream, display_data, execute_result, error), and Save writes
// the document back with UpdateNotebook, so that Jupyter, ExportNotebook and this page read the same
// thing. Markdown cells are edited and kept as text: nothing in a notebook is ever parsed as markup.
'use strict';

const notebook = {
  sessionId: null,
  notebookId: null,
  name: null,
  document: null,      // the .ipynb as loaded, whose cells are replaced by the page's on save
  cells: [],           // {cell, node, running}: cell is the nbformat cell object itself
  dirty: false,
  sessionEnded: false,
  sessionReady: false, // IDLE or BUSY: it takes calculations
  refused: false,
  executions: 0,       // the execution counts this page has given
  busy: 0,             // cells running
  runningAll: false,
};

const POLL_MILLIS = 300;

function parseFragment() {
  const parameters = new URLSearchParams(location.hash.replace(/^#/, ''));
  return { sessionId: parameters.get('session'), token: parameters.get('token') };
}

/** The token's expiry, read from it (its claims are in the clear; only the server can check them). */
function tokenExpiry(token) {
  try {
    const body = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = atob(body + '='.repeat((4 - body.length % 4) % 4));
    const seconds = Number(claims.split('/').pop());
    return Number.isFinite(seconds) ? new Date(seconds * 1000) : null;
  } catch (e) {
    return null;
  }
}

/** nbformat lets text be one string or a list of lines; the page works on one string. */
function joined(text) {
  return Array.isArray(text) ? text.join('') : (typeof text === 'string' ? text : '');
}

function normalized(output) {
  const copy = { ...output };
  if (copy.text !== undefined) copy.text = joined(copy.text);
  if (copy.data && typeof copy.data === 'object') {
    copy.data = { ...copy.data };
    for (const [type, value] of Object.entries(copy.data)) {
      if (Array.isArray(value) && (type.startsWith('text/') || type === 'image/svg+xml' || type === 'image/png' || type === 'image/jpeg')) {
        copy.data[type] = value.join('');
      }
    }
  }
  return copy;
}

function newCellId() {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function newCell(type) {
  const cell = type === 'code'
    ? { cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: '' }
    : { cell_type: 'markdown', metadata: {}, source: '' };
  // nbformat 4.5 gives every cell an id
  if (notebook.document.nbformat_minor >= 5) cell.id = newCellId();
  return cell;
}

// ---- loading

async function load() {
  const session = await athena('GetSession', { SessionId: notebook.sessionId });
  const configs = (session.EngineConfiguration || {}).AdditionalConfigs || {};
  notebook.notebookId = configs.NotebookId;
  if (!notebook.notebookId) throw new ApiError('Session ' + notebook.sessionId + ' is not a notebook session.');
  const exported = await athena('ExportNotebook', { NotebookId: notebook.notebookId });
  notebook.name = exported.NotebookMetadata.Name;
  document.title = notebook.name + ' - Noctua notebook';
  $('notebook-name').textContent = notebook.name;
  notebook.document = JSON.parse(exported.Payload);
  notebook.cells = (notebook.document.cells || []).map((cell) => {
    const copy = { ...cell, source: joined(cell.source) };
    if (copy.cell_type === 'code') copy.outputs = (cell.outputs || []).map(normalized);
    return { cell: copy, node: null, running: null };
  });
  for (const entry of notebook.cells) {
    const count = entry.cell.execution_count;
    if (Number.isInteger(count)) notebook.executions = Math.max(notebook.executions, count);
  }
  renderCells();
  showSession(session.Status);
  $('notebook').hidden = false;
  setDirty(false, 'Saved ' + time(exported.NotebookMetadata.LastModifiedTime));
  enableActions();
}

// ---- the cells

function renderCells() {
  const list = $('cells');
  notebook.cells.forEach((entry, index) => {
    if (!entry.node) entry.node = cellNode(entry);
    entry.node.dataset.index = String(index);
    if (list.children[index] !== entry.node) list.insertBefore(entry.node, list.children[index] || null);
  });
  while (list.children.length > notebook.cells.length) list.lastChild.remove();
  updateCellButtons();
}

function cellNode(entry) {
  const cell = entry.cell;
  const code = cell.cell_type === 'code';
  const source = el('textarea', { class: 'source', spellcheck: 'false', 'aria-label': code ? 'Code' : 'Markdown' });
  source.value = cell.source;
  source.rows = Math.min(30, Math.max(2, cell.source.split('\n').length));
  source.addEventListener('input', () => {
    cell.source = source.value;
    source.rows = Math.min(30, Math.max(2, source.value.split('\n').length));
    setDirty(true);
  });
  source.addEventListener('keydown', (event) => {
    if (code && event.key === 'Enter' && (event.shiftKey || event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      runCell(entry).catch(showError);
    }
  });
  const head = el('div', { class: 'cell-head' },
    el('span', { class: 'count' }, code ? countText(cell) : 'md'),
    el('span', { class: 'cell-state' }),
    el('span', { class: 'cell-tools' },
      code ? el('button', { type: 'button', class: 'run', title: 'Run (Shift+Enter)', onclick: () => runCell(entry).catch(showError) }, 'Run') : null,
      el('button', { type: 'button', class: 'up', title: 'Move up', onclick: () => moveCell(entry, -1) }, '↑'),
      el('button', { type: 'button', class: 'down', title: 'Move down', onclick: () => moveCell(entry, 1) }, '↓'),
      el('button', { type: 'button', class: 'add-below', title: 'Add a code cell below', onclick: () => addCell('code', entry) }, '+'),
      el('button', { type: 'button', class: 'danger delete', title: 'Delete', onclick: () => deleteCell(entry) }, 'Delete')));
  const node = el('li', { class: 'notebook-cell ' + (code ? 'code-cell' : 'markdown-cell'), 'data-cell-type': cell.cell_type },
    head, source, el('div', { class: 'outputs' }));
  if (code) renderOutputs(entry, node);
  return node;
}

function countText(cell) {
  return '[' + (Number.isInteger(cell.execution_count) ? cell.execution_count : ' ') + ']';
}

/** A cell's nbformat outputs, as the console shows a calculation's. */
function renderOutputs(entry, node) {
  const target = (node || entry.node).querySelector('.outputs');
  const outputs = entry.cell.outputs || [];
  const streamed = outputs.filter((o) => o.output_type === 'stream').map((o) => joined(o.text)).join('');
  target.replaceChildren(...outputs.map((output) => {
    if (output.output_type === 'stream') {
      // as Jupyter shows a stream: its last line break makes no empty line
      return el('pre', { class: output.name === 'stderr' ? 'stderr' : 'stdout' }, joined(output.text).replace(/\n$/, ''));
    }
    if (output.output_type === 'error') {
      const traceback = joined((output.traceback || []).map((line) => line + '\n'));
      return el('pre', { class: 'reason' }, output.ename + ': ' + output.evalue + (traceback && !streamed.includes(traceback.trim()) ? '\n' + traceback : ''));
    }
    if (output.data && typeof output.data === 'object') {
      const result = output.output_type === 'execute_result';
      // a value whose text a stream already shows (a %%sql cell's table) is not shown twice
      if (result && preferredType(output.data) === 'text/plain' && streamed.includes(String(output.data['text/plain']))) return null;
      return richOutput(output, result);
    }
    return null;
  }).filter((node) => node !== null));
  (node || entry.node).querySelector('.count').textContent = countText(entry.cell);
}

function addCell(type, after) {
  const entry = { cell: newCell(type), node: null, running: null };
  const index = after ? notebook.cells.indexOf(after) + 1 : notebook.cells.length;
  notebook.cells.splice(index, 0, entry);
  renderCells();
  setDirty(true);
  entry.node.querySelector('.source').focus();
}

function moveCell(entry, delta) {
  const index = notebook.cells.indexOf(entry);
  const target = index + delta;
  if (target < 0 || target >= notebook.cells.length) return;
  notebook.cells.splice(index, 1);
  notebook.cells.splice(target, 0, entry);
  renderCells();
  setDirty(true);
}

function deleteCell(entry) {
  if (entry.running) return;
  notebook.cells.splice(notebook.cells.indexOf(entry), 1);
  renderCells();
  setDirty(true);
}

function updateCellButtons() {
  const locked = notebook.refused;
  notebook.cells.forEach((entry, index) => {
    const node = entry.node;
    if (!node) return; // not rendered yet
    node.querySelector('.up').disabled = locked || index === 0;
    node.querySelector('.down').disabled = locked || index === notebook.cells.length - 1;
    node.querySelector('.delete').disabled = locked || entry.running !== null;
    node.querySelector('.add-below').disabled = locked;
    node.querySelector('.source').readOnly = locked;
    const run = node.querySelector('.run');
    if (run) run.disabled = locked || !notebook.sessionReady || entry.running !== null;
  });
}

// ---- running

/** Runs one code cell as a calculation of the session and puts its outputs under it; resolves to its final state. */
async function runCell(entry) {
  if (entry.running || !notebook.sessionReady || notebook.refused) return null;
  const cell = entry.cell;
  entry.running = 'starting';
  notebook.busy += 1;
  updateCellButtons();
  enableActions();
  const stateNode = entry.node.querySelector('.cell-state');
  stateNode.replaceChildren(badge('CREATING'));
  entry.node.querySelector('.count').textContent = '[*]';
  try {
    const started = await athena('StartCalculationExecution', {
      SessionId: notebook.sessionId, CodeBlock: cell.source, Description: 'cell of notebook ' + notebook.name,
    });
    entry.running = started.CalculationExecutionId;
    let details;
    for (;;) {
      details = await athena('GetCalculationExecution', { CalculationExecutionId: entry.running });
      const status = details.Status;
      const progress = details.Statistics ? details.Statistics.Progress : '';
      stateNode.replaceChildren(badge(status.State), FINAL.has(status.State) ? '' : el('span', { class: 'progress-text' }, progress || ''));
      if (FINAL.has(status.State)) break;
      await new Promise((resolve) => setTimeout(resolve, POLL_MILLIS));
    }
    notebook.executions += 1;
    cell.execution_count = notebook.executions;
    cell.outputs = await outputsOf(details, notebook.executions);
    renderOutputs(entry);
    stateNode.replaceChildren(badge(details.Status.State), el('span', { class: 'duration' }, duration(details.Status)));
    setDirty(true);
    return details.Status.State;
  } catch (e) {
    stateNode.replaceChildren(badge('FAILED'));
    entry.node.querySelector('.count').textContent = countText(cell);
    throw e;
  } finally {
    entry.running = null;
    notebook.busy -= 1;
    updateCellButtons();
    enableActions();
  }
}

/** A finished calculation's outputs as nbformat outputs: stdout, its rich outputs, stderr, and the error when it did not complete. */
async function outputsOf(details, executionCount) {
  const result = details.Result || {};
  const [stdout, stderr, rich] = await Promise.all([
    output(result.StdOutS3Uri), output(result.StdErrorS3Uri), richOutputs(result.ResultS3Uri),
  ]);
  const outputs = [];
  if (stdout) outputs.push({ output_type: 'stream', name: 'stdout', text: stdout });
  for (const item of rich || []) {
    const shaped = { output_type: item.output_type === 'execute_result' ? 'execute_result' : 'display_data', data: item.data,
      metadata: item.metadata && typeof item.metadata === 'object' ? item.metadata : {} };
    if (shaped.output_type === 'execute_result') shaped.execution_count = executionCount;
    outputs.push(shaped);
  }
  if (stderr) outputs.push({ output_type: 'stream', name: 'stderr', text: stderr });
  const status = details.Status;
  if (status.State !== 'COMPLETED') {
    const reason = status.StateChangeReason || status.State;
    const named = /^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt)): ([\s\S]*)$/.exec(reason);
    outputs.push({
      output_type: 'error',
      ename: named ? named[1] : (status.State === 'CANCELED' ? 'CalculationCanceled' : 'CalculationFailed'),
      evalue: named ? named[2] : reason,
      traceback: [],
    });
  }
  return outputs;
}

async function runAll() {
  if (notebook.runningAll) return;
  notebook.runningAll = true;
  enableActions();
  try {
    for (const entry of [...notebook.cells]) {
      if (entry.cell.cell_type !== 'code' || !notebook.cells.includes(entry)) continue;
      const state = await runCell(entry);
      if (state !== 'COMPLETED') {
        showError('Run all stopped at cell ' + (notebook.cells.indexOf(entry) + 1) + ': its calculation is ' + (state || 'not run'));
        break;
      }
    }
  } catch (e) {
    showError(e);
  } finally {
    notebook.runningAll = false;
    enableActions();
  }
}

// ---- saving and exporting

function payload() {
  const cells = notebook.cells.map((entry) => entry.cell);
  return JSON.stringify({ ...notebook.document, cells }, null, 1) + '\n';
}

async function save() {
  $('save').disabled = true;
  try {
    const text = payload();
    await athena('UpdateNotebook', { NotebookId: notebook.notebookId, Payload: text, Type: 'IPYNB', SessionId: notebook.sessionId });
    notebook.document = JSON.parse(text);
    setDirty(false, 'Saved ' + new Date().toLocaleTimeString());
  } catch (e) {
    showError(e);
  } finally {
    enableActions();
  }
}

/** The notebook as it is stored (ExportNotebook), downloaded as <name>.ipynb. */
async function exportNotebook() {
  try {
    const exported = await athena('ExportNotebook', { NotebookId: notebook.notebookId });
    const link = $('download');
    if (link.href) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(new Blob([exported.Payload], { type: 'application/x-ipynb+json' }));
    link.download = exported.NotebookMetadata.Name + '.ipynb';
    link.dataset.bytes = String(exported.Payload.length);
    link.click();
  } catch (e) {
    showError(e);
  }
}

function setDirty(dirty, text) {
  notebook.dirty = dirty;
  $('save-state').textContent = dirty ? 'Unsaved changes' : (text || 'Saved');
  $('save-state').dataset.dirty = String(dirty);
  enableActions();
}

function enableActions() {
  const usable = notebook.document !== null && !notebook.refused;
  $('run-all').disabled = !usable || !notebook.sessionReady || notebook.runningAll || notebook.busy > 0;
  $('save').disabled = !usable || !notebook.dirty;
  $('export').disabled = !usable;
  $('add-code').disabled = !usable;
  $('add-markdown').disabled = !usable;
}

// ---- the session and the token

function showSession(status) {
  $('session-state').replaceChildren(badge(status.State));
  const ready = status.State === 'IDLE' || status.State === 'BUSY';
  if (ready !== notebook.sessionReady) {
    notebook.sessionReady = ready;
    if (notebook.cells.length) updateCellButtons();
    enableActions();
  }
  const ended = ENDED_SESSION.has(status.State);
  if (ended && !notebook.sessionEnded) {
    notebook.sessionEnded = true;
    const banner = $('session-ended');
    banner.textContent = 'The session has ended (' + status.State + (status.StateChangeReason ? ': ' + status.StateChangeReason : '')
      + '): cells cannot run any more. Saving still works while this link is valid.';
    banner.hidden = false;
    if (notebook.cells.length) updateCellButtons();
    enableActions();
  }
}

/** The server refused the token: the page keeps what it shows, read-only, and says why. */
function refuse(message) {
  notebook.refused = true;
  $('refused-reason').textContent = message.replace(/^\w+: AccessDeniedException: /, '');
  $('refused').hidden = false;
  if (notebook.cells.length) updateCellButtons();
  enableActions();
}

async function watchSession() {
  if (notebook.refused) return;
  try {
    if (!notebook.sessionEnded) {
      const status = await athena('GetSessionStatus', { SessionId: notebook.sessionId });
      showSession(status.Status);
    }
  } catch (e) {
    if (!(e instanceof TokenRefused)) setConnection(false);
  }
  // quickly while the session starts, then now and then
  if (!notebook.refused) setTimeout(watchSession, notebook.sessionReady || notebook.sessionEnded ? 3000 : 500);
}

async function main() {
  hooks.tokenRefused = refuse;
  const { sessionId, token } = parseFragment();
  if (!sessionId || !token) {
    refuse('The link has no session and token: open the NotebookUrl that CreatePresignedNotebookUrl returned, whole.');
    return;
  }
  notebook.sessionId = sessionId;
  credentials.token = token;
  const expiry = tokenExpiry(token);
  if (expiry) $('link-facts').textContent = 'Session ' + sessionId + ' · this link opens the notebook until ' + expiry.toLocaleString();
  $('run-all').addEventListener('click', runAll);
  $('save').addEventListener('click', save);
  $('export').addEventListener('click', exportNotebook);
  $('add-code').addEventListener('click', () => addCell('code', null));
  $('add-markdown').addEventListener('click', () => addCell('markdown', null));
  try {
    await load();
  } catch (e) {
    if (!(e instanceof TokenRefused)) {
      if (notebook.document === null) refuse(e.message); else showError(e);
    }
    return;
  }
  setTimeout(watchSession, notebook.sessionReady ? 3000 : 500);
}

main();
