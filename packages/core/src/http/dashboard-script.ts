/**
 * The live dashboard's browser script, as a string the page inlines (see `dashboard-page.ts`).
 *
 * Plain JavaScript for current browsers, no dependency and no build step. It reads the management
 * routes next to the page through relative URLs, polls them every few seconds, follows
 * `GET /events` with an `EventSource` (or through `fetch` when it was given a Bearer token, which
 * an `EventSource` cannot send), and draws the charts as inline SVG. Every text it shows is
 * set with `textContent`, never parsed as HTML. It is written without template literals, so that
 * it can live inside one (whose one substitution is the list of the streamed events).
 *
 * @module
 */

import { STREAMED_EVENTS } from './events-routes.js'

/** The dashboard's script (a classic script, run at the end of the page's body). */
export const DASHBOARD_SCRIPT = String.raw`
(function () {
  'use strict';

  var POLL_MS = 5000;
  var FEED_MAX = 100;
  var ROLLING = 10;
  var SVG_NS = 'http://www.w3.org/2000/svg';
  var EVENTS = ${JSON.stringify(STREAMED_EVENTS)};
  var STATUS_ORDER = { available: 0, busy: 1, wrap_up: 2, 'break': 3, offline: 4 };
  var STATUS_LABEL = { available: 'available', busy: 'on a call', wrap_up: 'wrap-up', 'break': 'on break', offline: 'offline' };

  // The routes sit next to the page: <base>/dashboard -> <base>/events, <base>/stats, ...
  var base = new URL(/\/$/.test(location.pathname) ? '..' : '.', location.href);
  function apiUrl(path) { return new URL(path, base).toString(); }

  var state = {
    agents: new Map(),
    stats: null,
    analytics: null,
    queue: null,
    processes: [],
    speeds: new Map(),
    received: new Map(),
    connected: false
  };

  // ------------------------------------------------------------------ helpers

  function byId(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG_NS, tag);
    for (var key in attrs) node.setAttribute(key, String(attrs[key]));
    if (text !== undefined) node.textContent = String(text);
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function timeOf(iso) { var t = Date.parse(iso); return Number.isFinite(t) ? t : null; }
  function fmtMs(ms) {
    if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 1 : 0) + ' s';
    if (ms < 3600000) return Math.round(ms / 60000) + ' min';
    return (ms / 3600000).toFixed(1) + ' h';
  }
  function fmtPct(rate) { return rate === null || rate === undefined ? '–' : Math.round(rate * 100) + '%'; }
  function fmtClock(ms) {
    return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  }
  function fmtAgo(iso) {
    var t = timeOf(iso);
    if (t === null) return '';
    var s = Math.max(0, Math.round((Date.now() - t) / 1000));
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min';
    return Math.floor(s / 3600) + ' h';
  }
  function shortId(id) { return id ? String(id).slice(0, 8) : ''; }
  function agentName(id) { var agent = state.agents.get(id); return agent ? agent.name : id || '–'; }
  function humanize(text) { return String(text || '').replace(/_/g, ' ').toLowerCase(); }

  // ------------------------------------------------------------------ access

  // Without a token the browser's own credentials (cookies, HTTP Basic) are used. With one (from
  // the address's #token=..., or typed in), every request sends 'Authorization: Bearer <token>';
  // it is kept in this tab's sessionStorage and removed from the address.
  var TOKEN_KEY = 'leadcall.dashboard.token';
  var token = readToken();
  function readToken() {
    var match = /(?:^#|&)token=([^&]*)/.exec(location.hash);
    if (match) {
      var value = decodeURIComponent(match[1]);
      try { sessionStorage.setItem(TOKEN_KEY, value); } catch (error) { /* storage off: this page only */ }
      history.replaceState(null, '', location.pathname + location.search);
      return value;
    }
    try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch (error) { return ''; }
  }
  function headers(accept) {
    var result = { accept: accept };
    if (token) result.authorization = 'Bearer ' + token;
    return result;
  }

  function NotAuthorized(status) { this.message = 'HTTP ' + status; }

  function getJson(path) {
    return fetch(apiUrl(path), { headers: headers('application/json'), cache: 'no-store', credentials: 'same-origin' })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) throw new NotAuthorized(response.status);
        if (!response.ok) throw new Error(path.split('?')[0] + ': HTTP ' + response.status);
        return response.json();
      });
  }

  function showLogin(show) {
    byId('login').hidden = !show;
    if (show) byId('token').focus();
  }

  byId('login').addEventListener('submit', function (submitted) {
    submitted.preventDefault();
    token = byId('token').value.trim();
    try { sessionStorage.setItem(TOKEN_KEY, token); } catch (error) { /* this page only */ }
    byId('token').value = '';
    showLogin(false);
    refresh();
    connect();
  });

  function showAlert(text) {
    var box = byId('alert');
    box.textContent = text || '';
    box.hidden = !text;
  }

  // ------------------------------------------------------------------ data

  function setAgents(list) {
    var next = new Map();
    list.forEach(function (agent) { next.set(agent.id, agent); });
    state.agents = next;
  }

  /** Received -> dial started, from a process record (null when it never dialed). */
  function speedOf(record) {
    var received = timeOf(record.timestamp);
    var dial = (record.steps || []).find(function (step) { return step.name === 'dial' && step.startedAt; });
    if (received === null || !dial) return null;
    var started = timeOf(dial.startedAt);
    return started === null ? null : Math.max(0, started - received);
  }

  function setProcesses(list) {
    state.processes = list;
    list.forEach(function (record) {
      var ms = speedOf(record);
      if (ms !== null) state.speeds.set(record.processId, { at: timeOf(record.timestamp), ms: ms });
    });
    trimOldest(state.speeds, 300);
  }

  /** Keeps the newest max entries of a map (a Map keeps insertion order: the first are the oldest). */
  function trimOldest(map, max) {
    var extra = map.size - max;
    if (extra <= 0) return;
    Array.from(map.keys()).slice(0, extra).forEach(function (key) { map.delete(key); });
  }

  var refreshing = false;
  var refreshAgain = false;
  function refresh() {
    if (refreshing) { refreshAgain = true; return; }
    refreshing = true;
    var now = Date.now();
    Promise.allSettled([
      getJson('agents').then(function (body) { setAgents(body.agents); }),
      getJson('stats').then(function (body) { state.stats = body; }),
      getJson('queue?limit=50').then(function (body) { state.queue = body; }),
      getJson('processes?limit=100').then(function (body) { setProcesses(body.processes); }),
      getJson('analytics?groupBy=hour&from=' + now + '&to=' + (now + 1)).then(function (body) { state.analytics = body; })
    ]).then(function (results) {
      var failure = results.find(function (result) { return result.status === 'rejected'; });
      var denied = failure && failure.reason instanceof NotAuthorized;
      showLogin(denied);
      showAlert(!failure ? '' : denied
        ? 'Not authorized: the routes of this dashboard answered ' + failure.reason.message + '. Sign in, or enter an access token.'
        : 'Could not load the figures: ' + failure.reason.message);
      render();
      byId('updated').textContent = 'updated ' + fmtClock(Date.now());
    }).finally(function () {
      refreshing = false;
      if (refreshAgain) { refreshAgain = false; refresh(); }
    });
  }

  var pending = null;
  function refreshSoon() {
    if (pending !== null) return;
    pending = setTimeout(function () { pending = null; refresh(); }, 400);
  }

  // ------------------------------------------------------------------ live events

  function describe(name, data) {
    switch (name) {
      case 'lead.received': return 'Lead received from ' + data.source + ' (' + data.priority + ')';
      case 'lead.queued': return 'Queued: ' + humanize(data.reason) + (data.position ? ' · #' + data.position : '');
      case 'agent.assigned': return 'Offered to ' + agentName(data.agentId) + ' (' + data.strategy + ', attempt ' + data.attempt + ')';
      case 'reservation.accepted': return agentName(data.agentId) + ' accepted';
      case 'reservation.rejected': return agentName(data.agentId) + ' rejected' + (data.reason ? ': ' + data.reason : '');
      case 'reservation.timed_out': return 'Offer to ' + agentName(data.agentId) + ' timed out';
      case 'reservation.withdrawn': return 'Offer to ' + agentName(data.agentId) + ' withdrawn';
      case 'reservation.completed': return agentName(data.agentId) + ' finished the lead';
      case 'call.started': return 'Call started via ' + data.provider + (data.agentId ? ' with ' + agentName(data.agentId) : '');
      case 'call.status': return 'Call ' + humanize(data.previous || 'new') + ' → ' + humanize(data.status);
      case 'lead.completed': return 'Completed' + (data.callStatus ? ' (' + humanize(data.callStatus) + ')' : '');
      case 'lead.failed': return 'Failed: ' + humanize(data.code) + (data.message ? ' · ' + data.message : '');
      case 'agent.status': return agentName(data.agentId) + ': ' + humanize(data.previous || 'new') + ' → ' + humanize(data.status);
      case 'agent.upserted': return 'Agent ' + agentName(data.agentId) + (data.created ? ' added' : ' updated');
      case 'agent.removed': return 'Agent ' + data.agentId + ' removed';
      case 'import.progress': return 'Import: ' + data.rows + ' rows, ' + data.accepted + ' accepted' + (data.done ? ' (done)' : '');
      case 'conversation.message': return 'Message from ' + data.contact + ' (' + data.channel + '): ' + data.quality + ', ' + humanize(data.nextAction);
      case 'conversation.lead': return 'Qualified ' + data.quality + ' lead ' + (data.status === 'created' ? 'handed off' : 'not handed off') + ' · ' + data.contact;
      default:
        return Object.keys(data).filter(function (key) { return key !== 'at' && key !== 'processId'; })
          .map(function (key) { return key + ': ' + JSON.stringify(data[key]); }).join(', ').slice(0, 160);
    }
  }

  function kindOf(name, data) {
    if (name === 'lead.failed' || name === 'reservation.rejected' || name === 'reservation.timed_out') return 'bad';
    if (name === 'lead.completed' || name === 'reservation.accepted' || name === 'reservation.completed') return 'ok';
    if (name === 'lead.queued') return 'warn';
    if (name === 'conversation.lead') return data.status === 'created' ? 'ok' : 'bad';
    if (name.indexOf('call.') === 0) return 'info';
    if (name.indexOf('agent.') === 0) return 'agent';
    return 'lead';
  }

  var feedTotal = 0;
  function addFeed(name, data) {
    var feed = byId('feed');
    var item = el('li', 'ev ev-' + kindOf(name, data));
    item.dataset.event = name;
    if (data.processId) item.dataset.processId = data.processId;
    var at = timeOf(data.at);
    item.appendChild(el('time', null, fmtClock(at === null ? Date.now() : at)));
    item.appendChild(el('span', 'tag', name));
    var text = el('span', 'msg', describe(name, data));
    if (data.processId) text.appendChild(el('span', 'pid', ' ' + shortId(data.processId)));
    item.appendChild(text);
    feed.insertBefore(item, feed.firstChild);
    while (feed.children.length > FEED_MAX) feed.removeChild(feed.lastChild);
    byId('feed-count').textContent = String(++feedTotal);
    byId('feed-empty').hidden = true;
  }

  function onEvent(name, data) {
    addFeed(name, data);
    if (name === 'lead.received') {
      state.received.set(data.processId, timeOf(data.at));
      trimOldest(state.received, 1000);
    } else if (name === 'call.started') {
      var received = state.received.get(data.processId);
      var started = timeOf(data.at);
      if (received !== undefined && received !== null && started !== null) {
        state.speeds.set(data.processId, { at: received, ms: Math.max(0, started - received) });
        drawSpeed();
      }
    } else if (name === 'agent.status') {
      var agent = state.agents.get(data.agentId);
      if (agent) {
        agent.status = data.status;
        agent.statusChangedAt = data.at;
        drawAgents();
      }
    }
    if (name === 'lead.completed' || name === 'lead.failed') state.received.delete(data.processId);
    refreshSoon();
  }

  function setConnection(kind, text) {
    var pill = byId('conn');
    pill.className = 'pill pill-' + kind;
    pill.textContent = text;
  }

  function onMessage(name, text) {
    var data;
    try { data = JSON.parse(text); } catch (error) { return; }
    onEvent(name, data);
  }

  // The stream: an EventSource, or (with a token, which EventSource cannot send) the same
  // text/event-stream read through fetch. Either reconnects by itself.
  var stream = null;
  var retry = null;
  function connect() {
    if (stream) stream.close();
    clearTimeout(retry);
    stream = token ? fetchStream() : eventSource();
  }
  function reconnectLater(text) {
    setConnection('wait', text);
    clearTimeout(retry);
    retry = setTimeout(connect, 3000);
  }

  function eventSource() {
    var source = new EventSource(apiUrl('events'));
    source.onopen = function () {
      setConnection('live', 'Live');
      refreshSoon();
    };
    source.onerror = function () {
      if (source.readyState !== EventSource.CLOSED) return setConnection('wait', 'Reconnecting…');
      source.close();
      reconnectLater('Disconnected');
    };
    EVENTS.forEach(function (name) {
      source.addEventListener(name, function (message) { onMessage(name, message.data); });
    });
    return source;
  }

  function fetchStream() {
    var controller = new AbortController();
    fetch(apiUrl('events'), { headers: headers('text/event-stream'), cache: 'no-store', signal: controller.signal })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) {
          setConnection('down', 'Not authorized');
          showLogin(true);
          return;
        }
        if (!response.ok || !response.body) throw new Error('HTTP ' + response.status);
        setConnection('live', 'Live');
        refreshSoon();
        var reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        var buffer = '';
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) throw new Error('the stream ended');
            buffer += chunk.value;
            for (var end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
              dispatch(buffer.slice(0, end));
              buffer = buffer.slice(end + 2);
            }
            return pump();
          });
        }
        return pump();
      })
      .catch(function () {
        if (!controller.signal.aborted) reconnectLater('Reconnecting…');
      });
    return { close: function () { controller.abort(); } };
  }

  /** One SSE block: its event name and data lines. */
  function dispatch(block) {
    var name = 'message';
    var data = [];
    block.split('\n').forEach(function (line) {
      if (line.indexOf('event:') === 0) name = line.slice(6).trim();
      else if (line.indexOf('data:') === 0) data.push(line.slice(5).replace(/^ /, ''));
    });
    if (data.length > 0 && EVENTS.indexOf(name) !== -1) onMessage(name, data.join('\n'));
  }

  // ------------------------------------------------------------------ rendering

  function setKpi(id, value, sub) {
    byId('kpi-' + id).textContent = value;
    byId('kpi-' + id + '-sub').textContent = sub || '';
  }

  function drawKpis() {
    var stats = state.stats;
    if (!stats) return;
    var today = stats.today;
    setKpi('leads', String(today.totalProcesses), stats.openProcesses + ' in progress' + (today.rejected ? ' · ' + today.rejected + ' rejected' : ''));
    setKpi('success', fmtPct(today.successRate), today.successfulCalls + ' answered · ' + today.failedCalls + ' not');
    setKpi('dial', fmtMs(today.speedToDial.p50), 'p95 ' + fmtMs(today.speedToDial.p95));
    setKpi('answer', fmtMs(today.speedToAnswer.p50), 'p95 ' + fmtMs(today.speedToAnswer.p95));
    var waiting = state.queue ? state.queue.items.map(function (item) { return timeOf(item.since); }).filter(Number.isFinite) : [];
    setKpi('queue', String(stats.queueLength), waiting.length ? 'longest wait ' + fmtAgo(new Date(Math.min.apply(null, waiting)).toISOString()) : 'nobody waiting');
    var calls = activeCalls();
    var free = 0;
    state.agents.forEach(function (agent) { if (agent.status === 'available' && !calls.has(agent.id)) free++; });
    setKpi('agents', free + ' / ' + stats.agentsTotal, calls.size + ' on a call · ' + Math.max(0, stats.agentsTotal - stats.agentsAvailable) + ' away');
  }

  function figuresOf(agentId) {
    var agents = state.stats ? state.stats.today.agents : [];
    return agents.find(function (figures) { return figures.agentId === agentId; }) || null;
  }

  /** Agent id -> the latest process dialing or in a call with that agent. */
  function activeCalls() {
    var calls = new Map();
    state.processes.forEach(function (record) {
      if (record.agent && (record.status === 'dialing' || record.status === 'in_call') && !calls.has(record.agent.id))
        calls.set(record.agent.id, record);
    });
    return calls;
  }

  function drawAgents() {
    var list = clear(byId('agents'));
    var agents = Array.from(state.agents.values()).sort(function (a, b) {
      return (STATUS_ORDER[a.status] - STATUS_ORDER[b.status]) || a.name.localeCompare(b.name);
    });
    byId('agents-count').textContent = String(agents.length);
    byId('agents-empty').hidden = agents.length > 0;
    var calls = activeCalls();
    agents.forEach(function (agent) {
      var call = calls.get(agent.id);
      var row = el('li', 'agent status-' + (call ? 'busy' : agent.status));
      row.dataset.agentId = agent.id;
      row.dataset.status = agent.status;
      row.appendChild(el('span', 'dot'));
      var who = el('span', 'who');
      who.appendChild(el('span', 'name', agent.name));
      var pools = agent.pools && agent.pools.length ? ' · ' + agent.pools.join(', ') : '';
      who.appendChild(el('span', 'sub', agent.id + pools));
      row.appendChild(who);
      var figures = figuresOf(agent.id);
      row.appendChild(el('span', 'calls', figures ? figures.assigned + ' today' : ''));
      var status = el('span', 'state');
      if (call) {
        status.appendChild(el('span', 'label', call.status === 'in_call' ? 'on a call' : 'dialing'));
        status.appendChild(el('span', 'sub', call.lead.name || shortId(call.processId)));
      } else {
        status.appendChild(el('span', 'label', STATUS_LABEL[agent.status] || agent.status));
        status.appendChild(el('span', 'sub', fmtAgo(agent.statusChangedAt)));
      }
      row.appendChild(status);
      list.appendChild(row);
    });
  }

  function drawBalance() {
    var host = clear(byId('balance'));
    var stats = state.stats;
    var rows = new Map();
    state.agents.forEach(function (agent) {
      rows.set(agent.id, { name: agent.name, assigned: 0, answered: 0, failed: 0 });
    });
    (stats ? stats.today.agents : []).forEach(function (figures) {
      rows.set(figures.agentId, { name: figures.name, assigned: figures.assigned, answered: figures.answered, failed: figures.failed });
    });
    var list = Array.from(rows.entries()).sort(function (a, b) { return b[1].assigned - a[1].assigned || a[1].name.localeCompare(b[1].name); });
    var max = list.reduce(function (m, entry) { return Math.max(m, entry[1].assigned); }, 0);
    byId('balance-empty').hidden = list.length > 0;
    list.forEach(function (entry) {
      var figures = entry[1];
      var row = el('div', 'bar-row');
      row.dataset.agentId = entry[0];
      row.appendChild(el('span', 'bar-name', figures.name));
      var track = el('span', 'bar-track');
      var total = max > 0 ? figures.assigned / max : 0;
      var answered = figures.assigned > 0 ? figures.answered / figures.assigned : 0;
      var bar = el('span', 'bar-fill');
      bar.style.width = (total * 100).toFixed(1) + '%';
      var ok = el('span', 'bar-ok');
      ok.style.width = (answered * 100).toFixed(1) + '%';
      bar.appendChild(ok);
      track.appendChild(bar);
      row.appendChild(track);
      row.appendChild(el('span', 'bar-value', figures.assigned));
      host.appendChild(row);
    });
    var balance = stats ? stats.today.balance : null;
    byId('balance-note').textContent = balance && balance.coefficientOfVariation !== null
      ? 'spread ' + Math.round(balance.coefficientOfVariation * 100) + '%'
      : '';
  }

  function drawQueue() {
    var list = clear(byId('queue'));
    var queue = state.queue;
    var items = queue ? queue.items : [];
    byId('queue-count').textContent = queue ? String(queue.length) : '';
    byId('queue-empty').hidden = items.length > 0;
    items.forEach(function (item) {
      var row = el('li', 'queued');
      row.dataset.processId = item.processId;
      var who = el('span', 'who');
      who.appendChild(el('span', 'name', item.lead.name || shortId(item.processId)));
      who.appendChild(el('span', 'sub', humanize(item.reason) + ' · ' + item.lead.source));
      row.appendChild(who);
      row.appendChild(el('span', 'pill pill-' + item.priority, item.priority));
      row.appendChild(el('span', 'wait', item.dispatching ? 'dispatching' : 'waiting ' + fmtAgo(item.since)));
      list.appendChild(row);
    });
  }

  var STATUS_KIND = { completed: 'ok', failed: 'bad', rejected: 'bad', duplicate: 'muted', queued: 'warn', dialing: 'info', in_call: 'info', received: 'muted' };

  function drawProcesses() {
    var body = clear(byId('processes-body'));
    var list = state.processes.slice(0, 25);
    byId('processes-empty').hidden = list.length > 0;
    list.forEach(function (record) {
      var row = el('tr');
      row.dataset.processId = record.processId;
      row.appendChild(el('td', 'num', fmtClock(timeOf(record.timestamp))));
      var lead = el('td');
      lead.appendChild(el('span', 'name', record.lead.name || '–'));
      lead.appendChild(el('span', 'sub', record.lead.phone + ' · ' + record.lead.source));
      row.appendChild(lead);
      var status = el('td');
      status.appendChild(el('span', 'pill pill-' + (STATUS_KIND[record.status] || 'muted'), humanize(record.status)));
      row.appendChild(status);
      row.appendChild(el('td', null, record.agent ? record.agent.name : '–'));
      row.appendChild(el('td', 'num', fmtMs(speedOf(record))));
      var outcome = record.errorCode ? humanize(record.errorCode) : record.finalStatus ? humanize(record.finalStatus) : '';
      row.appendChild(el('td', 'muted', outcome));
      body.appendChild(row);
    });
  }

  // ------------------------------------------------------------------ charts

  var W = 480;
  var H = 200;
  var PAD = { left: 54, right: 12, top: 14, bottom: 26 };

  function frame(host, label) {
    var root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': label, class: 'chart-svg' });
    clear(host).appendChild(root);
    return root;
  }

  function gridY(root, max, format) {
    [0, 0.5, 1].forEach(function (f) {
      var y = H - PAD.bottom - f * (H - PAD.top - PAD.bottom);
      root.appendChild(svg('line', { x1: PAD.left, x2: W - PAD.right, y1: y, y2: y, class: 'grid' }));
      root.appendChild(svg('text', { x: PAD.left - 6, y: y + 4, 'text-anchor': 'end', class: 'axis' }, format(max * f)));
    });
  }

  function empty(root, text) {
    root.appendChild(svg('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'empty' }, text));
  }

  /** A time series: points { x: ms, y }, a line through them, dots, an optional reference line. */
  function timeChart(host, label, points, opts) {
    var root = frame(host, label);
    var yMax = opts.yMax !== undefined ? opts.yMax : niceMax(points.reduce(function (m, p) { return Math.max(m, p.y); }, 0));
    gridY(root, yMax, opts.format);
    if (points.length === 0) { empty(root, opts.empty); return; }
    var xs = points.map(function (p) { return p.x; });
    var x0 = Math.min.apply(null, xs);
    var x1 = Math.max.apply(null, xs);
    if (x1 - x0 < 10000) { var mid = (x0 + x1) / 2; x0 = mid - 5000; x1 = mid + 5000; }
    var margin = (x1 - x0) * 0.04;
    x0 -= margin;
    x1 += margin;
    var sx = function (x) { return PAD.left + (x - x0) / (x1 - x0) * (W - PAD.left - PAD.right); };
    var sy = function (y) { return H - PAD.bottom - Math.min(y, yMax) / (yMax || 1) * (H - PAD.top - PAD.bottom); };
    [x0, x1].forEach(function (x, i) {
      root.appendChild(svg('text', { x: sx(x), y: H - 8, 'text-anchor': i === 0 ? 'start' : 'end', class: 'axis' }, fmtClock(x)));
    });
    if (opts.reference !== null && opts.reference !== undefined) {
      var ry = sy(opts.reference);
      root.appendChild(svg('line', { x1: PAD.left, x2: W - PAD.right, y1: ry, y2: ry, class: 'ref' }));
      var labelY = ry - 5 < PAD.top + 8 ? ry + 14 : ry - 5;
      root.appendChild(svg('text', { x: W - PAD.right, y: labelY, 'text-anchor': 'end', class: 'ref-label' }, opts.referenceLabel));
    }
    if (opts.line && points.length > 1) {
      var d = points.map(function (p, i) { return (i === 0 ? 'M' : 'L') + sx(p.x).toFixed(1) + ' ' + sy(p.y).toFixed(1); }).join(' ');
      root.appendChild(svg('path', { d: d, class: 'line ' + opts.tone }));
    }
    points.forEach(function (p) {
      var dot = svg('circle', { cx: sx(p.x).toFixed(1), cy: sy(p.y).toFixed(1), r: opts.line ? 3 : 4, class: 'point ' + opts.tone });
      dot.appendChild(svg('title', {}, fmtClock(p.x) + ' · ' + opts.format(p.y)));
      root.appendChild(dot);
    });
  }

  function niceMax(value) {
    if (!(value > 0)) return 1;
    var power = Math.pow(10, Math.floor(Math.log10(value)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * power >= value) return steps[i] * power;
    return 10 * power;
  }

  /** Success rate over the last ROLLING calls, at each call's end, oldest first. */
  function drawSuccess() {
    var calls = state.processes
      .filter(function (r) { return r.attempts > 0 && typeof r.success === 'boolean'; })
      .map(function (r) { return { at: timeOf(r.updatedAt), ok: r.success }; })
      .filter(function (c) { return c.at !== null; })
      .sort(function (a, b) { return a.at - b.at; });
    var points = calls.map(function (call, i) {
      var recent = calls.slice(Math.max(0, i - ROLLING + 1), i + 1);
      var ok = recent.filter(function (c) { return c.ok; }).length;
      return { x: call.at, y: ok / recent.length };
    });
    var today = state.stats ? state.stats.today.successRate : null;
    timeChart(byId('chart-success'), 'Success rate of the latest calls', points, {
      yMax: 1, format: fmtPct, line: true, tone: 'ok', empty: 'No call has ended yet',
      reference: today, referenceLabel: 'today ' + fmtPct(today)
    });
  }

  function drawSpeed() {
    var points = Array.from(state.speeds.values())
      .filter(function (s) { return s.at !== null; })
      .map(function (s) { return { x: s.at, y: s.ms }; })
      .sort(function (a, b) { return a.x - b.x; });
    var p50 = state.stats ? state.stats.today.speedToDial.p50 : null;
    timeChart(byId('chart-speed'), 'Speed to lead: received to dialing, per lead', points, {
      format: fmtMs, line: false, tone: 'accent', empty: 'No lead dialed yet',
      reference: p50, referenceLabel: 'median ' + fmtMs(p50)
    });
  }

  /** Today's calls by hour of day (tracking time zone): answered, not answered, other. */
  function drawHours() {
    var root = frame(byId('chart-hours'), 'Leads today by hour');
    var byHour = [];
    for (var h = 0; h < 24; h++) byHour.push({ total: 0, ok: 0, bad: 0 });
    (state.analytics ? state.analytics.series : []).forEach(function (s) {
      var hour = Number(s.key);
      if (hour >= 0 && hour < 24) byHour[hour] = { total: s.totalProcesses, ok: s.successfulCalls, bad: s.failedCalls };
    });
    var max = niceMax(byHour.reduce(function (m, b) { return Math.max(m, b.total); }, 0));
    gridY(root, max, function (v) { return String(Math.round(v)); });
    var slot = (W - PAD.left - PAD.right) / 24;
    var scale = (H - PAD.top - PAD.bottom) / max;
    byHour.forEach(function (b, hour) {
      var x = PAD.left + hour * slot + 2;
      var y = H - PAD.bottom;
      [['ok', b.ok], ['bad', b.bad], ['other', Math.max(0, b.total - b.ok - b.bad)]].forEach(function (part) {
        if (part[1] <= 0) return;
        var height = part[1] * scale;
        y -= height;
        var bar = svg('rect', { x: x.toFixed(1), y: y.toFixed(1), width: (slot - 4).toFixed(1), height: height.toFixed(1), rx: 2, class: 'bar ' + part[0] });
        bar.appendChild(svg('title', {}, hour + ':00 · ' + part[1] + ' ' + (part[0] === 'ok' ? 'answered' : part[0] === 'bad' ? 'not answered' : 'other')));
        root.appendChild(bar);
      });
      if (hour % 3 === 0) root.appendChild(svg('text', { x: x + (slot - 4) / 2, y: H - 8, 'text-anchor': 'middle', class: 'axis' }, hour));
    });
    if (!byHour.some(function (b) { return b.total > 0; })) empty(root, 'No lead today yet');
  }

  function render() {
    drawKpis();
    drawAgents();
    drawBalance();
    drawQueue();
    drawProcesses();
    drawSuccess();
    drawSpeed();
    drawHours();
  }

  setConnection('wait', 'Connecting…');
  render();
  refresh();
  connect();
  setInterval(refresh, POLL_MS);
  setInterval(function () { drawAgents(); drawQueue(); }, 1000);
})();
`
