// Live view: one EventSource on /api/stream; "history" seeds the charts, each "frame" replaces
// every number and table row (this script is the only place that renders them; the page is a
// shell), "heartbeat" proves the stream is alive while the gateway is quiet. The browser
// reconnects by itself (the server sends a retry hint); when it gives up (e.g. the session
// expired: 401) this script retries, and sends the viewer to the login page if signed out.
(() => {
  'use strict';
  const HISTORY = 180;
  const STALE_AFTER_MS = 12000;
  // Any server error is worth a glance (amber); red once they are a real share of the traffic.
  const ERROR_SHARE_BAD = 0.01;
  const outcomes = [
    { key: '2xx', color: '--c2xx' }, { key: '3xx', color: '--c3xx' }, { key: '4xx', color: '--c4xx' },
    { key: '5xx', color: '--c5xx' }, { key: '401', color: '--c401' }, { key: '429', color: '--c429' },
  ];
  const css = name => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  const $ = id => document.getElementById(id);
  const state = { frames: 0, lastFrame: null, lastEventAt: 0, source: null, charts: {} };
  window.gatewayDashboard = state;

  const count = v => (v === null || v === undefined) ? '–' : String(v);
  const rate = v => (v === null || v === undefined) ? '–' : (v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US'));
  // Percentiles come from buckets ~12% wide: more digits than these would be noise (and width).
  const ms = v => (v === null || v === undefined) ? '–'
    : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US');
  const percent = v => (v === null || v === undefined) ? '–' : (v * 100).toFixed(1) + ' %';
  const setText = (id, text) => { const el = $(id); if (el && el.textContent !== text) el.textContent = text; };
  // A runtime configuration version; 0 is a replica still serving its configuration file.
  const version = v => v > 0 ? 'v' + v : 'file';
  const two = n => String(n).padStart(2, '0');
  // History entries can be days old: a full local date and time, one unambiguous format.
  const stamp = t => {
    const d = new Date(t);
    return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  };
  const clock = t => new Date(t).toLocaleTimeString([], { hour12: false });
  const span = (className, text) => { const el = document.createElement('span'); el.className = className; el.textContent = text; return el; };

  function errorLevel(errorsPerSecond, requestsPerSecond) {
    if (!(errorsPerSecond > 0)) return 'ok';
    return requestsPerSecond > 0 && errorsPerSecond / requestsPerSecond < ERROR_SHARE_BAD ? 'warn' : 'bad';
  }

  function setConnection(value, label) {
    const el = $('connection');
    el.dataset.state = value;
    el.textContent = label;
    document.body.dataset.connection = value;
  }

  function makeCharts() {
    const grid = css('--line'), text = css('--muted');
    const common = {
      animation: false, responsive: true, maintainAspectRatio: false, interaction: { mode: 'index', intersect: false },
      scales: {
        x: { ticks: { color: text, maxTicksLimit: 6 }, grid: { color: grid } },
        y: { beginAtZero: true, ticks: { color: text }, grid: { color: grid } },
      },
      plugins: { legend: { labels: { color: text, boxWidth: 12 } } },
      elements: { point: { radius: 0 }, line: { borderWidth: 2, tension: 0.25 } },
    };
    state.charts.traffic = new Chart($('chart-traffic'), {
      type: 'line',
      data: { labels: [], datasets: outcomes.map(o => ({ label: o.key, data: [], borderColor: css(o.color), backgroundColor: css(o.color) })) },
      options: common,
    });
    // A second whose latency window held no request has no latency: its point stays null (not 0,
    // which would read as instant answers, and not the previous value, which nobody measured).
    // spanGaps joins the measurements on either side so the line stays continuous, and the joining
    // stretch is dashed, so a quiet spell still shows as one.
    const quiet = ctx => (ctx.p0.skip || ctx.p1.skip) ? [4, 4] : undefined;
    state.charts.latency = new Chart($('chart-latency'), {
      type: 'line',
      data: {
        labels: [],
        datasets: ['p50', 'p95', 'p99'].map(p => ({
          label: p, data: [], borderColor: css('--' + p), backgroundColor: css('--' + p), spanGaps: true, segment: { borderDash: quiet },
        })),
      },
      options: common,
    });
  }

  function pushPoint(point) {
    const label = new Date(point.time).toLocaleTimeString([], { hour12: false });
    const traffic = state.charts.traffic, latency = state.charts.latency;
    traffic.data.labels.push(label);
    outcomes.forEach((o, i) => traffic.data.datasets[i].data.push(point.rates[o.key] ?? 0));
    latency.data.labels.push(label);
    latency.data.datasets[0].data.push(point.p50);
    latency.data.datasets[1].data.push(point.p95);
    latency.data.datasets[2].data.push(point.p99);
    for (const chart of [traffic, latency]) {
      while (chart.data.labels.length > HISTORY) {
        chart.data.labels.shift();
        chart.data.datasets.forEach(d => d.data.shift());
      }
    }
  }

  function row(cells, attributes) {
    const tr = document.createElement('tr');
    for (const [name, value] of Object.entries(attributes)) tr.dataset[name] = value;
    for (const cell of cells) {
      if (cell instanceof Node) { tr.append(cell); continue; }
      const td = document.createElement('td');
      if (cell.pill !== undefined) {
        const pill = document.createElement('span');
        pill.className = 'pill';
        pill.dataset.state = cell.pill;
        pill.textContent = cell.pill;
        td.append(pill);
        if (cell.note) { const note = document.createElement('span'); note.className = 'muted'; note.textContent = ' ' + cell.note; td.append(note); }
      } else {
        td.textContent = cell.text;
        if (cell.num) td.className = 'num';
        if (cell.muted) td.className = 'muted';
      }
      tr.append(td);
    }
    return tr;
  }

  // Text only, from the replica's own words: textContent and title are never parsed as markup.
  function configCell(replica, active) {
    const td = document.createElement('td');
    td.className = 'config';
    // A gone replica serves nobody: only a live one lagging behind is worth the colour.
    td.dataset.level = replica.state === 'live' && replica.configVersion !== active ? 'warn' : 'ok';
    td.append(span('config-version', version(replica.configVersion)));
    if (replica.rejectedConfigVersion) {
      const reason = replica.configError ?? '';
      const marker = span('marker', '⚠');
      marker.setAttribute('aria-hidden', 'true');
      const rejected = span('config-rejected', ' v' + replica.rejectedConfigVersion + ' rejected');
      rejected.prepend(marker);
      rejected.title = 'v' + replica.rejectedConfigVersion + ' rejected: ' + reason;
      td.dataset.rejected = String(replica.rejectedConfigVersion);
      td.append(rejected, span('config-error', reason));
    }
    return td;
  }

  function historyState(history) {
    if (history.updatedAt === null) return history.error ? 'unavailable' : 'loading';
    return history.stale ? 'stale' : 'fresh';
  }

  function renderConfig(config) {
    setText('config-active', version(config.activeVersion));
    const converged = $('config-converged');
    converged.dataset.state = config.converged ? 'converged' : 'diverged';
    converged.textContent = config.converged ? 'yes' : 'no';

    const history = config.history, status = historyState(history);
    $('config-panel').dataset.history = status;
    setText('config-history-state', {
      fresh: 'read ' + (history.updatedAt && clock(history.updatedAt)),
      stale: 'stale, last read ' + (history.updatedAt && clock(history.updatedAt)) + ': ' + history.error,
      unavailable: 'unavailable: ' + history.error,
      loading: 'not read yet',
    }[status]);

    // The history changes a few times a day: rebuilt only when it (or the active version) does.
    const key = JSON.stringify([config.activeVersion, status, history.versions]);
    if (state.configKey === key) return;
    state.configKey = key;
    if (history.versions.length === 0) {
      const text = status === 'fresh' ? 'No version stored yet: the replicas serve their configuration files.'
        : status === 'loading' ? 'Waiting for the history…' : 'The history could not be read.';
      const td = document.createElement('td');
      td.colSpan = 4;
      td.className = 'muted';
      td.textContent = text;
      $('config-history').replaceChildren(row([td], { empty: status }));
      return;
    }

    $('config-history').replaceChildren(...history.versions.map(v => {
      const label = document.createElement('td');
      label.append(span('', version(v.version)));
      if (v.restoredFrom) label.append(span('muted', ' rollback of ' + version(v.restoredFrom)));
      return row([
        label, { text: v.author }, { text: v.createdAt ? stamp(v.createdAt) : '–', muted: true }, { text: v.summary },
      ], { version: String(v.version), active: String(v.version === config.activeVersion) });
    }));
  }

  function render(frame) {
    const t = frame.traffic;
    setText('rps', rate(t.requestsPerSecond));
    setText('total-requests', count(t.requests));
    setText('p50', ms(frame.latency.p50));
    setText('p95', ms(frame.latency.p95));
    setText('p99', ms(frame.latency.p99));
    for (const key of ['5xx', '401', '429']) setText('rate-' + key, rate(t.rates[key]));
    $('rate-5xx').dataset.level = errorLevel(t.rates['5xx'], t.requestsPerSecond);
    for (const key of ['5xx', '503', '401', '403', '429']) setText('total-' + key, count(t.totals[key]));
    setText('total-degraded', count(frame.rateLimit.degraded));
    setText('auth-hit-ratio', percent(frame.auth.cacheHitRatio));
    setText('auth-hits', count(frame.auth.cacheHits));
    setText('auth-negative-hits', count(frame.auth.cacheNegativeHits));
    setText('auth-misses', count(frame.auth.cacheMisses));
    setText('lookups-refused-rate', rate(frame.auth.lookupsRefusedPerSecond));
    setText('lookups-refused', count(frame.auth.lookupsRefused));
    setText('lookups-in-flight', count(frame.auth.lookupsInFlight));
    setText('logins-throttled', count(frame.auth.loginsThrottled));

    $('replicas').replaceChildren(...frame.replicas.map(r => row([
      { text: r.name }, { pill: r.state, note: r.detail }, configCell(r, frame.config.activeVersion), { text: rate(r.requestsPerSecond), num: true },
      { text: r.authBreaker }, { text: r.rateLimitBreaker }, { text: r.secondsSinceLastSnapshot.toFixed(1) + ' s', num: true },
    ], { replica: r.name, state: r.state })));
    $('services').replaceChildren(...frame.services.map(s => row(
      [{ text: s.name }, { pill: s.status }, { text: s.detail, muted: true }], { service: s.name, state: s.status })));
    $('routes').replaceChildren(...frame.routes.map(r => row([
      { text: r.route }, { text: rate(r.requestsPerSecond), num: true }, { text: count(r.requests), num: true },
      { text: count(r.clientErrors), num: true }, { text: count(r.serverErrors), num: true }, { text: count(r.unauthorized), num: true },
      { text: count(r.rateLimited), num: true }, { text: ms(r.p50), num: true }, { text: ms(r.p99), num: true },
    ], { route: r.route })));
    renderConfig(frame.config);
    setText('updated', 'updated ' + new Date(frame.time).toLocaleTimeString([], { hour12: false }));
  }

  function connect() {
    if (state.source) state.source.close();
    const source = new EventSource('/api/stream');
    state.source = source;
    source.onopen = () => { state.lastEventAt = Date.now(); setConnection('live', 'Live'); };
    source.addEventListener('history', e => {
      state.lastEventAt = Date.now();
      const points = JSON.parse(e.data);
      for (const chart of Object.values(state.charts)) { chart.data.labels.length = 0; chart.data.datasets.forEach(d => d.data.length = 0); }
      points.forEach(pushPoint);
      Object.values(state.charts).forEach(c => c.update('none'));
    });
    source.addEventListener('frame', e => {
      state.lastEventAt = Date.now();
      const frame = JSON.parse(e.data);
      state.frames++;
      state.lastFrame = frame;
      render(frame);
      pushPoint({ time: frame.time, rates: frame.traffic.rates, p50: frame.latency.p50, p95: frame.latency.p95, p99: frame.latency.p99 });
      Object.values(state.charts).forEach(c => c.update('none'));
      if ($('connection').dataset.state !== 'live') setConnection('live', 'Live');
    });
    source.addEventListener('heartbeat', () => { state.lastEventAt = Date.now(); });
    source.onerror = () => {
      if (source.readyState === EventSource.CONNECTING) {
        setConnection('reconnecting', 'Reconnecting…');
        return;
      }
      // The browser gave up (a non-200 answer): find out whether the session ended.
      setConnection('disconnected', 'Disconnected — retrying');
      fetch('/api/snapshot', { credentials: 'same-origin' })
        .then(r => { if (r.status === 401 || r.status === 403) location.assign('/login?returnUrl=%2F'); })
        .catch(() => { })
        .finally(() => setTimeout(connect, 3000));
    };
  }

  // A connection can look open while nothing arrives (a stalled proxy, a sleeping laptop).
  setInterval(() => {
    if (state.lastEventAt && Date.now() - state.lastEventAt > STALE_AFTER_MS) {
      setConnection('disconnected', 'Disconnected — reconnecting');
      state.lastEventAt = Date.now();
      connect();
    }
  }, 1000);

  makeCharts();
  connect();
})();
