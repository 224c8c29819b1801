// Noctua's web console: a Spark view (sessions and calculations) and a SQL view (queries on the
// workgroups of Athena's SQL engine, their results and history). It talks to the server through the
// public Athena API (POST / with X-Amz-Target), as any client does, and reads calculation outputs
// through /console/output. Everything the server returns is user data (code, queries, output, values,
// descriptions), so it is only ever set as text. A calculation's rich outputs (result/outputs.json)
// are data too: images are shown from data: URLs, tables are built cell by cell as text, Plotly
// figures are drawn by plotly.js (served by Noctua), and HTML only ever goes into a frame sandboxed
// without scripts; no output is ever parsed as markup in this page (common.js, shared with the
// notebook view, has the calls and the outputs).
// When the server checks signatures, the person gives an access key once per tab (kept in this
// tab's sessionStorage, never sent) and every call is signed with it (sigv4.js).
'use strict';

const state = {
  workGroup: null,
  sessionId: null,
  details: new Map(),   // calculation id -> GetCalculationExecution answer, kept once final
  code: new Map(),      // calculation id -> code block
  outputs: new Map(),   // calculation id -> {stdout, stderr, result, rich}: rich is outputs.json's list, or null without one
  shown: new WeakSet(), // the items (<li>) of final calculations, shown with all their outputs: never rendered again
  items: new Map(),     // calculation id -> its <li>
  sessionFacts: new Map(), // session id -> {session, executors, ended, final, round}; a final session's are kept
  round: 0,             // counts refreshes, so that one refresh asks for a session's facts once
  busy: false,
  view: 'sessions',     // 'sessions' (Spark) or 'sql'
};

// ---- signing in, when the server checks signatures

function askForKeys(reason) {
  if (!$('sign-in').hidden) return;
  showSignIn(reason);
  $('sign-out').hidden = true;
}

async function signIn(event) {
  if (!takeKeys(event)) return;
  $('sign-out').hidden = false;
  try {
    await loadWorkGroups();
    await (state.view === 'sql' ? enterSql() : refresh());
  } catch (e) {
    if (!(e instanceof SignInNeeded)) showError(e);
  }
}

function signOut() {
  keys.clear();
  location.reload();
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
  // a session needs a workgroup: the button waits for the list (a click before it would send none)
  $('start-session').disabled = !state.workGroup;
  $('create-notebook').disabled = !state.workGroup;
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
    $('start-session').disabled = !state.workGroup;
  }
}

async function selectSession(sessionId) {
  state.sessionId = sessionId;
  history.replaceState(null, '', '#session=' + encodeURIComponent(sessionId));
  state.items.clear();
  state.shown = new WeakSet();
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

// ---- notebooks: listed per workgroup, made here, opened in the notebook view on a session of their own

async function refreshNotebooks() {
  const workGroup = state.workGroup;
  const answer = await athena('ListNotebookMetadata', { WorkGroup: workGroup, MaxResults: 50 });
  if (workGroup !== state.workGroup) return;
  const notebooks = answer.NotebookMetadataList || [];
  $('notebooks-empty').hidden = notebooks.length > 0;
  $('notebook-list').replaceChildren(...notebooks.map((n) => el('li', { 'data-notebook': n.NotebookId },
    el('div', { class: 'name' }, n.Name),
    el('div', { class: 'meta' }, el('span', {}, 'saved ' + age(n.LastModifiedTime)),
      el('button', { type: 'button', class: 'open-notebook', onclick: (event) => openNotebook(n, event.target) }, 'Open')))));
}

async function createNotebook(event) {
  event.preventDefault();
  const name = $('new-notebook-name').value.trim();
  if (!name) return;
  $('create-notebook').disabled = true;
  try {
    await athena('CreateNotebook', { WorkGroup: state.workGroup, Name: name });
    $('new-notebook-name').value = '';
    await refreshNotebooks();
  } catch (e) {
    showError(e);
  } finally {
    $('create-notebook').disabled = !state.workGroup;
  }
}

/** Opens the notebook view on the notebook's active session, or on a new one started for it. */
async function openNotebook(notebook, button) {
  button.disabled = true;
  try {
    const sessions = await athena('ListNotebookSessions', { NotebookId: notebook.NotebookId, MaxResults: 1 });
    let sessionId = (sessions.NotebookSessionsList || []).map((s) => s.SessionId)[0];
    if (!sessionId) {
      const started = await athena('StartSession', {
        WorkGroup: notebook.WorkGroup, Description: 'notebook ' + notebook.Name, NotebookVersion: 'Athena notebook version 1',
        EngineConfiguration: { MaxConcurrentDpus: 20, AdditionalConfigs: { NotebookId: notebook.NotebookId } },
      });
      sessionId = started.SessionId;
    }
    const presigned = await athena('CreatePresignedNotebookUrl', { SessionId: sessionId });
    location.assign(presigned.NotebookUrl);
  } catch (e) {
    showError(e);
    button.disabled = false;
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
    const [stdout, stderr, rich] = await Promise.all([
      output(result.StdOutS3Uri), output(result.StdErrorS3Uri), richOutputs(result.ResultS3Uri),
    ]);
    let text = '';
    if (!rich) { // a calculation from before outputs.json: its value's text, from result.json
      const resultJson = result.ResultS3Uri ? await output(result.ResultS3Uri + 'result.json') : '';
      try { text = resultJson ? (JSON.parse(resultJson)['text/plain'] || '') : ''; } catch (e) { text = ''; }
    }
    state.outputs.set(id, { stdout, stderr, result: text, rich });
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
  const node = item(id);
  // a final calculation with its outputs does not change: rendering it again would reload its frames and charts
  if (state.shown.has(node)) return;
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
    if (outputs.rich) {
      for (const output of outputs.rich) {
        const result = output.output_type === 'execute_result';
        // a value whose text stdout already shows (a %%sql cell's) is not shown twice
        if (result && preferredType(output.data) === 'text/plain' && outputs.stdout.includes(String(output.data['text/plain']))) continue;
        if (result) body.append(el('div', { class: 'label' }, 'Result'));
        body.append(richOutput(output, result));
      }
    }
    else if (outputs.result && !outputs.stdout.includes(outputs.result)) {
      body.append(el('div', { class: 'label' }, 'Result'), el('pre', { class: 'result' }, outputs.result));
    }
    if (outputs.stderr) body.append(el('div', { class: 'label' }, 'Errors'), el('pre', { class: 'stderr' }, outputs.stderr));
  }
  const stderr = outputs ? outputs.stderr : '';
  if (status.StateChangeReason && status.State !== 'COMPLETED' && !stderr.includes(status.StateChangeReason)) {
    body.append(el('pre', { class: 'reason' }, status.StateChangeReason));
  }
  node.replaceChildren(head, body);
  if (outputs && !running) state.shown.add(node);
}

// ---- the SQL view: Athena's query API, on the workgroups of its SQL engine

const SPARK_ENGINE = 'PySpark engine version 3';
const QUERY_FINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
const CATALOG = 'AwsDataCatalog';
const METASTORE_URI = 'metastore-uri'; // the parameter of a HIVE catalog Noctua queries: a Hive metastore of the user's
const PAGE_ROWS = 100;

const sql = {
  loading: null,          // the promise that asks for workgroups and databases, once, when the view is first shown
  loaded: false,
  workGroup: null,
  catalog: CATALOG,       // the catalog queries run in: AwsDataCatalog, or a HIVE catalog of a Hive metastore
  queryId: null,          // the query shown on the right
  executions: new Map(),  // query id -> QueryExecution, kept once final
  statistics: new Map(),  // query id -> GetQueryRuntimeStatistics' QueryRuntimeStatistics, once final
  items: new Map(),       // query id -> its <li> in the history
  historyPages: 1,        // how many pages of ListQueryExecutions the history shows
  resultShown: null,      // the query id whose result (or reason) is on the page, or being fetched
  tokens: [null],         // the NextToken that fetches each page of the shown result seen so far
  starts: [1],            // the number of the first row of each of those pages
  page: 0,
  busy: false,
  again: false,
};

function showView(view) {
  const isSql = view === 'sql';
  state.view = view;
  $('sessions-view').hidden = isSql;
  $('sql-view').hidden = !isSql;
  $('workgroup-label').hidden = isSql;
  $('sql-workgroup-label').hidden = !isSql;
  for (const tab of document.querySelectorAll('.views .tab')) {
    const selected = tab.dataset.view === view;
    tab.classList.toggle('selected', selected);
    tab.setAttribute('aria-selected', String(selected));
  }
  $('subtitle').textContent = isSql ? 'Athena SQL queries' : 'Athena Spark sessions and calculations';
  if (isSql) {
    history.replaceState(null, '', sql.queryId ? '#query=' + encodeURIComponent(sql.queryId) : '#sql');
    return enterSql();
  }
  history.replaceState(null, '', state.sessionId ? '#session=' + encodeURIComponent(state.sessionId) : location.pathname + location.search);
  return refresh();
}

/** Asks for the SQL workgroups and the databases the first time, then refreshes the view. */
async function enterSql() {
  try {
    if (!sql.loaded) {
      sql.loading = sql.loading || Promise.all([loadSqlWorkGroups(), loadCatalogs(), loadDatabases()]);
      try {
        await sql.loading;
        sql.loaded = true;
      } finally {
        sql.loading = null;
      }
    }
  } catch (e) {
    if (!(e instanceof SignInNeeded)) showError(e);
    return;
  }
  await refreshSql();
}

/** Every page of a listing: {@code ask(token)} answers one page, {@code items(answer)} its items. */
async function allPages(ask, items, limit) {
  const all = [];
  let token;
  do {
    const answer = await ask(token);
    all.push(...items(answer));
    token = answer.NextToken;
  } while (token && all.length < limit);
  return all;
}

async function loadSqlWorkGroups() {
  const groups = await allPages((token) => athena('ListWorkGroups', { MaxResults: 50, NextToken: token }), (a) => a.WorkGroups || [], 1000);
  const sqlGroups = groups.filter((w) => !w.EngineVersion || w.EngineVersion.EffectiveEngineVersion !== SPARK_ENGINE);
  const select = $('sql-workgroup');
  select.replaceChildren(...sqlGroups.map((w) => {
    const engine = w.EngineVersion ? w.EngineVersion.EffectiveEngineVersion : '';
    return el('option', { value: w.Name }, w.Name + (engine ? ' (' + engine + ')' : '') + (w.State === 'DISABLED' ? ' - disabled' : ''));
  }));
  const names = sqlGroups.map((w) => w.Name);
  const wanted = [sql.workGroup, 'primary', names[0]].find((name) => name && names.includes(name));
  sql.workGroup = wanted || null;
  select.value = wanted || '';
  $('sql-run').disabled = !wanted;
  if (!wanted) showRefused('There is no workgroup of Athena\'s SQL engine: create one (CreateWorkGroup) to run queries.');
}

/** The catalogs queries can run in: AwsDataCatalog, and the HIVE catalogs made with a metastore-uri (the others are records). */
async function loadCatalogs() {
  const summaries = await allPages((token) => athena('ListDataCatalogs', { MaxResults: 50, NextToken: token }),
    (a) => a.DataCatalogsSummary || [], 1000);
  const hive = summaries.filter((c) => c.Type === 'HIVE' && c.CatalogName !== CATALOG);
  const catalogs = await Promise.all(hive.map((c) => athena('GetDataCatalog', { Name: c.CatalogName }).then((a) => a.DataCatalog)));
  const names = [CATALOG, ...catalogs.filter((c) => (c.Parameters || {})[METASTORE_URI]).map((c) => c.Name)];
  const select = $('sql-catalog');
  select.replaceChildren(...names.map((name) => el('option', { value: name }, name)));
  if (!names.includes(sql.catalog)) sql.catalog = CATALOG;
  select.value = sql.catalog;
}

/** The databases of the chosen catalog; a metastore that cannot be reached says so where a refused query would. */
async function loadDatabases() {
  const catalog = sql.catalog;
  let databases;
  try {
    databases = await allPages((token) => athena('ListDatabases', { CatalogName: catalog, MaxResults: 50, NextToken: token }),
      (a) => a.DatabaseList || [], 1000);
  } catch (e) {
    if (!(e instanceof ApiError) || e instanceof SignInNeeded || catalog === CATALOG) throw e;
    databases = [];
    showRefused('Catalog ' + catalog + ': ' + e.message);
  }
  if (catalog !== sql.catalog) return; // another catalog was chosen meanwhile
  const names = databases.map((d) => d.Name);
  const select = $('sql-database');
  const before = select.value;
  select.replaceChildren(...names.map((name) => el('option', { value: name }, name)));
  select.value = [before, 'default', names[0]].find((name) => name && names.includes(name)) || '';
}

function changeSqlCatalog(event) {
  sql.catalog = event.target.value;
  showRefused('');
  loadDatabases().catch((e) => { if (!(e instanceof SignInNeeded)) showError(e); });
}

function changeSqlWorkGroup(event) {
  sql.workGroup = event.target.value;
  sql.historyPages = 1;
  sql.items.clear();
  $('query-list').replaceChildren();
  $('queries-more').hidden = true;
  clearShownQuery();
  refreshSql();
}

function showRefused(message) {
  const node = $('sql-refused');
  node.textContent = message || '';
  node.hidden = !message;
}

async function runQuery(event) {
  event.preventDefault();
  const text = $('sql-query').value;
  if (!text.trim() || !sql.workGroup || $('sql-run').disabled) return;
  $('sql-run').disabled = true;
  showRefused(null);
  try {
    const request = { QueryString: text, WorkGroup: sql.workGroup };
    const database = $('sql-database').value;
    if (database) request.QueryExecutionContext = { Database: database, Catalog: sql.catalog };
    const answer = await athena('StartQueryExecution', request);
    await Promise.all([showQuery(answer.QueryExecutionId), refreshSql()]);
  } catch (e) {
    if (e instanceof ApiError && !(e instanceof SignInNeeded)) showRefused(e.message);
    else if (!(e instanceof SignInNeeded)) showError(e);
  } finally {
    $('sql-run').disabled = !sql.workGroup;
  }
}

async function stopQuery(id) {
  try {
    await athena('StopQueryExecution', { QueryExecutionId: id });
    await Promise.all([refreshShownQuery(), refreshSql()]);
  } catch (e) {
    if (!(e instanceof SignInNeeded)) showError(e);
  }
}

function clearShownQuery() {
  sql.queryId = null;
  sql.resultShown = null;
  $('sql-execution').hidden = true;
  $('sql-none').hidden = false;
  if (state.view === 'sql') history.replaceState(null, '', '#sql');
}

/** Shows query {@code id} on the right: its state while it runs, then its result or why it has none. */
async function showQuery(id) {
  sql.queryId = id;
  sql.resultShown = null;
  sql.tokens = [null];
  sql.starts = [1];
  sql.page = 0;
  history.replaceState(null, '', '#query=' + encodeURIComponent(id));
  $('sql-none').hidden = true;
  $('sql-execution').hidden = false;
  $('sql-execution').dataset.query = id;
  for (const part of ['sql-execution-head', 'sql-facts', 'sql-outcome']) $(part).replaceChildren();
  $('sql-text').textContent = '';
  for (const [queryId, node] of sql.items) node.classList.toggle('selected', queryId === id);
  try {
    await refreshShownQuery();
  } catch (e) {
    if (!(e instanceof SignInNeeded)) showError(e);
  }
}

async function refreshShownQuery() {
  const id = sql.queryId;
  if (!id) return;
  let query = sql.executions.get(id);
  if (!query || !QUERY_FINAL.has(query.Status.State)) {
    query = (await athena('GetQueryExecution', { QueryExecutionId: id })).QueryExecution;
    sql.executions.set(id, query);
    if (sql.items.has(id)) renderQueryItem(id);
  }
  if (id !== sql.queryId) return;
  renderExecution(query);
  if (QUERY_FINAL.has(query.Status.State) && sql.resultShown !== id) {
    sql.resultShown = id; // before asking, so that a refresh meanwhile does not ask again
    try {
      await showOutcome(query);
    } catch (e) {
      if (sql.resultShown === id) sql.resultShown = null;
      throw e;
    }
  }
}

function millisText(millis) {
  if (millis === undefined || millis === null) return '-';
  return millis < 1000 ? millis + ' ms' : (millis / 1000).toFixed(2) + ' s';
}

function bytesText(bytes) {
  if (bytes === undefined || bytes === null) return '-';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return (unit === 0 ? String(value) : value.toFixed(1)) + ' ' + units[unit];
}

function renderExecution(query) {
  const id = query.QueryExecutionId;
  const status = query.Status;
  const running = !QUERY_FINAL.has(status.State);
  const head = [
    badge(status.State),
    el('span', { class: 'id' }, id),
    el('span', { class: 'duration' }, duration(status)),
    el('button', { type: 'button', class: 'edit', title: 'Put this query in the editor', onclick: () => editQuery(query) }, 'Edit'),
  ];
  if (running) head.push(el('button', { id: 'sql-stop', type: 'button', class: 'danger stop', onclick: () => stopQuery(id) }, 'Stop'));
  $('sql-execution-head').replaceChildren(...head);
  const statistics = query.Statistics || {};
  const runtime = sql.statistics.get(id);
  const context = query.QueryExecutionContext || {};
  const facts = [
    ['Submitted', time(status.SubmissionDateTime)],
    ['Database', context.Database || '-'],
    ['Statement', [query.StatementType, query.SubstatementType].filter(Boolean).join(' / ') || '-'],
    ['Queued', millisText(statistics.QueryQueueTimeInMillis)],
    ['Engine time', millisText(statistics.EngineExecutionTimeInMillis)],
    ['Data scanned', bytesText(statistics.DataScannedInBytes)],
  ];
  if (runtime && runtime.Rows && runtime.Rows.OutputRows !== undefined) facts.push(['Rows', String(runtime.Rows.OutputRows)]);
  $('sql-facts').replaceChildren(...facts.map(([name, value]) => el('div', { 'data-fact': name }, el('dt', {}, name), el('dd', {}, value))));
  $('sql-text').textContent = query.Query || '';
}

function editQuery(query) {
  $('sql-query').value = query.Query || '';
  const context = query.QueryExecutionContext || {};
  const chooseDatabase = () => {
    if (context.Database && [...$('sql-database').options].some((o) => o.value === context.Database)) $('sql-database').value = context.Database;
  };
  const catalog = context.Catalog || CATALOG;
  if (catalog !== sql.catalog && [...$('sql-catalog').options].some((o) => o.value === catalog)) {
    sql.catalog = catalog;
    $('sql-catalog').value = catalog;
    loadDatabases().then(chooseDatabase, (e) => { if (!(e instanceof SignInNeeded)) showError(e); });
  } else {
    chooseDatabase();
  }
  $('sql-query').focus();
}

/** A final query's result (its first page) and row count, or the reason it has none. */
async function showOutcome(query) {
  const id = query.QueryExecutionId;
  const status = query.Status;
  if (status.State !== 'SUCCEEDED') {
    const parts = [];
    if (status.StateChangeReason) parts.push(status.StateChangeReason);
    const error = status.AthenaError;
    if (error && error.ErrorMessage && !parts.some((part) => part.includes(error.ErrorMessage))) parts.push(error.ErrorMessage);
    if (!parts.length) parts.push(status.State === 'CANCELLED' ? 'The query was cancelled.' : 'The query failed.');
    $('sql-outcome').replaceChildren(el('pre', { id: 'sql-reason', class: 'reason ' + status.State }, parts.join('\n')));
    return;
  }
  const [runtime] = await Promise.all([
    athena('GetQueryRuntimeStatistics', { QueryExecutionId: id }).then((a) => a.QueryRuntimeStatistics, () => null),
    showPage(id, 0),
  ]);
  if (runtime) sql.statistics.set(id, runtime);
  if (id === sql.queryId) renderExecution(query);
  if (query.StatementType === 'DDL' && /DATABASE/.test(query.SubstatementType || '')) loadDatabases().catch(showError);
}

/**
 * Whether {@code row}, the first of a result's first page, is the header that Athena puts before
 * the rows of a DML statement's result: the column names again, not data.
 */
function isHeaderRow(query, columns, row) {
  if (query.StatementType !== 'DML' || !row || !columns.length) return false;
  const data = row.Data || [];
  return data.length === columns.length && columns.every((column, i) => data[i].VarCharValue === column.Name);
}

function typeText(column) {
  if (column.Type === 'decimal' && column.Precision !== undefined) return 'decimal(' + column.Precision + ',' + (column.Scale || 0) + ')';
  return column.Type || '';
}

async function showPage(id, index) {
  const answer = await athena('GetQueryResults', { QueryExecutionId: id, MaxResults: PAGE_ROWS, NextToken: sql.tokens[index] || undefined });
  const query = sql.executions.get(id);
  if (id !== sql.queryId || !query) return;
  const resultSet = answer.ResultSet || {};
  const columns = (resultSet.ResultSetMetadata || {}).ColumnInfo || [];
  let rows = resultSet.Rows || [];
  if (index === 0 && isHeaderRow(query, columns, rows[0])) rows = rows.slice(1);
  sql.page = index;
  sql.tokens.length = index + 1;
  sql.starts.length = index + 1;
  if (answer.NextToken) {
    sql.tokens.push(answer.NextToken);
    sql.starts.push(sql.starts[index] + rows.length);
  }
  const outcome = $('sql-outcome');
  if (!columns.length && !rows.length) {
    outcome.replaceChildren(el('p', { id: 'sql-no-rows', class: 'muted' }, 'Done: the statement returns no rows.'));
    return;
  }
  const first = sql.starts[index];
  const width = Math.max(columns.length, ...rows.map((row) => (row.Data || []).length));
  const names = Array.from({ length: width }, (_, i) => columns[i] || { Name: '', Type: '' });
  const table = el('table', { id: 'sql-result', class: 'result' },
    el('thead', {}, el('tr', {}, el('th', { class: 'rownum' }, '#'),
      ...names.map((column) => el('th', { 'data-type': column.Type || '' },
        el('span', { class: 'name' }, column.Name), el('small', { class: 'type' }, typeText(column)))))),
    el('tbody', {}, ...rows.map((row, r) => el('tr', {}, el('td', { class: 'rownum' }, String(first + r)),
      ...names.map((_, i) => {
        const datum = (row.Data || [])[i];
        return datum && datum.VarCharValue !== undefined && datum.VarCharValue !== null
          ? el('td', {}, datum.VarCharValue)
          : el('td', { class: 'null', 'data-null': 'true' }, 'NULL');
      })))));
  const next = sql.tokens[index + 1];
  const pager = el('div', { class: 'pager' },
    el('span', { id: 'sql-rows', class: 'muted' }, rows.length ? 'Rows ' + first + '–' + (first + rows.length - 1) : 'No rows'),
    el('button', { id: 'sql-previous', type: 'button', onclick: () => turnPage(id, index - 1) }, 'Previous'),
    el('button', { id: 'sql-next', type: 'button', onclick: () => turnPage(id, index + 1) }, 'Next'));
  pager.querySelector('#sql-previous').disabled = index === 0;
  pager.querySelector('#sql-next').disabled = !next;
  outcome.replaceChildren(el('div', { class: 'result-wrap' }, table), pager);
}

async function turnPage(id, index) {
  if (index < 0 || index >= sql.tokens.length) return;
  for (const button of document.querySelectorAll('#sql-outcome .pager button')) button.disabled = true;
  try {
    await showPage(id, index);
  } catch (e) {
    if (!(e instanceof SignInNeeded)) showError(e);
    if (id === sql.queryId) showPage(id, sql.page).catch(() => {});
  }
}

/** A time of day, with the day too unless it is today. */
function shortTime(seconds) {
  if (!seconds) return '-';
  const date = new Date(seconds * 1000);
  const today = date.toDateString() === new Date().toDateString();
  return today ? date.toLocaleTimeString() : date.toLocaleString([], { dateStyle: 'medium', timeStyle: 'medium' });
}

function shortQuery(text) {
  const flat = (text || '').replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? flat.slice(0, 119) + '…' : flat;
}

function queryItem(id) {
  let node = sql.items.get(id);
  if (!node) {
    node = el('li', { 'data-query': id, onclick: () => showQuery(id) });
    sql.items.set(id, node);
  }
  return node;
}

function renderQueryItem(id) {
  const query = sql.executions.get(id);
  const status = query.Status;
  const statistics = query.Statistics || {};
  const node = queryItem(id);
  node.className = id === sql.queryId ? 'selected' : '';
  node.title = query.Query || '';
  node.replaceChildren(
    el('div', { class: 'query' }, shortQuery(query.Query)),
    el('div', { class: 'meta' }, badge(status.State), el('span', { class: 'submitted' }, shortTime(status.SubmissionDateTime)),
      el('span', { class: 'took' }, duration(status)), el('span', { class: 'scanned' }, bytesText(statistics.DataScannedInBytes))));
  return node;
}

/** The workgroup's queries, newest first: their ids from ListQueryExecutions, the rest from BatchGetQueryExecution. */
async function refreshHistory() {
  const workGroup = sql.workGroup;
  if (!workGroup) return;
  const ids = [];
  let token;
  let pages = 0;
  do {
    const answer = await athena('ListQueryExecutions', { WorkGroup: workGroup, MaxResults: 50, NextToken: token });
    ids.push(...(answer.QueryExecutionIds || []));
    token = answer.NextToken;
    pages += 1;
  } while (token && pages < sql.historyPages);
  const wanted = ids.filter((id) => !sql.executions.has(id) || !QUERY_FINAL.has(sql.executions.get(id).Status.State));
  for (let i = 0; i < wanted.length; i += 50) {
    const answer = await athena('BatchGetQueryExecution', { QueryExecutionIds: wanted.slice(i, i + 50) });
    for (const query of answer.QueryExecutions || []) sql.executions.set(query.QueryExecutionId, query);
  }
  if (workGroup !== sql.workGroup) return;
  const queries = ids.filter((id) => sql.executions.has(id)).map((id) => sql.executions.get(id))
    .sort((a, b) => (b.Status.SubmissionDateTime || 0) - (a.Status.SubmissionDateTime || 0));
  $('queries-empty').hidden = queries.length > 0;
  $('queries-more').hidden = !token;
  const list = $('query-list');
  const wantedNodes = queries.map((query) => renderQueryItem(query.QueryExecutionId));
  wantedNodes.forEach((node, index) => {
    if (list.children[index] !== node) list.insertBefore(node, list.children[index] || null);
  });
  while (list.children.length > wantedNodes.length) list.lastChild.remove();
}

/** Opens the SQL view on the query that {@code #query=ID} names, in that query's workgroup. */
async function openLinkedQuery(id) {
  try {
    const query = (await athena('GetQueryExecution', { QueryExecutionId: id })).QueryExecution;
    sql.executions.set(id, query);
    sql.workGroup = query.WorkGroup;
  } catch (e) {
    if (!(e instanceof SignInNeeded)) showError(e);
    await showView('sql');
    return;
  }
  await showView('sql');
  await showQuery(id);
}

function sqlActive() {
  const listed = [...sql.items.keys()];
  return [...listed, sql.queryId].some((id) => id && sql.executions.has(id) && !QUERY_FINAL.has(sql.executions.get(id).Status.State));
}

async function refreshSql() {
  if (sql.busy) {
    sql.again = true;
    return;
  }
  sql.busy = true;
  try {
    do {
      sql.again = false;
      await Promise.all([refreshHistory(), refreshShownQuery()]);
    } while (sql.again);
  } catch (e) {
    if (e instanceof SignInNeeded) return;
    if (e instanceof ApiError) showError(e); else throw e;
  } finally {
    sql.busy = false;
  }
}

// ---- the loop

async function refresh() {
  if (state.busy) return;
  state.busy = true;
  state.round += 1;
  try {
    await Promise.all([refreshSessions(), refreshNotebooks()]);
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
  const sqlView = state.view === 'sql';
  const active = sqlView ? sqlActive() : [...state.details.values()].some((d) => !FINAL.has(d.Status.State));
  const waiting = !$('sign-in').hidden;
  (waiting ? Promise.resolve() : sqlView ? enterSql() : refresh()).finally(() => setTimeout(loop, active ? 500 : 1500));
}

async function main() {
  hooks.signInNeeded = askForKeys;
  addSignInForm(signIn);
  $('sign-out').addEventListener('click', signOut);
  $('sign-out').hidden = !keys.get();
  $('start-session').addEventListener('click', startSession);
  $('terminate-session').addEventListener('click', terminateSession);
  $('new-notebook').addEventListener('submit', createNotebook);
  $('cell').addEventListener('submit', runCell);
  $('code').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) runCell(event);
  });
  $('tab-sessions').addEventListener('click', () => { if (state.view !== 'sessions') showView('sessions'); });
  $('tab-sql').addEventListener('click', () => { if (state.view !== 'sql') showView('sql'); });
  $('sql-editor').addEventListener('submit', runQuery);
  $('sql-query').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) runQuery(event);
  });
  $('sql-workgroup').addEventListener('change', changeSqlWorkGroup);
  $('sql-catalog').addEventListener('change', changeSqlCatalog);
  $('queries-more').addEventListener('click', () => {
    sql.historyPages += 1;
    refreshSql();
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
  const linkedQuery = /^#query=(.+)$/.exec(location.hash);
  if (linked) {
    selectSession(decodeURIComponent(linked[1])).catch(showError);
  }
  else if (linkedQuery) {
    openLinkedQuery(decodeURIComponent(linkedQuery[1]));
  }
  else if (location.hash === '#sql') {
    showView('sql');
  }
  loop();
}

main();
