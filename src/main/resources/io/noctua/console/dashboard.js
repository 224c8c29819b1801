// Noctua's session dashboard (dashboard.html?session=ID), the page GetResourceDashboard gives once a
// session has ended (or when Spark's UI is off): the session, its calculations with their code, and
// for each the summary of its Spark jobs and stages that the server kept from Spark's listener events.
// It reads /console/dashboard-data through common.js's call(), signed as the console signs its calls
// when the server checks signatures (the keys stay in this tab's sessionStorage, as in the console).
// Everything the server returns is user data (code, descriptions, stage names, reasons), so it is
// only ever set as text.
'use strict';

const ENDED = new Set(['TERMINATED', 'FAILED']);
const REFRESH_MS = 5000;

const sessionId = new URLSearchParams(location.search).get('session');
let timer = null;

async function load() {
  let response;
  try {
    response = await call('GET', '/console/dashboard-data', { session: sessionId }, {}, undefined);
  } catch (e) {
    setConnection(false);
    clearTimeout(timer);
    timer = setTimeout(load, REFRESH_MS);
    return;
  }
  setConnection(true);
  const text = await response.text();
  let answer;
  try { answer = JSON.parse(text); } catch (e) { answer = { Message: text }; }
  if (!response.ok) {
    const type = String(answer.__type || 'Error').split('#').pop();
    const message = type + ': ' + (answer.message || answer.Message || response.status);
    if (SIGN_IN_ERRORS.has(type)) {
      askForKeys(message);
    } else {
      showMessage(message);
    }
    return;
  }
  render(answer);
  clearTimeout(timer);
  if (!ENDED.has(answer.State)) timer = setTimeout(load, REFRESH_MS);
}

function showMessage(text) {
  $('message').textContent = text;
  $('message').hidden = false;
}

// ---- signing in, when the server checks signatures

function askForKeys(reason) {
  showSignIn(reason);
  $('dashboard').hidden = true;
}

function signIn(event) {
  if (!takeKeys(event)) return;
  $('dashboard').hidden = false;
  load();
}

// ---- showing

function whenMillis(millis) {
  return millis ? new Date(millis).toLocaleString() : '';
}

function millis(ms) {
  if (ms < 1000) return ms + ' ms';
  if (ms < 60000) return (ms / 1000).toFixed(1) + ' s';
  return Math.floor(ms / 60000) + ' min ' + Math.round((ms % 60000) / 1000) + ' s';
}

function spanMillis(from, to) {
  return from && to ? millis(Math.max(0, to - from)) : '';
}

function bytes(n) {
  if (!n) return '0';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return (unit === 0 ? value : value.toFixed(1)) + ' ' + units[unit];
}

function fact(name, value) {
  if (value === null || value === undefined || value === '') return null;
  return el('div', null, el('dt', null, name), el('dd', null, value));
}

function render(history) {
  document.title = 'Noctua: session ' + history.SessionId;
  $('message').hidden = true;
  $('session-panel').hidden = false;
  $('session-title').textContent = 'Session ' + history.SessionId;
  $('console-link').setAttribute('href', '/console#session=' + encodeURIComponent(history.SessionId));
  $('session-facts').replaceChildren(...[
    fact('State', history.State),
    fact('Workgroup', history.WorkGroup),
    fact('Description', history.Description),
    fact('Started', whenMillis(history.StartTime)),
    fact('Ended', whenMillis(history.EndTime)),
    fact('Reason', history.StateChangeReason),
  ].filter(Boolean));
  const live = $('spark-ui');
  const liveUrl = typeof history.SparkUiUrl === 'string' && /^https?:\/\//.test(history.SparkUiUrl) ? history.SparkUiUrl : null;
  live.hidden = !liveUrl;
  if (liveUrl) live.setAttribute('href', liveUrl);
  else live.removeAttribute('href');
  $('session-note').textContent = 'Spark jobs are kept for the latest ' + history.CalculationsKept + ' calculations of a session'
    + (ENDED.has(history.State) ? '.' : '; this page follows the session while it runs.');
  const calculations = history.Calculations || [];
  if (calculations.length === 0) showMessage('No calculations in this session.');
  $('calculations').replaceChildren(...calculations.map(calculationItem));
}

function calculationItem(calculation) {
  const head = el('div', { class: 'head' },
    el('span', { class: 'state ' + calculation.State }, calculation.State),
    el('span', { class: 'id' }, calculation.CalculationExecutionId),
    calculation.Description ? el('span', null, calculation.Description) : null,
    el('span', { class: 'duration' }, whenMillis(calculation.SubmissionTime)
      + (calculation.CompletionTime ? ' · ' + spanMillis(calculation.SubmissionTime, calculation.CompletionTime) : '')));
  const body = el('div', { class: 'body' },
    el('div', { class: 'label' }, 'Code'),
    el('pre', { class: 'code' }, calculation.Code + (calculation.CodeCut ? '\n…' : '')),
    calculation.StateChangeReason ? el('pre', { class: 'reason' }, calculation.StateChangeReason) : null,
    sparkJobs(calculation));
  return el('li', { class: 'calculation', 'data-calculation': calculation.CalculationExecutionId }, head, body);
}

function sparkJobs(calculation) {
  const jobs = calculation.SparkJobs;
  const section = el('div', { class: 'spark-jobs' }, el('div', { class: 'label' }, 'Spark jobs'));
  if (!jobs) {
    const running = !['COMPLETED', 'FAILED', 'CANCELED'].includes(calculation.State);
    section.append(el('p', { class: 'note' }, running ? 'Running: its jobs are shown here once it has ended.' : 'No Spark job.'));
    return section;
  }
  if (jobs.JobsNotKept > 0 || jobs.StagesNotKept > 0) {
    section.append(el('p', { class: 'note warn' }, 'The latest jobs and stages only: ' + jobs.JobsNotKept + ' earlier jobs and '
      + jobs.StagesNotKept + ' earlier stages were not kept.'));
  }
  section.append(table(['Job', 'Description', 'Status', 'Submitted', 'Duration', 'Stages', 'Tasks: succeeded / all', 'Failed', 'Killed'],
    (jobs.Jobs || []).map((job) => [
      cell(String(job.JobId), 'number'),
      cell(job.Description || job.JobGroup || '', 'description'),
      status(job.Status),
      cell(whenMillis(job.SubmissionTime)),
      cell(spanMillis(job.SubmissionTime, job.CompletionTime), 'number'),
      cell((job.StageIds || []).join(', ') + (job.SkippedStages ? ' (' + job.SkippedStages + ' skipped)' : ''), 'mono'),
      cell(job.SucceededTasks + ' / ' + job.Tasks, 'number'),
      cell(String(job.FailedTasks), 'number'),
      cell(String(job.KilledTasks), 'number'),
    ]), (jobs.Jobs || []).map((job) => job.FailureReason)));
  section.append(table(['Stage', 'Name', 'Status', 'Attempts', 'Tasks: succeeded / all', 'Failed', 'Input', 'Output', 'Shuffle read',
    'Shuffle write', 'Duration', 'Task time', 'Longest task'],
    (jobs.Stages || []).map((stage) => [
      cell(String(stage.StageId), 'number'),
      cell(stage.Name, 'description'),
      status(stage.Status),
      cell(String(stage.Attempts), 'number'),
      cell(stage.SucceededTasks + ' / ' + stage.Tasks, 'number'),
      cell(String(stage.FailedTasks + stage.KilledTasks), 'number'),
      cell(bytes(stage.InputBytes) + (stage.InputRecords ? ' (' + stage.InputRecords + ' rows)' : ''), 'number'),
      cell(bytes(stage.OutputBytes) + (stage.OutputRecords ? ' (' + stage.OutputRecords + ' rows)' : ''), 'number'),
      cell(bytes(stage.ShuffleReadBytes), 'number'),
      cell(bytes(stage.ShuffleWriteBytes), 'number'),
      cell(spanMillis(stage.SubmissionTime, stage.CompletionTime), 'number'),
      cell(millis(stage.TaskTimeMillis), 'number'),
      cell(millis(stage.LongestTaskMillis), 'number'),
    ]), (jobs.Stages || []).map((stage) => stage.FailureReason)));
  return section;
}

function cell(text, kind) {
  return el('td', kind ? { class: kind } : null, text);
}

function status(value) {
  return el('td', null, el('span', { class: 'status ' + value }, value));
}

/** A table of rows of cells; a row with a reason gets a line of its own under it. */
function table(headings, rows, reasons) {
  const body = el('tbody');
  rows.forEach((cells, i) => {
    body.append(el('tr', null, ...cells));
    if (reasons[i]) body.append(el('tr', null, el('td', { class: 'reason', colspan: String(headings.length) }, reasons[i])));
  });
  return el('div', { class: 'result-wrap' },
    el('table', { class: 'jobs' }, el('thead', null, el('tr', null, ...headings.map((h) => el('th', null, h)))), body));
}

document.addEventListener('DOMContentLoaded', () => {
  addSignInForm(signIn);
  if (!sessionId) {
    showMessage('Give a session: /console/dashboard?session=<session-id> (GetResourceDashboard gives this URL).');
    return;
  }
  load();
});
