// What the pages of Noctua's console share: calls to the Athena API (signed with the tab's keys when it
// has them, or carrying a presigned notebook URL's token), a calculation's outputs read through
// /console/output, and rich outputs shown safely. Everything the server returns is user data (code,
// queries, output, values), so it is only ever set as text; images are shown from data: URLs, tables
// are built cell by cell as text, Plotly figures are drawn by plotly.js (served by Noctua), and HTML
// only ever goes into a frame sandboxed without scripts.
'use strict';

const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELED']);
const ENDED_SESSION = new Set(['TERMINATED', 'TERMINATING', 'FAILED']);

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

/** The server refused this page's notebook token: it expired, or does not open this call. */
class TokenRefused extends ApiError {}

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

/**
 * How this page proves its calls: a presigned notebook URL's token (the notebook view), else the tab's
 * keys when it has them, else nothing (a server that checks no signatures).
 */
const credentials = { token: null };

/** What the page does when the server wants keys, or refuses its token; the pages set them. */
const hooks = { signInNeeded: () => {}, tokenRefused: () => {} };

/** fetch, with this page's token, or signed with this tab's keys when it has them. */
async function call(method, path, parameters, headers, body) {
  const queryString = parameters ? NoctuaSigV4.query(parameters) : '';
  if (credentials.token) {
    return fetch(path + (queryString ? '?' + queryString : ''),
      { method, headers: { ...headers, 'X-Noctua-Notebook-Token': credentials.token }, body });
  }
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
    if (SIGN_IN_ERRORS.has(type) && !credentials.token) {
      hooks.signInNeeded(message);
      throw new SignInNeeded(message);
    }
    if (type === 'AccessDeniedException' && credentials.token) {
      hooks.tokenRefused(message);
      throw new TokenRefused(message);
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

/**
 * A calculation's rich outputs: outputs.json's list of outputs, or null when it has none (the
 * calculation ran before rich outputs existed) or it cannot be read whole.
 */
async function richOutputs(resultUri) {
  if (!resultUri) return null;
  const response = await call('GET', '/console/output', { uri: resultUri + 'outputs.json' }, {}, undefined);
  if (!response.ok || response.headers.get('X-Noctua-Truncated')) return null;
  try {
    const outputs = JSON.parse(await response.text()).outputs;
    return Array.isArray(outputs) ? outputs.filter((o) => o && typeof o === 'object' && o.data && typeof o.data === 'object') : null;
  } catch (e) {
    return null;
  }
}


// ---- signing in, when the server checks signatures

/** Puts the (hidden) sign-in form under the page's header; {@code onSubmit} takes the keys typed into it. */
function addSignInForm(onSubmit) {
  const form = el('form', { id: 'sign-in', class: 'sign-in', hidden: '', onsubmit: onSubmit },
    el('h2', null, 'Sign in'),
    el('p', { id: 'sign-in-reason', class: 'muted' }),
    el('label', null, 'Access key ID ', el('input', { id: 'access-key-id', autocomplete: 'username', spellcheck: 'false' })),
    el('label', null, 'Secret access key ',
      el('input', { id: 'secret-access-key', type: 'password', autocomplete: 'current-password' })),
    el('p', { class: 'muted' }, 'The keys stay in this tab: each call is signed with them (AWS Signature Version 4), '
      + 'and they are forgotten when the tab closes.'),
    el('button', { id: 'sign-in-submit', type: 'submit', class: 'primary' }, 'Sign in'));
  document.querySelector('header').after(form);
}

/** Shows the sign-in form, with why the keys are asked for, and forgets the keys the tab had. */
function showSignIn(reason) {
  $('sign-in-reason').textContent = keys.get()
    ? 'The server did not accept these keys (' + reason + ').'
    : 'This server takes only calls signed with an access key (its auth.access-key-id).';
  keys.clear();
  $('sign-in').hidden = false;
  $('access-key-id').focus();
}

/** Keeps the keys typed into the sign-in form (its secret field is emptied) and hides it; false while one is missing. */
function takeKeys(event) {
  event.preventDefault();
  const id = $('access-key-id').value.trim();
  const secret = $('secret-access-key').value;
  if (!id || !secret) return false;
  keys.set(id, secret);
  $('secret-access-key').value = '';
  $('sign-in').hidden = true;
  return true;
}

function setConnection(up) {
  const node = $('connection');
  if (!node) return;
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

// ---- rich outputs: one MIME bundle each (docs/calculation-results.md), shown as its richest known type

const TABLE_TYPE = 'application/vnd.noctua.table+json';
const PLOTLY_TYPE = 'application/vnd.plotly.v1+json';
const KNOWN_TYPES = ['image/png', 'image/jpeg', 'image/svg+xml', TABLE_TYPE, PLOTLY_TYPE, 'text/html', 'text/markdown', 'text/plain'];
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The richest type of {@code data} that the console shows and that holds what that type should. */
function preferredType(data) {
  return KNOWN_TYPES.find((type) => {
    const value = data[type];
    if (value === undefined || value === null) return false;
    if (type === 'image/png' || type === 'image/jpeg') return typeof value === 'string' && BASE64.test(value.replace(/\s+/g, ''));
    if (type === TABLE_TYPE) return typeof value === 'object' && Array.isArray(value.columns) && Array.isArray(value.rows);
    if (type === PLOTLY_TYPE) return typeof value === 'object';
    return typeof value === 'string';
  }) || null;
}

/** One output as an element: {@code result} for the cell's value (execute_result). */
function richOutput(output, result) {
  const data = output.data;
  const type = preferredType(data);
  const node = el('div', { class: 'rich-output', 'data-output-type': output.output_type || '', 'data-mime': type || '' });
  const value = type ? data[type] : null;
  const text = typeof data['text/plain'] === 'string' ? data['text/plain'] : '';
  if (type === 'image/png' || type === 'image/jpeg') {
    node.append(el('img', { class: 'rich-image', alt: text, src: 'data:' + type + ';base64,' + value.replace(/\s+/g, '') }));
  } else if (type === 'image/svg+xml') {
    // as an image, never inline: an SVG shown by <img> runs no script
    node.append(el('img', { class: 'rich-image', alt: text, src: 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(value) }));
  } else if (type === TABLE_TYPE) {
    node.append(richTable(value));
  } else if (type === PLOTLY_TYPE) {
    node.append(plotlyFigure(value));
  } else if (type === 'text/html') {
    // a frame with an opaque origin and no scripts: the HTML is shown, nothing in it runs
    const frame = el('iframe', { class: 'rich-html', sandbox: '', referrerpolicy: 'no-referrer', title: 'HTML output' });
    frame.srcdoc = value;
    node.append(frame);
  } else if (type) {
    node.append(el('pre', { class: result ? 'result' : 'display' }, value));
  } else {
    node.append(el('pre', { class: 'display' }, 'An output of type ' + Object.keys(data).join(', ') + ', which the console does not show.'));
  }
  return node;
}

function cellText(value) {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** A table+json value as a table, cell by cell as text; NULL in grey as in the SQL view. */
function richTable(table) {
  const columns = table.columns.map((c) => (c && typeof c === 'object' ? c : { name: String(c), type: '' }));
  const width = Math.max(columns.length, ...table.rows.map((row) => (Array.isArray(row) ? row.length : 0)));
  const names = Array.from({ length: width }, (_, i) => columns[i] || { name: '', type: '' });
  const head = el('tr', {}, ...names.map((column) => el('th', { 'data-type': cellText(column.type || '') },
    el('span', { class: 'name' }, cellText(column.name === undefined ? '' : column.name)),
    el('small', { class: 'type' }, cellText(column.type || '')))));
  const body = el('tbody', {}, ...table.rows.map((row) => el('tr', {}, ...names.map((_, i) => {
    const value = Array.isArray(row) ? row[i] : undefined;
    return value === null || value === undefined
      ? el('td', { class: 'null', 'data-null': 'true' }, 'NULL')
      : el('td', { class: typeof value === 'number' ? 'number' : '' }, cellText(value));
  }))));
  const node = el('div', { class: 'rich-table' }, el('div', { class: 'result-wrap' }, el('table', { class: 'result' }, el('thead', {}, head), body)));
  const rows = table.rows.length + ' row' + (table.rows.length === 1 ? '' : 's');
  node.append(el('p', { class: 'table-note muted' + (table.truncated ? ' truncated' : '') },
    table.truncated ? 'Only the first ' + rows + ' are shown: the data has more.' : rows));
  return node;
}

let plotlyLoading = null;

/**
 * plotly.js, from the server (never a CDN), loaded the first time a figure is shown. Its style rules
 * go into an empty same-origin sheet with the id it looks for, as the page's policy refuses the
 * inline <style> it would make.
 */
function loadPlotly() {
  if (!plotlyLoading) {
    const styles = el('link', { rel: 'stylesheet', id: 'plotly.js-style-global', href: '/console/plotly.css' });
    const styled = new Promise((resolve) => {
      styles.addEventListener('load', resolve);
      styles.addEventListener('error', resolve);
    });
    document.head.append(styles);
    plotlyLoading = styled.then(() => new Promise((resolve, reject) => {
      const src = '/console/plotly.min.js';
      const script = document.createElement('script');
      script.src = src;
      script.onload = () => (window.Plotly ? resolve(window.Plotly) : reject(new Error('plotly.js did not load')));
      script.onerror = () => {
        // a <script> cannot read why: ask again for the server's reason
        fetch(src).then((r) => r.text(), () => '').then((reason) => reject(new Error(reason.trim() || 'plotly.js could not be loaded')));
      };
      document.head.append(script);
    }));
    plotlyLoading.catch(() => {});
  }
  return plotlyLoading;
}

/** A Plotly figure, drawn by plotly.js once it is there; its JSON as text with the reason when plotly.js cannot be had. */
function plotlyFigure(figure) {
  const node = el('div', { class: 'plotly-output' });
  const chart = el('div', { class: 'plotly-chart' });
  node.append(chart);
  loadPlotly().then((Plotly) => Plotly.newPlot(chart, {
    data: Array.isArray(figure.data) ? figure.data : [],
    layout: figure.layout && typeof figure.layout === 'object' ? figure.layout : {},
    frames: Array.isArray(figure.frames) ? figure.frames : undefined,
    config: { responsive: true, displaylogo: false },
  })).catch((e) => {
    const reason = /plotly is not installed/.test(e.message)
      ? "plotly is not installed in the workers' Python, so the figure is shown as its JSON." : 'The figure cannot be drawn: ' + e.message;
    node.replaceChildren(el('p', { class: 'plotly-note muted' }, reason), el('pre', { class: 'plotly-json' }, JSON.stringify(figure, null, 2)));
  });
  return node;
}

