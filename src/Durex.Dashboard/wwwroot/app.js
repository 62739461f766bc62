// Durex dashboard. No framework, no build step, no CDN. Every value from the server is inserted as text
// (textContent / createTextNode), never as markup.
(function () {
  'use strict';

  var config = { refreshIntervalMilliseconds: 2000, readOnly: false, actionHeader: 'X-Durex-Dashboard', statuses: [] };
  var state = { view: 'overview', cursor: null, cursors: [], dlqCursor: null, dlqCursors: [], selected: new Set(), timer: null, busy: false };

  function $(id) { return document.getElementById(id); }

  function el(tag, props) {
    var node = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (key) {
        if (key === 'text') node.textContent = props[key];
        else if (key === 'className') node.className = props[key];
        else if (key === 'onclick') node.addEventListener('click', props[key]);
        else node.setAttribute(key, props[key]);
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
    }
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function showMessage(text, isError) {
    var m = $('message');
    m.textContent = text || '';
    m.hidden = !text;
    m.className = 'message' + (isError ? ' error' : '');
  }

  function api(path, options) {
    return fetch('api/' + path, Object.assign({ credentials: 'same-origin', headers: { 'Accept': 'application/json' } }, options || {}))
      .then(function (response) {
        return response.text().then(function (text) {
          var body = text ? JSON.parse(text) : null;
          if (!response.ok) throw new Error((body && body.error) || ('HTTP ' + response.status));
          return body;
        });
      });
  }

  function post(path, body) {
    var headers = { 'Accept': 'application/json', 'Content-Type': 'application/json' };
    headers[config.actionHeader] = '1';
    return api(path, { method: 'POST', headers: headers, body: JSON.stringify(body || {}) });
  }

  function time(value) {
    if (!value) return '';
    var d = new Date(value);
    return isNaN(d) ? String(value) : d.toLocaleString();
  }

  function seconds(value) {
    if (value === null || value === undefined) return '–';
    if (value < 60) return value.toFixed(1) + ' s';
    if (value < 3600) return (value / 60).toFixed(1) + ' min';
    return (value / 3600).toFixed(1) + ' h';
  }

  function statusBadge(status) { return el('span', { className: 'badge s-' + String(status).toLowerCase() }, status); }

  // ---- overview ------------------------------------------------------------------------------------------------

  function renderStats(stats) {
    var counts = $('counts');
    clear(counts);
    Object.keys(stats.counts).forEach(function (status) {
      counts.appendChild(el('a', { className: 'card s-' + status.toLowerCase(), href: '#/commands?status=' + encodeURIComponent(status) },
        el('span', { className: 'n' }, String(stats.counts[status])), el('span', { className: 'k' }, status)));
    });

    var queue = $('queue');
    clear(queue);
    [['Ready now', stats.queueDepth], ['Oldest ready', seconds(stats.oldestReadyAgeSeconds)], ['Running (store)', stats.running],
     ['Held here', stats.heldHere], ['Workers', stats.workers], ['Executor', stats.isRunning ? 'running' : 'not running here'], ['Total', stats.total]]
      .forEach(function (pair) { queue.appendChild(el('dt', null, pair[0])); queue.appendChild(el('dd', null, String(pair[1]))); });

    var limits = $('limits');
    clear(limits);
    var all = [];
    if (stats.globalLimit) all.push(['all commands', stats.globalLimit]);
    Object.keys(stats.limits).forEach(function (name) { all.push([name, stats.limits[name]]); });
    if (all.length === 0) limits.appendChild(el('p', { className: 'muted' }, 'No concurrency limits.'));
    all.forEach(function (pair) {
      var l = pair[1];
      var meter = el('meter', { min: '0', max: String(l.limit), value: String(l.current) });
      limits.appendChild(el('div', { className: 'limit' }, el('span', null, pair[0]), meter,
        el('span', { className: 'muted' }, l.current + ' / ' + l.limit + ', ' + l.waiting + ' waiting')));
    });

    var t = stats.throughput;
    $('rate').textContent = t.completedPerMinute === null ? '(measuring…)'
      : t.completedPerMinute + '/min completed, ' + t.failedPerMinute + '/min failed (last minute)';
    sparkline(t.points);
  }

  function sparkline(points) {
    var max = 1;
    points.forEach(function (p) { max = Math.max(max, p.completed / p.seconds, p.failed / p.seconds); });
    function line(key) {
      if (points.length === 0) return '';
      var step = points.length > 1 ? 300 / (points.length - 1) : 300;
      return points.map(function (p, i) { return (i * step).toFixed(1) + ',' + (58 - 56 * (p[key] / p.seconds) / max).toFixed(1); }).join(' ');
    }
    $('spark-completed').setAttribute('points', line('completed'));
    $('spark-failed').setAttribute('points', line('failed'));
  }

  // ---- commands ------------------------------------------------------------------------------------------------

  function filterQuery() {
    var params = new URLSearchParams();
    ['f-status', 'f-name', 'f-tag', 'f-correlation', 'f-search', 'f-limit'].forEach(function (id) {
      var input = $(id);
      if (input.value.trim() !== '') params.set(input.name, input.value.trim());
    });
    return params;
  }

  function renderCommands(page) {
    var body = $('commands').tBodies[0];
    clear(body);
    if (page.items.length === 0) body.appendChild(el('tr', null, el('td', { colspan: '6', className: 'muted' }, page.searchWindowEnded ? 'No matches on this page.' : 'No commands match.')));
    $('search-note').hidden = !page.searchWindowEnded;
    page.items.forEach(function (c) {
      var box = el('input', { type: 'checkbox', 'aria-label': 'select' });
      box.checked = state.selected.has(c.id);
      box.addEventListener('change', function () { if (box.checked) state.selected.add(c.id); else state.selected.delete(c.id); updateSelected(); });
      body.appendChild(el('tr', null,
        el('td', null, box),
        el('td', null, el('a', { href: '#/command/' + encodeURIComponent(c.id) }, c.name)),
        el('td', null, statusBadge(c.status)),
        el('td', null, String(c.attempt)),
        el('td', null, time(c.createdAt)),
        el('td', { className: 'error-cell' }, c.error || '')));
    });
    state.nextCursor = page.nextCursor;
    $('next-page').disabled = !page.nextCursor;
    $('first-page').disabled = !state.cursor;
    updateSelected();
  }

  function updateSelected() {
    $('selected-count').textContent = state.selected.size + ' selected';
    document.querySelectorAll('[data-bulk]').forEach(function (b) { b.disabled = config.readOnly || state.selected.size === 0; });
  }

  // ---- dead letters --------------------------------------------------------------------------------------------

  function renderDeadLetters(page) {
    var body = $('dead-letters').tBodies[0];
    clear(body);
    if (page.items.length === 0) body.appendChild(el('tr', null, el('td', { colspan: '5', className: 'muted' }, 'The dead-letter queue is empty.')));
    page.items.forEach(function (c) {
      var replay = el('button', { type: 'button', onclick: function () { act('replay', c.id); } }, 'Replay');
      replay.disabled = config.readOnly;
      body.appendChild(el('tr', null,
        el('td', null, el('a', { href: '#/command/' + encodeURIComponent(c.id) }, c.name)),
        el('td', null, String(c.attempt)),
        el('td', null, time(c.completedAt)),
        el('td', { className: 'error-cell' }, c.error || ''),
        el('td', null, replay)));
    });
    state.dlqNext = page.nextCursor;
    $('dlq-next').disabled = !page.nextCursor;
    $('dlq-first').disabled = !state.dlqCursor;
  }

  // ---- detail --------------------------------------------------------------------------------------------------

  function renderCommand(detail) {
    var c = detail.command;
    $('c-title').textContent = c.name + ' · ' + c.id;
    var fields = $('c-fields');
    clear(fields);
    [['Status', statusBadge(c.status)], ['Attempt', String(c.attempt) + (c.retries !== null ? ' (retries ' + c.retries + ')' : '')],
     ['Created', time(c.createdAt)], ['Ready at', time(c.readyAt)], ['Started', time(c.startedAt)], ['Finished', time(c.completedAt)],
     ['Deadline', time(c.deadlineAt)], ['Priority', String(c.priority)], ['Tags', c.tags.join(', ')], ['Unique key', c.uniqueKey || ''],
     ['Correlation id', c.correlationId || ''], ['Parent', c.parentId ? el('a', { href: '#/command/' + encodeURIComponent(c.parentId) }, c.parentId) : ''],
     ['Trace id', c.traceId || ''], ['Lease', c.leaseOwner ? c.leaseOwner + ' until ' + time(c.leaseExpiresAt) : ''], ['Error', c.error || '']]
      .forEach(function (pair) {
        if (pair[1] === '') return;
        fields.appendChild(el('dt', null, pair[0]));
        fields.appendChild(el('dd', null, pair[1]));
      });
    $('c-payload').textContent = JSON.stringify(c.payload, null, 2);
    var history = $('c-history');
    // The view re-renders on every poll: keep the stack traces the reader unfolded open.
    var unfolded = new Set();
    history.querySelectorAll('li').forEach(function (li) { var d = li.querySelector('details'); if (d && d.open) unfolded.add(li.getAttribute('data-key')); });
    clear(history);
    detail.history.forEach(function (e, i) {
      var key = c.id + '/' + i + '/' + e.type + '/' + e.timestamp;
      var error = e.error ? errorText(e.error) : null;
      if (error && error.tagName === 'DETAILS' && unfolded.has(key)) error.open = true;
      history.appendChild(el('li', { className: 'h-' + e.type, 'data-key': key },
        el('span', { className: 'h-type' }, e.type), ' ',
        el('span', { className: 'muted' }, time(e.timestamp) + ' · attempt ' + e.attempt + (e.durationSeconds !== null ? ' · ' + seconds(e.durationSeconds) : '')),
        e.message ? el('div', null, e.message) : null,
        error));
    });
    var status = c.status;
    document.querySelectorAll('[data-action]').forEach(function (b) {
      var action = b.getAttribute('data-action');
      var allowed = action === 'cancel' ? ['PENDING', 'WAITING', 'STARTED', 'REPEATING'].indexOf(status) >= 0
        : action === 'replay' ? status === 'DEAD_LETTER' : (status === 'FAILED' || status === 'DEAD_LETTER');
      b.hidden = config.readOnly || !allowed;
      b.onclick = function () { act(action, c.id); };
    });
    var wf = $('c-workflow');
    wf.hidden = !c.correlationId;
    if (c.correlationId) wf.setAttribute('href', '#/workflow/' + encodeURIComponent(c.correlationId));
  }

  // A history error is often an exception with its stack trace: its first line shows, the rest folds away.
  function errorText(error) {
    var text = String(error);
    var newline = text.indexOf('\n');
    if (newline < 0) return el('div', { className: 'error-cell' }, text);
    return el('details', { className: 'error-cell' }, el('summary', null, text.slice(0, newline)), el('pre', { className: 'trace' }, text.slice(newline + 1)));
  }

  function renderWorkflow(w) {
    $('w-title').textContent = 'Workflow ' + w.correlationId;
    $('w-summary').textContent = w.count + ' commands' + (w.truncated ? ' (truncated)' : '') + ': ' +
      Object.keys(w.counts).map(function (k) { return w.counts[k] + ' ' + k; }).join(', ');
    var tree = $('w-tree');
    clear(tree);
    w.nodes.forEach(function (n) {
      var li = el('li', { className: 'depth' },
        el('a', { href: '#/command/' + encodeURIComponent(n.command.id) }, n.command.name), ' ', statusBadge(n.command.status), ' ',
        el('span', { className: 'muted' }, time(n.command.createdAt)));
      li.setAttribute('data-depth', String(Math.min(n.depth, 12)));
      tree.appendChild(li);
    });
  }

  // ---- actions -------------------------------------------------------------------------------------------------

  function act(action, id) {
    var body = action === 'cancel' ? { reason: 'Cancelled from the dashboard.' } : {};
    return post('commands/' + encodeURIComponent(id) + '/' + action, body)
      .then(function (c) { showMessage(action + ': ' + c.name + ' is ' + c.status, false); refresh(); })
      .catch(function (e) { showMessage(e.message, true); });
  }

  function bulk(action) {
    var ids = Array.from(state.selected);
    return post('commands/' + action, { ids: ids })
      .then(function (r) { state.selected.clear(); showMessage(action + ': ' + r.succeeded + ' done, ' + r.failed + ' refused', r.failed > 0); refresh(); })
      .catch(function (e) { showMessage(e.message, true); });
  }

  // ---- routing and polling -------------------------------------------------------------------------------------

  function route() {
    var hash = location.hash.replace(/^#\/?/, '');
    var parts = hash.split('?');
    var segments = parts[0].split('/');
    var view = segments[0] || 'overview';
    state.param = segments.length > 1 ? decodeURIComponent(segments.slice(1).join('/')) : null;
    if (view === 'commands' && parts[1]) {
      var params = new URLSearchParams(parts[1]);
      $('f-status').value = params.get('status') || '';
      state.cursor = null;
    }
    state.view = ['overview', 'commands', 'dead-letters', 'command', 'workflow'].indexOf(view) >= 0 ? view : 'overview';
    document.querySelectorAll('.view').forEach(function (v) { v.hidden = v.id !== 'view-' + state.view; });
    document.querySelectorAll('nav a').forEach(function (a) { a.classList.toggle('active', a.getAttribute('data-view') === state.view); });
    showMessage('', false);
    refresh();
  }

  // One request at a time. A refresh asked for meanwhile (a filter submitted, a view changed, an action done) runs as
  // soon as the one in flight ends, so the page never waits for the next poll to show what was asked for.
  function refresh() {
    if (state.busy) { state.again = true; return Promise.resolve(); }
    state.busy = true;
    state.again = false;
    var work;
    switch (state.view) {
      case 'commands': {
        var q = filterQuery();
        if (state.cursor) q.set('cursor', state.cursor);
        work = api('commands?' + q.toString()).then(renderCommands);
        break;
      }
      case 'dead-letters':
        work = api('dead-letters' + (state.dlqCursor ? '?cursor=' + encodeURIComponent(state.dlqCursor) : '')).then(renderDeadLetters);
        break;
      case 'command':
        work = api('commands/' + encodeURIComponent(state.param)).then(renderCommand);
        break;
      case 'workflow':
        work = api('workflows/' + encodeURIComponent(state.param)).then(renderWorkflow);
        break;
      default:
        work = api('stats').then(renderStats);
    }
    return work.then(function () { $('live').className = 'live'; }, function (e) { $('live').className = 'live down'; showMessage(e.message, true); })
      .then(function () { state.busy = false; if (state.again) refresh(); });
  }

  function start() {
    config.statuses.forEach(function (s) { $('f-status').appendChild(el('option', { value: s }, s)); });
    $('title').textContent = config.title;
    document.title = config.title;
    document.body.classList.toggle('read-only', config.readOnly);

    $('filters').addEventListener('submit', function (e) { e.preventDefault(); state.cursor = null; state.cursors = []; refresh(); });
    $('f-clear').addEventListener('click', function () { $('filters').reset(); state.cursor = null; state.cursors = []; refresh(); });
    $('next-page').addEventListener('click', function () { if (state.nextCursor) { state.cursors.push(state.cursor); state.cursor = state.nextCursor; refresh(); } });
    $('first-page').addEventListener('click', function () { state.cursor = null; state.cursors = []; refresh(); });
    $('dlq-next').addEventListener('click', function () { if (state.dlqNext) { state.dlqCursor = state.dlqNext; refresh(); } });
    $('dlq-first').addEventListener('click', function () { state.dlqCursor = null; refresh(); });
    $('select-all').addEventListener('change', function (e) {
      document.querySelectorAll('#commands tbody input[type=checkbox]').forEach(function (box) {
        box.checked = e.target.checked;
        box.dispatchEvent(new Event('change'));
      });
    });
    document.querySelectorAll('[data-bulk]').forEach(function (b) { b.addEventListener('click', function () { bulk(b.getAttribute('data-bulk')); }); });
    $('purge').disabled = config.readOnly;
    $('purge').addEventListener('click', function () {
      if (!window.confirm('Delete every dead letter?')) return;
      post('dead-letters/purge', { olderThanSeconds: 0 })
        .then(function (r) { showMessage(r.count + ' dead letters purged', false); refresh(); })
        .catch(function (e) { showMessage(e.message, true); });
    });

    window.addEventListener('hashchange', route);
    route();
    state.timer = window.setInterval(function () { if (!document.hidden) refresh(); }, config.refreshIntervalMilliseconds);
  }

  document.addEventListener('DOMContentLoaded', function () {
    api('config').then(function (c) { config = c; start(); }, function (e) { showMessage(e.message, true); });
  });
})();
