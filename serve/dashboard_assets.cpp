// The web dashboard's files, compiled into the binary: no front-end build step, nothing read from disk at run time.
// Plain HTML, CSS and JavaScript (ES2017, fetch); every value from the server is inserted as text, never as HTML.
#include "serve/dashboard_assets.h"

namespace hitforge::serve {

const char* dashboard_html() {
  return R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hitforge screening</title>
<link rel="stylesheet" href="/static/app.css">
</head>
<body>
<header><h1>hitforge screening</h1><span id="status"></span></header>
<main>
<section id="campaigns-section">
  <h2>Campaigns</h2>
  <table id="campaigns"><thead><tr><th>Name</th><th>State</th><th>Progress</th><th>ok / filtered / invalid</th>
  <th>Rate</th><th>ETA</th><th></th></tr></thead><tbody></tbody></table>
</section>
<section id="submit-section">
  <h2>New campaign</h2>
  <form id="submit-form">
    <label>Name <input name="name" id="name" maxlength="200" placeholder="my screen"></label>
    <label>Molecules (one SMILES per line, optional id after a space)
      <textarea id="smiles" rows="6" placeholder="CCO ethanol&#10;c1ccccc1O phenol"></textarea></label>
    <label>… or upload a .smi / .csv / .sdf file <input type="file" id="file" accept=".smi,.csv,.tsv,.sdf,.txt"></label>
    <label>Recipe <select id="recipe-template"></select></label>
    <textarea id="recipe" rows="8" spellcheck="false"></textarea>
    <label>Top k <input id="top_k" type="number" min="0" value="100"></label>
    <button type="submit" id="submit">Submit</button>
    <span id="submit-result" role="status"></span>
  </form>
</section>
<section id="results-section" hidden>
  <h2>Results: <span id="results-title"></span></h2>
  <div class="controls">
    <label>Status <select id="filter-status"><option value="ok">ok (ranked)</option><option value="all">all</option>
      <option value="invalid">invalid</option><option value="filtered">filtered</option></select></label>
    <label>Order <select id="filter-sort"><option value="score">score</option><option value="index">input order</option></select></label>
    <button id="prev">&larr;</button><span id="page"></span><button id="next">&rarr;</button>
    <a id="csv" href="#" download>Download CSV</a>
  </div>
  <table id="results"><thead></thead><tbody></tbody></table>
</section>
</main>
<script src="/static/app.js"></script>
</body>
</html>
)html";
}

const char* dashboard_css() {
  return R"css(body { font-family: system-ui, sans-serif; margin: 0; color: #1d2430; background: #f6f7f9; }
header { background: #1d3557; color: white; padding: 0.6rem 1.2rem; display: flex; gap: 1rem; align-items: baseline; }
header h1 { font-size: 1.2rem; margin: 0; }
main { padding: 0.5rem 1.2rem; display: grid; gap: 1rem; }
section { background: white; border-radius: 6px; padding: 0.6rem 1rem; box-shadow: 0 1px 3px #0002; }
h2 { font-size: 1.05rem; margin: 0.3rem 0 0.6rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { text-align: left; padding: 0.25rem 0.5rem; border-bottom: 1px solid #e3e6ea; vertical-align: middle; }
th.sortable { cursor: pointer; user-select: none; }
th.sortable::after { content: " \2195"; color: #999; }
tr.campaign { cursor: pointer; }
tr.campaign:hover { background: #eef3fb; }
progress { width: 12rem; }
form { display: grid; gap: 0.5rem; max-width: 56rem; }
form label { display: grid; gap: 0.2rem; }
textarea { font-family: ui-monospace, monospace; font-size: 0.85rem; }
.controls { display: flex; gap: 0.8rem; align-items: center; margin-bottom: 0.5rem; flex-wrap: wrap; }
.depiction { width: 160px; height: 120px; }
.state-done { color: #2a7d2e; } .state-failed, .state-cancelled { color: #b3261e; } .state-running { color: #1d3557; }
.error { color: #b3261e; }
)css";
}

const char* dashboard_js() {
  return R"js('use strict';
const $ = (sel) => document.querySelector(sel);
let selected = null;      // campaign id shown in the results table
let offset = 0;
const pageSize = 50;
let rows = [];            // the current results page (client-side sorting re-orders it)
let models = [];

async function api(method, path, body, isForm) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    if (isForm) init.body = body;
    else { init.body = JSON.stringify(body); init.headers['Content-Type'] = 'application/json'; }
  }
  const r = await fetch(path, init);
  const text = await r.text();
  let data = null;
  try { data = JSON.parse(text); } catch (e) { data = null; }
  if (!r.ok) throw new Error(data && data.error ? data.error.message : ('HTTP ' + r.status));
  return data;
}

function cell(tr, content) {
  const td = document.createElement('td');
  if (content instanceof Node) td.appendChild(content); else td.textContent = content == null ? '' : String(content);
  tr.appendChild(td);
  return td;
}

function fmtSeconds(s) {
  if (s == null) return '';
  if (s < 90) return Math.round(s) + ' s';
  if (s < 5400) return Math.round(s / 60) + ' min';
  return (s / 3600).toFixed(1) + ' h';
}

async function refreshCampaigns() {
  let data;
  try { data = await api('GET', '/v1/campaigns?limit=100'); $('#status').textContent = ''; }
  catch (e) { $('#status').textContent = e.message; return; }
  const tbody = $('#campaigns tbody');
  tbody.replaceChildren();
  for (const c of data.campaigns) {
    const tr = document.createElement('tr');
    tr.className = 'campaign';
    tr.dataset.id = c.id;
    cell(tr, c.name);
    cell(tr, c.state).className = 'state-' + c.state;
    const p = document.createElement('progress');
    p.max = c.progress.total; p.value = c.progress.done;
    const wrap = document.createElement('span');
    wrap.append(p, ' ' + c.progress.done + ' / ' + c.progress.total);
    cell(tr, wrap);
    cell(tr, c.counts.ok + ' / ' + c.counts.filtered + ' / ' + c.counts.invalid);
    cell(tr, c.rate_per_second ? Math.round(c.rate_per_second) + ' mol/s' : '');
    cell(tr, fmtSeconds(c.eta_seconds));
    const actions = document.createElement('span');
    if (c.state === 'queued' || c.state === 'running') {
      const b = document.createElement('button');
      b.textContent = 'Cancel';
      b.onclick = async (ev) => { ev.stopPropagation(); await api('POST', '/v1/campaigns/' + c.id + '/cancel'); refreshCampaigns(); };
      actions.appendChild(b);
    }
    cell(tr, actions);
    tr.onclick = () => { selected = c.id; offset = 0; $('#results-title').textContent = c.name; loadResults(); };
    tbody.appendChild(tr);
    if (c.id === selected && c.state === 'running') loadResults();
  }
}

function recipeTemplates() {
  const t = {
    'drug-likeness (PAINS, Brenk, Lipinski; QED and SA)': {
      filters: [{ scorer: 'pains', max: 0 }, { scorer: 'brenk', max: 0 }, { scorer: 'lipinski', max: 1 }],
      components: [{ scorer: 'qed', weight: 2 },
                   { scorer: 'sa', weight: 1, transform: { type: 'reverse_sigmoid', low: 2.5, high: 5.5 } }] },
    'QED only': { components: [{ scorer: 'qed' }] },
  };
  for (const m of models) {
    if (m.kind !== 'predictor') continue;  // generators (POST /v1/generate) have no targets to score with
    t['model ' + m.name + ' (' + m.targets[0] + ') + QED'] = {
      filters: [{ scorer: 'pains', max: 0 }],
      components: [{ model: m.name, target: m.targets[0], label: m.targets[0] + '_pred' }, { scorer: 'qed' }] };
  }
  return t;
}

async function initForm() {
  try { models = (await api('GET', '/v1/models')).models; } catch (e) { models = []; }
  const templates = recipeTemplates();
  const sel = $('#recipe-template');
  sel.replaceChildren();
  for (const name of Object.keys(templates)) {
    const o = document.createElement('option'); o.value = name; o.textContent = name; sel.appendChild(o);
  }
  const show = () => { $('#recipe').value = JSON.stringify(templates[sel.value], null, 2); };
  sel.onchange = show;
  show();
  $('#submit-form').onsubmit = async (ev) => {
    ev.preventDefault();
    const out = $('#submit-result');
    out.className = '';
    out.textContent = 'submitting…';
    try {
      const recipe = JSON.parse($('#recipe').value);
      const topK = parseInt($('#top_k').value || '0', 10);
      const name = $('#name').value;
      let res;
      const file = $('#file').files[0];
      if (file) {
        const form = new FormData();
        form.append('name', name); form.append('recipe', JSON.stringify(recipe));
        form.append('top_k', String(topK)); form.append('library', file, file.name);
        res = await api('POST', '/v1/campaigns', form, true);
      } else {
        const molecules = $('#smiles').value.split('\n').map((l) => l.trim()).filter((l) => l)
          .map((l) => { const i = l.search(/\s/); return i < 0 ? { smiles: l } : { smiles: l.slice(0, i), id: l.slice(i + 1).trim() }; });
        res = await api('POST', '/v1/campaigns', { name, recipe, top_k: topK, molecules });
      }
      out.textContent = 'submitted ' + res.id + ' (' + res.n_records + ' records)';
      selected = res.id; offset = 0; $('#results-title').textContent = name || res.id;
      await refreshCampaigns();
      loadResults();
    } catch (e) { out.className = 'error'; out.textContent = e.message; }
  };
}

function resultsQuery(format) {
  return '/v1/campaigns/' + selected + '/results?status=' + $('#filter-status').value + '&sort=' +
    $('#filter-sort').value + (format ? '&format=' + format : '&offset=' + offset + '&limit=' + pageSize);
}

let columns = { components: [], values: [] };
async function loadResults() {
  if (!selected) return;
  $('#results-section').hidden = false;
  $('#csv').href = resultsQuery('csv');
  let data;
  try { data = await api('GET', resultsQuery()); } catch (e) { $('#page').textContent = e.message; return; }
  columns = data.columns;
  rows = data.results;
  $('#page').textContent = (data.total ? offset + 1 : 0) + '–' + (offset + rows.length) + ' of ' + data.total;
  $('#prev').disabled = offset === 0;
  $('#next').disabled = offset + rows.length >= data.total;
  renderResults();
}

const sortKeys = { rank: (r) => r.rank, index: (r) => r.index, id: (r) => r.id, status: (r) => r.status, score: (r) => r.score };
let sortBy = null, sortDir = 1;
function renderResults() {
  const head = ['rank', 'structure', 'index', 'id', 'smiles', 'status', 'score'].concat(columns.components, ['reason']);
  const thead = $('#results thead');
  const htr = document.createElement('tr');
  for (const h of head) {
    const th = document.createElement('th');
    th.textContent = h;
    const key = sortKeys[h] ? h : (columns.components.includes(h) ? 'c:' + h : null);
    if (key) {
      th.className = 'sortable';
      th.onclick = () => { sortDir = sortBy === key ? -sortDir : (key === 'score' || key.startsWith('c:') ? -1 : 1); sortBy = key; renderResults(); };
    }
    htr.appendChild(th);
  }
  thead.replaceChildren(htr);
  const value = (r, key) => key.startsWith('c:') ? r.components[key.slice(2)] : sortKeys[key](r);
  const shown = rows.slice();
  if (sortBy) shown.sort((a, b) => {
    const x = value(a, sortBy), y = value(b, sortBy);
    if (x == null && y == null) return 0; if (x == null) return 1; if (y == null) return -1;
    return (x < y ? -1 : x > y ? 1 : 0) * sortDir;
  });
  const tbody = $('#results tbody');
  tbody.replaceChildren();
  for (const r of shown) {
    const tr = document.createElement('tr');
    tr.className = 'result';
    cell(tr, r.rank);
    if (r.smiles) {
      const img = document.createElement('img');
      img.className = 'depiction'; img.loading = 'lazy'; img.alt = r.smiles;
      img.src = '/v1/depict?smiles=' + encodeURIComponent(r.smiles) + '&width=160&height=120';
      cell(tr, img);
    } else cell(tr, '');
    cell(tr, r.index); cell(tr, r.id); cell(tr, r.smiles || r.input); cell(tr, r.status).className = 'state-' + (r.status === 'ok' ? 'done' : 'failed');
    cell(tr, r.score == null ? '' : r.score.toFixed(3));
    for (const c of columns.components) { const v = r.components ? r.components[c] : null; cell(tr, v == null ? '' : v.toFixed(3)); }
    cell(tr, r.reason);
    tbody.appendChild(tr);
  }
}

$('#filter-status').onchange = () => { offset = 0; loadResults(); };
$('#filter-sort').onchange = () => { offset = 0; sortBy = null; loadResults(); };
$('#prev').onclick = () => { offset = Math.max(0, offset - pageSize); loadResults(); };
$('#next').onclick = () => { offset += pageSize; loadResults(); };
initForm();
refreshCampaigns();
setInterval(refreshCampaigns, 1500);
)js";
}

const char* login_html() {
  return R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hitforge: token required</title></head>
<body style="font-family: system-ui, sans-serif; margin: 3rem;">
<h1>Token required</h1>
<p>This server requires its bearer token (from the token file the server was started with).</p>
<form id="f"><input id="t" type="password" size="70" autocomplete="off" placeholder="token">
<button>Open dashboard</button></form>
<script>
document.getElementById('f').onsubmit = (e) => {
  e.preventDefault();
  document.cookie = 'hitforge_token=' + encodeURIComponent(document.getElementById('t').value.trim()) +
    '; path=/; SameSite=Strict';
  location.reload();
};
</script>
</body></html>
)html";
}

}  // namespace hitforge::serve
