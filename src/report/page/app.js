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
  var tokenBad = false; // the server refused our token: say so instead of looking ready
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
    var why = el.querySelector('.why');
    why.addEventListener('click', () => toggleWhy(why));
    why.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        toggleWhy(why);
      }
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

  // A failed card: the plain-words reason, the value against its limits, what to do; a tap shows the whole text.
  function renderWhy(el, f) {
    var why = el.querySelector('.why');
    why.hidden = !f;
    if (!f) {
      why.classList.remove('open');
      why.setAttribute('aria-expanded', 'false');
      return;
    }
    el.querySelector('.words').textContent = f.words || f.detail || '';
    var value = el.querySelector('.value');
    value.textContent = '';
    if (f.value !== undefined) {
      // "87.5 W · limits 95–105 W": each part kept whole on a narrow card
      value.appendChild(nowrap(f.value));
      if (f.limits) {
        value.appendChild(document.createTextNode(' · '));
        value.appendChild(nowrap(f.limits));
      }
    }
    el.querySelector('.hint').textContent = f.hint ? '→ ' + f.hint : f.note || '';
    // the full technical line, e.g. "relay: relay_follows_button = false (expected true): FAIL — ..."
    el.querySelector('.detail').textContent = (f.phase ? f.phase + ': ' : '') + (f.detail || f.check || '');
  }

  function nowrap(text) {
    var s = document.createElement('span');
    s.className = 'nowrap';
    s.textContent = text;
    return s;
  }

  function toggleWhy(why) {
    var open = !why.classList.contains('open');
    why.classList.toggle('open', open);
    why.setAttribute('aria-expanded', String(open));
  }

  function render(v) {
    views[v.slot] = v;
    var el = card(v.slot);
    var failed = v.state === 'done' && v.outcome !== 'PASS';
    el.className = 'card ' + (v.state === 'running' ? 'running' : v.state === 'done' ? (v.outcome === 'PASS' ? 'pass' : 'fail') : 'idle');
    el.querySelector('.rig').textContent = v.rig || '';
    var verdict = el.querySelector('.verdict');
    // the same word as in records: PASS, FAIL, ERROR, ABORTED, UNFINISHED
    if (v.state === 'running') verdict.textContent = 'RUNNING';
    else if (v.state === 'done') verdict.textContent = v.outcome || 'ERROR';
    else verdict.textContent = '';
    verdict.classList.toggle('long', verdict.textContent.length > 5); // UNFINISHED, ABORTED fit a narrow card
    renderWhy(el, failed ? v.failure : undefined);
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
    el.querySelector('.start').disabled = !canControl() || v.state === 'running';
    updateStartAll();
  }

  function updateStartAll() {
    var idle = Object.keys(views).some((s) => views[s].state !== 'running');
    startAll.disabled = !(canControl() && idle && ws && ws.readyState === 1);
  }

  function canControl() {
    return control && !!token && !tokenBad;
  }

  function badToken() {
    tokenBad = true;
    document.getElementById('badtoken').hidden = false;
    connEl.textContent = 'wrong token';
    connEl.className = 'conn warn';
    Object.keys(views).forEach((s) => {
      render(views[s]);
    });
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
      connEl.textContent = tokenBad ? 'wrong token' : 'connected';
      connEl.className = tokenBad ? 'conn warn' : 'conn up';
      send({ type: 'watch' });
    };
    ws.onmessage = (ev) => {
      var msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (msg.type === 'hello') {
        control = !!msg.control;
        // check the link's token now, not at the first Start: a wrong one is a warning, never a green badge
        if (control && token) send({ type: 'auth', token: token });
      } else if (msg.type === 'authorized') {
        tokenBad = false;
        document.getElementById('badtoken').hidden = true;
      } else if (msg.type === 'slots') {
        msg.slots.forEach(render);
        counters(msg.counters);
      } else if (msg.type === 'slot') render(msg.view);
      else if (msg.type === 'counters') counters(msg.counters);
      else if (msg.type === 'error') {
        if (msg.code === 'E_WS_UNAUTHORIZED') badToken();
        else connEl.textContent = msg.code;
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
