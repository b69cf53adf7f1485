/**
 * The live dashboard's HTML and CSS (the script is in `dashboard-script.ts`): one page with
 * everything inline, nothing fetched from elsewhere.
 *
 * @module
 */
import { DASHBOARD_SCRIPT } from './dashboard-script.js'

/** The dashboard's style sheet: light, or dark when the system prefers it. */
const DASHBOARD_CSS = `
:root {
  color-scheme: light dark;
  --bg: #f4f5f8; --card: #ffffff; --ink: #1b2130; --muted: #697386; --line: #e3e6ed; --soft: #f0f2f6;
  --accent: #4f46e5; --ok: #15a34a; --bad: #dc2626; --warn: #d97706; --info: #0284c7; --idle: #a0a8b8;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0e1117; --card: #161a22; --ink: #e5e8ee; --muted: #8e96a8; --line: #262c38; --soft: #1d222c;
    --accent: #818cf8; --ok: #22c55e; --bad: #f87171; --warn: #fbbf24; --info: #38bdf8; --idle: #5b6374;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); }
[hidden] { display: none !important; }
.top {
  position: sticky; top: 0; z-index: 2; display: flex; align-items: center; justify-content: space-between;
  padding: 12px 24px; background: var(--card); border-bottom: 1px solid var(--line);
}
.brand { display: flex; align-items: center; gap: 10px; }
.brand h1 { margin: 0; font-size: 17px; letter-spacing: -0.01em; }
.brand .muted { font-size: 13px; }
.logo {
  width: 14px; height: 14px; border-radius: 50%; background: var(--accent);
  box-shadow: 0 0 0 4px color-mix(in srgb, var(--accent) 22%, transparent);
}
.status { display: flex; align-items: center; gap: 12px; font-size: 12px; }
.muted, .sub { color: var(--muted); }
main { max-width: 1480px; margin: 0 auto; padding: 18px 24px 32px; }
.alert, .login { margin: 14px max(24px, calc((100% - 1432px) / 2)) 0; }
.alert {
  padding: 10px 14px; border-radius: 8px;
  background: color-mix(in srgb, var(--bad) 12%, var(--card)); color: var(--bad);
  border: 1px solid color-mix(in srgb, var(--bad) 35%, transparent);
}
.login {
  display: flex; flex-wrap: wrap; align-items: center; gap: 10px; padding: 12px 16px; background: var(--card); border: 1px solid var(--line); border-radius: 10px;
}
.login label { font-weight: 600; }
.login input {
  flex: 0 1 320px; padding: 7px 10px; border: 1px solid var(--line); border-radius: 8px;
  background: var(--bg); color: var(--ink); font: inherit;
}
.login button {
  padding: 7px 16px; border: 0; border-radius: 8px; background: var(--accent); color: #fff;
  font: inherit; font-weight: 600; cursor: pointer;
}
.login .muted { font-size: 12px; }
.kpis { display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)); gap: 14px; margin-bottom: 16px; }
.kpi {
  display: flex; flex-direction: column; gap: 2px; padding: 12px 16px;
  background: var(--card); border: 1px solid var(--line); border-radius: 12px;
}
.kpi .label { font-size: 11px; font-weight: 600; letter-spacing: 0.06em; text-transform: uppercase; color: var(--muted); }
.kpi .value { font-size: 26px; font-weight: 650; font-variant-numeric: tabular-nums; letter-spacing: -0.02em; }
.kpi .sub { font-size: 12px; }
.grid { display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)); gap: 16px; }
.card {
  grid-column: span 2; min-width: 0; padding: 14px 16px 16px;
  background: var(--card); border: 1px solid var(--line); border-radius: 12px;
}
.card.span4 { grid-column: span 4; }
.card h2 {
  display: flex; align-items: baseline; justify-content: space-between; gap: 8px; margin: 0 0 10px;
  font-size: 12px; font-weight: 650; letter-spacing: 0.06em; text-transform: uppercase; color: var(--muted);
}
.count {
  min-width: 22px; padding: 1px 8px; border-radius: 999px; background: var(--soft);
  color: var(--ink); font-size: 12px; text-align: center; letter-spacing: 0;
}
.count:empty { display: none; }
.note { font-weight: 500; text-transform: none; letter-spacing: 0; }
.empty-note { margin: 18px 0; color: var(--muted); text-align: center; }
.scroll { max-height: 300px; overflow: auto; }
.scroll.tall { max-height: 560px; }
ul, ol { margin: 0; padding: 0; list-style: none; }
.who { display: flex; flex-direction: column; min-width: 0; flex: 1; }
.who .name, .who .sub { overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }
.who .sub, td .sub { font-size: 12px; }
.agent, .queued { display: flex; align-items: center; gap: 10px; padding: 8px 2px; border-top: 1px solid var(--line); }
.agent:first-child, .queued:first-child { border-top: 0; }
.agent .dot { width: 10px; height: 10px; border-radius: 50%; background: var(--idle); flex: none; }
.status-available .dot { background: var(--ok); box-shadow: 0 0 0 3px color-mix(in srgb, var(--ok) 20%, transparent); }
.status-busy .dot { background: var(--info); box-shadow: 0 0 0 3px color-mix(in srgb, var(--info) 20%, transparent); }
.status-wrap_up .dot { background: var(--warn); }
.status-break .dot { background: var(--bad); opacity: 0.7; }
.agent .calls { font-size: 12px; color: var(--muted); font-variant-numeric: tabular-nums; }
.agent .state { display: flex; flex-direction: column; align-items: flex-end; min-width: 78px; max-width: 130px; font-size: 12px; }
.agent .state .sub { max-width: 100%; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }
.status-available .label { color: var(--ok); }
.status-busy .label { color: var(--info); }
.status-wrap_up .label { color: var(--warn); }
.queued .wait { font-size: 12px; color: var(--muted); min-width: 84px; text-align: right; }
.bar-row { display: grid; grid-template-columns: 96px 1fr 32px; align-items: center; gap: 10px; padding: 5px 0; }
.bar-name { overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }
.bar-track { height: 14px; border-radius: 7px; background: var(--soft); overflow: hidden; }
.bar-fill { display: block; height: 100%; border-radius: 7px; background: color-mix(in srgb, var(--accent) 45%, transparent); }
.bar-ok { display: block; height: 100%; background: var(--accent); border-radius: 7px; }
.bar-value { text-align: right; font-variant-numeric: tabular-nums; font-weight: 600; }
.legend { display: flex; gap: 14px; margin-top: 8px; font-size: 12px; color: var(--muted); }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 5px; border-radius: 3px; vertical-align: -1px; }
.legend .k-ok { background: var(--ok); } .legend .k-bad { background: var(--bad); } .legend .k-other { background: var(--idle); }
.legend .k-accent { background: var(--accent); } .legend .k-part { background: color-mix(in srgb, var(--accent) 45%, transparent); }
.pill {
  display: inline-block; padding: 2px 9px; border-radius: 999px; font-size: 12px; font-weight: 600;
  background: var(--soft); color: var(--muted); white-space: nowrap;
}
.pill-ok, .pill-live { background: color-mix(in srgb, var(--ok) 15%, transparent); color: var(--ok); }
.pill-bad, .pill-down { background: color-mix(in srgb, var(--bad) 14%, transparent); color: var(--bad); }
.pill-warn, .pill-wait, .pill-high { background: color-mix(in srgb, var(--warn) 16%, transparent); color: var(--warn); }
.pill-info { background: color-mix(in srgb, var(--info) 14%, transparent); color: var(--info); }
.pill-urgent { background: var(--bad); color: #fff; }
.pill-live::before { content: ""; display: inline-block; width: 7px; height: 7px; margin-right: 6px; border-radius: 50%; background: currentColor; animation: pulse 1.6s infinite; }
@keyframes pulse { 50% { opacity: 0.3; } }
table { width: 100%; border-collapse: collapse; }
th { font-size: 11px; font-weight: 600; letter-spacing: 0.05em; text-transform: uppercase; color: var(--muted); text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); }
td { padding: 7px 8px; border-bottom: 1px solid var(--line); vertical-align: middle; }
tr:last-child td { border-bottom: 0; }
td .name, td .sub { display: block; }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
.feed { max-height: 560px; overflow: auto; }
.ev { display: grid; grid-template-columns: auto 1fr; gap: 2px 8px; padding: 7px 0 7px 10px; border-left: 3px solid var(--idle); border-bottom: 1px solid var(--line); }
.ev time { font-size: 12px; color: var(--muted); font-variant-numeric: tabular-nums; }
.ev .tag { font: 600 11px/1.6 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color: var(--muted); }
.ev .msg { grid-column: 1 / -1; }
.ev .pid { font: 11px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color: var(--muted); }
.ev-lead { border-left-color: var(--accent); } .ev-ok { border-left-color: var(--ok); } .ev-bad { border-left-color: var(--bad); }
.ev-warn { border-left-color: var(--warn); } .ev-info { border-left-color: var(--info); } .ev-agent { border-left-color: var(--idle); }
.ev:first-child { animation: flash 1.2s ease-out; }
@keyframes flash { from { background: color-mix(in srgb, var(--accent) 14%, transparent); } }
.chart-svg { display: block; width: 100%; height: auto; }
.chart-svg .grid { stroke: var(--line); stroke-width: 1; }
.chart-svg .axis { fill: var(--muted); font-size: 11px; }
.chart-svg .empty { fill: var(--muted); font-size: 13px; }
.chart-svg .ref { stroke: var(--muted); stroke-dasharray: 4 4; }
.chart-svg .ref-label { fill: var(--muted); font-size: 11px; }
.chart-svg .line { fill: none; stroke-width: 2.2; stroke-linejoin: round; }
.chart-svg .line.ok { stroke: var(--ok); }
.chart-svg .point.ok { fill: var(--ok); } .chart-svg .point.accent { fill: var(--accent); fill-opacity: 0.8; }
.chart-svg .bar.ok { fill: var(--ok); } .chart-svg .bar.bad { fill: var(--bad); } .chart-svg .bar.other { fill: var(--idle); }
@media (max-width: 1100px) {
  .kpis { grid-template-columns: repeat(3, minmax(0, 1fr)); }
  .grid { grid-template-columns: minmax(0, 1fr); }
  .card, .card.span4 { grid-column: auto; }
}
`

/** The page's body: the layout the script fills. */
const DASHBOARD_BODY = `
<header class="top">
  <div class="brand"><span class="logo" aria-hidden="true"></span><h1>leadcall</h1><span class="muted">live dashboard</span></div>
  <div class="status"><span id="updated" class="muted"></span><span id="conn" class="pill pill-wait">Connecting…</span></div>
</header>
<div id="alert" class="alert" role="alert" hidden></div>
<form id="login" class="login" hidden>
  <label for="token">Access token</label>
  <input id="token" type="password" autocomplete="off" spellcheck="false" required>
  <button type="submit">Open</button>
  <span class="muted">Sent as a Bearer token to the routes this page reads, kept for this tab only.</span>
</form>
<noscript><p class="alert">The dashboard needs JavaScript.</p></noscript>
<main>
  <section class="kpis" aria-label="Today">
    <div class="kpi"><span class="label">Leads today</span><span class="value" id="kpi-leads">–</span><span class="sub" id="kpi-leads-sub"></span></div>
    <div class="kpi"><span class="label">Success rate</span><span class="value" id="kpi-success">–</span><span class="sub" id="kpi-success-sub"></span></div>
    <div class="kpi"><span class="label">Speed to dial</span><span class="value" id="kpi-dial">–</span><span class="sub" id="kpi-dial-sub"></span></div>
    <div class="kpi"><span class="label">Speed to answer</span><span class="value" id="kpi-answer">–</span><span class="sub" id="kpi-answer-sub"></span></div>
    <div class="kpi"><span class="label">In queue</span><span class="value" id="kpi-queue">–</span><span class="sub" id="kpi-queue-sub"></span></div>
    <div class="kpi"><span class="label">Agents free</span><span class="value" id="kpi-agents">–</span><span class="sub" id="kpi-agents-sub"></span></div>
  </section>
  <section class="grid">
    <article class="card" aria-labelledby="h-agents">
      <h2 id="h-agents">Agents <span class="count" id="agents-count"></span></h2>
      <ul id="agents" class="scroll"></ul>
      <p id="agents-empty" class="empty-note">No agent registered</p>
    </article>
    <article class="card" aria-labelledby="h-balance">
      <h2 id="h-balance">Leads per agent today <span class="note" id="balance-note"></span></h2>
      <div id="balance" class="scroll"></div>
      <p id="balance-empty" class="empty-note">No agent registered</p>
      <div class="legend"><span><i class="k-accent"></i>answered</span><span><i class="k-part"></i>assigned</span></div>
    </article>
    <article class="card" aria-labelledby="h-queue">
      <h2 id="h-queue">Queue <span class="count" id="queue-count"></span></h2>
      <ul id="queue" class="scroll"></ul>
      <p id="queue-empty" class="empty-note">Nobody is waiting</p>
    </article>
    <article class="card" aria-labelledby="h-success">
      <h2 id="h-success">Success rate <span class="note">latest 10 calls, rolling</span></h2>
      <div id="chart-success" class="chart"></div>
    </article>
    <article class="card" aria-labelledby="h-speed">
      <h2 id="h-speed">Speed to lead <span class="note">received → dialing, per lead</span></h2>
      <div id="chart-speed" class="chart"></div>
    </article>
    <article class="card" aria-labelledby="h-hours">
      <h2 id="h-hours">Leads today by hour</h2>
      <div id="chart-hours" class="chart"></div>
      <div class="legend"><span><i class="k-ok"></i>answered</span><span><i class="k-bad"></i>not answered</span><span><i class="k-other"></i>other</span></div>
    </article>
    <article class="card span4" aria-labelledby="h-processes">
      <h2 id="h-processes">Recent processes</h2>
      <div class="scroll tall">
        <table>
          <thead><tr><th>Received</th><th>Lead</th><th>Status</th><th>Agent</th><th>To dial</th><th>Outcome</th></tr></thead>
          <tbody id="processes-body"></tbody>
        </table>
      </div>
      <p id="processes-empty" class="empty-note">No lead yet</p>
    </article>
    <article class="card" aria-labelledby="h-feed">
      <h2 id="h-feed">Live events <span class="count" id="feed-count">0</span></h2>
      <ol id="feed" class="feed" aria-live="polite"></ol>
      <p id="feed-empty" class="empty-note">Waiting for events…</p>
    </article>
  </section>
</main>
`

/**
 * The dashboard page. `nonce` (Base64, from a CSP nonce generator) is set on its one style sheet
 * and its one script, and must be the one of the response's Content-Security-Policy.
 */
export function dashboardPage(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>leadcall · live dashboard</title>
<link rel="icon" href="data:,">
<style nonce="${nonce}">${DASHBOARD_CSS}</style>
</head>
<body>${DASHBOARD_BODY}<script nonce="${nonce}">${DASHBOARD_SCRIPT}</script>
</body>
</html>
`
}
