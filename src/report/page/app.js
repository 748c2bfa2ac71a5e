// Operator page: one card per slot, fed by the hub's "watch" stream. No framework, no build step.
// The control token comes from the link plugrig serve printed (#token=…) and is kept for this tab only.

(() => {
  var token = null;
  var m = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
  if (m) {
    token = decodeURIComponent(m[1]);
    try {
      sessionStorage.setItem('plugrig-token', token);
    } catch {
      /* private mode */
    }
    history.replaceState(null, '', location.pathname); // keep it off the screen
  } else {
    try {
      token = sessionStorage.getItem('plugrig-token');
    } catch {
      token = null;
    }
  }

  var slotsEl = document.getElementById('slots');
  var tpl = document.getElementById('card');
  var connEl = document.getElementById('conn');
  var startAll = document.getElementById('start-all');
  var cards = {};
  var views = {};
  var ws = null;
  var control = false;
  var backoff = 500;

  document.getElementById('readonly').hidden = !!token;

  function send(msg) {
    if (ws && ws.readyState === 1) ws.send(JSON.stringify(msg));
  }

  function card(slot) {
    if (cards[slot]) return cards[slot];
    var el = tpl.content.firstElementChild.cloneNode(true);
    el.dataset.slot = slot;
    el.querySelector('.name').textContent = slot;
    el.querySelector('.start').addEventListener('click', () => {
      send({ type: 'start', slot: slot, token: token });
    });
    slotsEl.appendChild(el);
    cards[slot] = el;
    return el;
  }

  function fmtRate(bps) {
    if (!bps) return '';
    return bps >= 1024 ? (bps / 1024).toFixed(0) + ' KiB/s' : bps + ' B/s';
  }
  function fmtEta(ms) {
    if (ms === undefined) return '';
    var s = Math.round(ms / 1000);
    return s >= 60 ? Math.floor(s / 60) + 'm' + String(s % 60).padStart(2, '0') + 's' : s + 's';
  }

  function render(v) {
    views[v.slot] = v;
    var el = card(v.slot);
    var failed = v.state === 'done' && v.outcome !== 'PASS';
    el.className = 'card ' + (v.state === 'running' ? 'running' : v.state === 'done' ? (v.outcome === 'PASS' ? 'pass' : 'fail') : 'idle');
    el.querySelector('.rig').textContent = v.rig || '';
    var verdict = el.querySelector('.verdict');
    if (v.state === 'running') verdict.textContent = 'RUNNING';
    else if (v.state === 'done') verdict.textContent = v.outcome === 'PASS' ? 'PASS' : v.outcome === 'ABORTED' ? 'ABORTED' : 'FAIL';
    else verdict.textContent = '';
    var check = '';
    // "relay: relay_follows_button = false (expected true)": the phase, then the check as measured
    if (failed && v.failure) check = (v.failure.phase ? v.failure.phase + ': ' : '') + (v.failure.detail || v.failure.check || '');
    el.querySelector('.check').textContent = check;
    el.querySelector('.check').title = check;
    var phase = '';
    if (v.state === 'running' && v.phase) phase = v.phase + (v.phaseIndex && v.plan ? ' (' + v.phaseIndex + '/' + v.plan.length + ')' : '');
    else if (v.state === 'done' && v.durationMs !== undefined) phase = 'took ' + fmtEta(v.durationMs);
    el.querySelector('.phase').textContent = phase;
    var fraction = 0;
    if (v.state === 'running' && v.plan && v.phaseIndex) {
      const inPhase = v.progress ? v.progress.fraction : 0;
      fraction = (v.phaseIndex - 1 + inPhase) / v.plan.length;
    } else if (v.state === 'done') fraction = 1;
    el.querySelector('.fill').style.width = Math.round(fraction * 100) + '%';
    el.querySelector('.mac').textContent = v.mac ? v.mac.replace(/(..)(?!$)/g, '$1:') : '';
    var sp =
      v.state === 'running' && v.progress
        ? [fmtRate(v.progress.bytesPerSec), v.progress.etaMs !== undefined ? 'ETA ' + fmtEta(v.progress.etaMs) : ''].filter(Boolean).join(' · ')
        : '';
    el.querySelector('.speed').textContent = sp;
    el.querySelector('.start').disabled = !(control && token) || v.state === 'running';
    updateStartAll();
  }

  function updateStartAll() {
    var idle = Object.keys(views).some((s) => views[s].state !== 'running');
    startAll.disabled = !(control && token && idle && ws && ws.readyState === 1);
  }

  startAll.addEventListener('click', () => {
    send({ type: 'start', slot: '*', token: token });
  });

  function counters(c) {
    document.getElementById('passed').textContent = c.passed;
    document.getElementById('failed').textContent = c.failed;
  }

  function connect() {
    var url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws';
    ws = new WebSocket(url);
    ws.onopen = () => {
      backoff = 500;
      connEl.textContent = 'connected';
      connEl.className = 'conn up';
      send({ type: 'watch' });
    };
    ws.onmessage = (ev) => {
      var msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (msg.type === 'hello') control = !!msg.control;
      else if (msg.type === 'slots') {
        msg.slots.forEach(render);
        counters(msg.counters);
      } else if (msg.type === 'slot') render(msg.view);
      else if (msg.type === 'counters') counters(msg.counters);
      else if (msg.type === 'error') {
        connEl.textContent = msg.code;
        if (msg.code === 'E_WS_UNAUTHORIZED') document.getElementById('readonly').hidden = false;
      }
    };
    ws.onclose = () => {
      connEl.textContent = 'reconnecting…';
      connEl.className = 'conn down';
      Object.keys(cards).forEach((s) => {
        cards[s].querySelector('.start').disabled = true;
      });
      startAll.disabled = true;
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 5000);
    };
  }
  connect();
})();
