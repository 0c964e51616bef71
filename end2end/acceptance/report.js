#!/usr/bin/env node
// Renders target/acceptance/index.html and index.md from the evidence the
// acceptance specs wrote (results/<id>.json), the checklist (its order and
// titles) and the server's log (kassa.log, grepped per item). An item
// without evidence is reported `fail` ("did not run"). Exit status: 0 when
// no item failed. No dependencies beyond Node itself.
const fs = require('fs');
const path = require('path');
const { ITEMS } = require('./checklist');

const OUT = path.resolve(__dirname, '../../target/acceptance');
const MAX_LOG_LINES = 40;

function load() {
  const log = fs.existsSync(path.join(OUT, 'kassa.log'))
    ? fs.readFileSync(path.join(OUT, 'kassa.log'), 'utf8').replace(/\u001b\[[0-9;]*m/g, '').split('\n')
    : [];
  const items = ITEMS.map((it) => {
    const file = path.join(OUT, 'results', `${it.id}.json`);
    if (!fs.existsSync(file)) {
      return { ...it, status: 'fail', reason: 'did not run (no evidence written)', checks: [], notes: [], requests: [],
        notifications: [], screenshots: [], names: null, errors: [], navigations: [], log_patterns: [] };
    }
    return { ...it, ...JSON.parse(fs.readFileSync(file, 'utf8')) };
  });
  for (const it of items) {
    it.log = grep(log, it.log_patterns);
    for (const e of it.errors) e.lines = log.filter((l) => l.includes(`code=${e.code}`) && it.log_patterns.some((p) => p !== `code=${e.code}` && l.includes(p)));
  }
  return { items, meta: readMeta() };
}

function readMeta() {
  const f = path.join(OUT, 'run.json');
  return fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, 'utf8')) : {};
}

/** The log lines naming one of the item's uuids, order ids or error codes. */
function grep(lines, patterns) {
  if (!patterns.length) return [];
  const hits = lines.filter((l) => patterns.some((p) => l.includes(p)));
  return hits.length > MAX_LOG_LINES ? [...hits.slice(0, MAX_LOG_LINES), `… ${hits.length - MAX_LOG_LINES} more lines in kassa.log`] : hits;
}

const pretty = (text) => { try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; } };
const esc = (s) => String(s ?? '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const badge = (s) => `<span class="st ${s}">${s.toUpperCase()}</span>`;

function summary(items) {
  const n = (s) => items.filter((i) => i.status === s).length;
  return { pass: n('pass'), fail: n('fail'), skipped: n('skipped'), total: items.length };
}

// --- HTML ------------------------------------------------------------------------

function htmlItem(it) {
  const h = [`<section id="${it.id}"><h2>${badge(it.status)} ${esc(it.title)}</h2>`];
  if (it.reason) h.push(`<p class="reason">${esc(it.reason)}</p>`);
  if (it.checks.length) {
    h.push('<h3>Checks</h3><ul class="checks">');
    for (const c of it.checks) h.push(`<li class="${c.ok ? 'ok' : 'bad'}">${c.ok ? '✔' : '✘'} ${esc(c.what)}${c.detail ? ` <span class="muted">${esc(c.detail)}</span>` : ''}</li>`);
    h.push('</ul>');
  }
  for (const note of it.notes) h.push(`<p class="muted">${esc(note)}</p>`);
  if (it.names) {
    h.push('<h3>Name as Trustly received it</h3><table>');
    for (const [k, v] of Object.entries(it.names)) h.push(`<tr><th>${esc(k)}</th><td><code>${esc(v)}</code></td></tr>`);
    h.push('</table>');
  }
  for (const r of it.requests) {
    h.push(`<h3>Signed request: ${esc(r.method)} <span class="muted">${esc(r.why)}</span></h3>
<p class="muted">${esc(r.http_method)} · uuid ${esc(r.uuid)} · ${esc(r.at)} · signature ${r.signature_verified ? 'verified' : 'NOT verified'} (Username/Password masked as ***)</p>
<pre>${esc(pretty(r.body))}</pre><details><summary>exact body as received (masked)</summary><pre>${esc(r.body)}</pre></details>
<details><summary>answer${r.answer_lost ? ' (lost on purpose)' : ''}</summary><pre>${esc(pretty(r.answer))}</pre></details>`);
  }
  if (it.notifications.length) {
    h.push('<h3>Notifications received and Kassa\'s signed replies</h3>');
    for (const n of it.notifications) {
      h.push(`<div class="note"><strong>${esc(n.method)}</strong> ${esc(n.notificationid)} <span class="muted">order ${esc(n.orderid)} · uuid ${esc(n.uuid)} · ${n.delivered ? 'delivered' : 'not delivered'}</span>
<details><summary>signed notification</summary><pre>${esc(pretty(n.body))}</pre></details>`);
      for (const a of n.attempts) {
        h.push(`<div class="${a.ok ? 'ok' : 'bad'}">${esc(a.at)} · HTTP ${esc(a.status)} · ${esc(a.outcome)} · reply signature ${a.verified ? 'verified' : 'not verified'}</div><details><summary>Kassa's reply</summary><pre>${esc(pretty(a.reply))}</pre></details>`);
      }
      h.push('</div>');
    }
  }
  if (it.errors.length) {
    h.push('<h3>Error codes provoked</h3>');
    for (const e of it.errors) {
      h.push(`<p><strong>${esc(e.code)}</strong> ${esc(e.message)} <span class="muted">(${esc(e.where)})</span></p><pre>${esc(e.lines.join('\n') || 'no log line found')}</pre>`);
    }
  }
  if (it.navigations.length) {
    h.push('<h3>Browser navigations</h3><pre>');
    h.push(esc(it.navigations.map((n) => `${n.method} ${n.url} (${n.frame})`).join('\n')));
    h.push('</pre>');
  }
  if (it.screenshots.length) {
    h.push('<h3>Screenshots</h3><div class="shots">');
    for (const s of it.screenshots) {
      const cls = s.viewport.startsWith('phone') ? 'phone' : 'desktop';
      h.push(`<figure class="${cls}"><a href="${esc(s.file)}"><img src="${esc(s.file)}" alt="${esc(s.label)}" loading="lazy"></a><figcaption>${esc(s.label)} · ${esc(s.viewport)}</figcaption></figure>`);
    }
    h.push('</div>');
  }
  if (it.log.length) h.push(`<details><summary>Kassa log lines (${it.log.length})</summary><pre>${esc(it.log.join('\n'))}</pre></details>`);
  h.push('</section>');
  return h.join('\n');
}

function html({ items, meta }) {
  const s = summary(items);
  const rows = items.map((i) => `<tr><td>${badge(i.status)}</td><td><a href="#${i.id}">${esc(i.title)}</a></td><td class="muted">${esc(i.reason || '')}</td></tr>`).join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Kassa · Trustly acceptance report</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1200px;padding:0 12px;color:#1b1b1b}
table{border-collapse:collapse} td,th{border-top:1px solid #eee;padding:4px 8px;text-align:left;vertical-align:top}
pre{white-space:pre-wrap;word-break:break-all;background:#f6f6f8;padding:8px;font-size:12px;max-height:480px;overflow:auto}
section{border-top:2px solid #ccd;margin-top:28px} .muted{color:#667} .reason{color:#a00;font-weight:600}
.st{display:inline-block;min-width:64px;text-align:center;border-radius:4px;padding:1px 6px;font-size:12px;color:#fff}
.st.pass{background:#1a7f37} .st.fail{background:#c62828} .st.skipped{background:#8a8a8a}
.ok{color:#064} .bad{color:#a00} ul.checks{padding-left:18px;list-style:none}
.shots{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start} figure{margin:0}
figure.desktop img{width:420px;border:1px solid #ccd} figure.phone img{width:150px;border:1px solid #ccd}
figcaption{font-size:12px;color:#667;max-width:420px} .note{margin:8px 0;padding:6px;border-left:3px solid #ccd}
</style></head><body>
<h1>Kassa · Trustly acceptance report</h1>
<p><strong>${s.pass} passed, ${s.fail} failed, ${s.skipped} skipped</strong> of ${s.total} items ·
Trustly API: <code>${esc(meta.trustly_api || '?')}</code> · commit <code>${esc(meta.commit || '?')}</code> ·
${esc(meta.started || '')} · server log: <a href="kassa.log">kassa.log</a> · Markdown twin: <a href="index.md">index.md</a></p>
<table>${rows}</table>
${items.map(htmlItem).join('\n')}
</body></html>
`;
}

// --- Markdown ------------------------------------------------------------------------

function mdItem(it) {
  const m = [`<a id="${it.id}"></a>`, '', `## ${it.status.toUpperCase()}: ${it.title}`, ''];
  if (it.reason) m.push(`**${it.reason}**`, '');
  for (const c of it.checks) m.push(`- ${c.ok ? '[x]' : '[ ] FAILED:'} ${c.what}${c.detail ? ` (${c.detail.replace(/\n/g, ' ')})` : ''}`);
  if (it.checks.length) m.push('');
  for (const note of it.notes) m.push(`_${note}_`, '');
  if (it.names) {
    m.push('Name as Trustly received it:', '', '| field | value |', '|---|---|');
    for (const [k, v] of Object.entries(it.names)) m.push(`| ${k} | \`${v}\` |`);
    m.push('');
  }
  for (const r of it.requests) {
    m.push(`### Signed request: ${r.method} (${r.why})`, '',
      `${r.http_method}, uuid ${r.uuid}, ${r.at}, signature ${r.signature_verified ? 'verified' : 'NOT verified'}; Username/Password masked as \`***\`.`, '',
      '```json', pretty(r.body), '```', '', 'Answer:', '', '```json', pretty(r.answer), '```', '');
  }
  if (it.notifications.length) m.push("### Notifications received and Kassa's signed replies", '');
  for (const n of it.notifications) {
    m.push(`#### ${n.method} ${n.notificationid} (order ${n.orderid}, ${n.delivered ? 'delivered' : 'not delivered'})`, '', '```json', pretty(n.body), '```', '');
    for (const a of n.attempts) {
      m.push(`- ${a.at}: HTTP ${a.status}, ${a.outcome}, reply signature ${a.verified ? 'verified' : 'not verified'}`, '', '```json', pretty(a.reply), '```', '');
    }
  }
  if (it.errors.length) m.push('### Error codes provoked', '');
  for (const e of it.errors) m.push(`**${e.code}** ${e.message} (${e.where})`, '', '```', e.lines.join('\n') || 'no log line found', '```', '');
  if (it.navigations.length) m.push('### Browser navigations', '', '```', ...it.navigations.map((n) => `${n.method} ${n.url} (${n.frame})`), '```', '');
  if (it.screenshots.length) m.push('### Screenshots', '');
  for (const s of it.screenshots) m.push(`- [${s.label} · ${s.viewport}](${s.file})`);
  if (it.screenshots.length) m.push('');
  if (it.log.length) m.push(`### Kassa log lines (${it.log.length})`, '', '```', ...it.log, '```', '');
  return m.join('\n');
}

function md({ items, meta }) {
  const s = summary(items);
  return [
    '# Kassa · Trustly acceptance report', '',
    `**${s.pass} passed, ${s.fail} failed, ${s.skipped} skipped** of ${s.total} items. Trustly API: \`${meta.trustly_api || '?'}\`, commit \`${meta.commit || '?'}\`, ${meta.started || ''}. Server log: [kassa.log](kassa.log).`, '',
    '| result | item | reason |', '|---|---|---|',
    ...items.map((i) => `| ${i.status.toUpperCase()} | [${i.title}](#${i.id}) | ${(i.reason || '').replace(/\|/g, '/')} |`), '',
    ...items.map(mdItem),
  ].join('\n');
}

if (require.main === module) {
  const data = load();
  fs.writeFileSync(path.join(OUT, 'index.html'), html(data));
  fs.writeFileSync(path.join(OUT, 'index.md'), md(data));
  const s = summary(data.items);
  console.log(`acceptance: ${s.pass} passed, ${s.fail} failed, ${s.skipped} skipped of ${s.total}; report: target/acceptance/index.html`);
  for (const i of data.items.filter((x) => x.status !== 'pass')) console.log(`  ${i.status}: ${i.title}: ${i.reason}`);
  process.exit(s.fail === 0 ? 0 : 1);
}

module.exports = { load, html, md };
