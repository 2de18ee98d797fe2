// The dashboard page: renders each view the server pushes over server-sent events. Plain
// browser JavaScript with no library, so the page loads nothing from the internet.
(function () {
  'use strict';

  const STALE_AFTER_MS = 5_000;
  const MAX_EVENTS = 40;

  const $ = (selector) => document.querySelector(selector);
  const cards = new Map(); // service name -> { root, fields, buttons }
  const events = []; // { atMs, kind, text }, newest first
  let previous = null;
  let lastViewAt = 0;

  // ---- live feed -------------------------------------------------------------------------

  function connect() {
    const source = new EventSource('api/events');
    source.addEventListener('open', () => setConnection('live'));
    source.addEventListener('error', () => setConnection('reconnecting'));
    source.addEventListener('view', (e) => {
      const view = JSON.parse(e.data);
      lastViewAt = Date.now();
      setConnection('live');
      render(view);
    });
  }

  function setConnection(state) {
    const el = $('#connection');
    if (state === 'live' && Date.now() - lastViewAt > STALE_AFTER_MS) state = 'waiting';
    el.dataset.state = state;
    el.textContent = state;
    el.className = `pill ${state === 'live' ? 'pill-live' : 'pill-wait'}`;
  }

  // A silent stream (the dashboard paused, a proxy holding data back) must not look live.
  setInterval(() => {
    if (lastViewAt && Date.now() - lastViewAt > STALE_AFTER_MS) setConnection('stale');
  }, 1_000);

  // ---- rendering -------------------------------------------------------------------------

  function render(view) {
    noteEvents(previous, view);
    previous = view;
    $('#updated').textContent = `updated ${clock(view.atMs)}`;
    const mode = $('#mode');
    mode.textContent = view.control.enabled ? 'local fleet: kill / restart enabled' : 'read-only';
    mode.dataset.control = String(view.control.enabled);
    renderTiles(view);
    renderConfiguration(view.configuration);
    for (const service of view.services) renderCard(service, view);
    dropGoneCards(view);
    renderQueue(view);
    renderEvents();
    drawDecisionsChart(document.querySelector('#decisions-chart'), view, events);
  }

  function renderTiles(view) {
    const leader = view.services.find((s) => s.name === view.activeLeader);
    setText('#active-leader', view.activeLeader ?? 'none');
    $('#active-leader').dataset.leader = view.activeLeader ?? '';
    setText('#active-ballot', leader ? `ballot ${leader.ballot}` : 'no leader has a majority');
    const rate = view.decisions.perSecond;
    setText('#decision-rate', rate === null ? '–' : rate.toFixed(1));
    const decided = view.decisions.decidedSlots;
    setText('#decided-slots', decided === null ? '–' : String(decided));
    $('#decided-slots').dataset.value = decided === null ? '' : String(decided);
    setText('#queue-total', view.queue.total === null ? '?' : String(view.queue.total));
    setText('#queue-note', view.queue.ok ? 'messages waiting' : `unreadable: ${view.queue.error}`);
  }

  // The configuration in force and a pending change, from the replicas' GET /config.
  const MEMBERSHIP_NOTES = {
    joining: 'joins with the pending configuration',
    leaving: 'leaves with the pending configuration',
    former: 'left the configuration: stop it and retire its rows',
    outside: 'not a member (yet)',
  };

  function renderConfiguration(config) {
    const box = $('#configuration');
    const inForce = config.inForce;
    box.dataset.epoch = inForce ? String(inForce.epoch) : '';
    box.dataset.pending = config.pending ? String(config.pending.epoch) : '';
    setText('#config-epoch', inForce ? `epoch ${inForce.epoch}` : '–');
    setText('#config-source', config.reportedBy ? `as ${config.reportedBy} applies it` : '');
    if (!inForce) {
      setText('#config-in-force', "waiting for a replica's GET /config");
      $('#config-members').replaceChildren();
      $('#config-pending').hidden = true;
      $('#config-notes').hidden = true;
      return;
    }
    setText(
      '#config-in-force',
      `in force from slot ${inForce.startSlot}; a reconfiguration decided in slot s takes effect at s + ${inForce.window}`,
    );
    fillFacts($('#config-members'), [
      ['acceptors', inForce.acceptors.join(', ')],
      ['leaders', inForce.leaders.join(', ')],
      ['replicas', inForce.replicas.join(', ')],
    ]);
    const pending = $('#config-pending');
    pending.hidden = !config.pending;
    if (config.pending) pending.textContent = describePending(config.pending);
    const notes = [];
    if (config.behind.length > 0)
      notes.push(`still applying an older one: ${config.behind.join(', ')}`);
    if (config.former.length > 0) notes.push(`former members: ${config.former.join(', ')}`);
    $('#config-notes').hidden = notes.length === 0;
    setText('#config-notes', notes.join(' · '));
  }

  function describePending(p) {
    const changes = [];
    if (p.joining.length > 0) changes.push(`joining ${p.joining.join(', ')}`);
    if (p.leaving.length > 0) changes.push(`leaving ${p.leaving.join(', ')}`);
    const togo = p.slotsToGo === null ? '' : ` (${p.slotsToGo} slots to go)`;
    return (
      `pending: epoch ${p.epoch} takes effect at slot ${p.startSlot}${togo}` +
      (changes.length > 0 ? `: ${changes.join('; ')}` : '')
    );
  }

  // A member discovered from the configuration that has left it is no longer scraped.
  function dropGoneCards(view) {
    const names = new Set(view.services.map((s) => s.name));
    for (const [name, card] of cards) {
      if (names.has(name)) continue;
      card.root.remove();
      cards.delete(name);
    }
  }

  function renderCard(service, view) {
    let card = cards.get(service.name);
    if (!card) {
      card = makeCard(service);
      cards.set(service.name, card);
      $(`#cards-${service.role}`).append(card.root);
    }
    const root = card.root;
    root.dataset.status = service.status;
    root.dataset.active = String(service.active === true);
    card.status.textContent = service.status;
    card.status.className = `status status-${service.status}`;
    card.badge.hidden = service.name !== view.activeLeader;
    root.dataset.membership = service.membership;
    const note = MEMBERSHIP_NOTES[service.membership];
    card.membership.hidden = !note;
    card.membership.textContent = service.membership;
    card.membership.title = note ?? '';
    const facts = [];
    if (service.role === 'replica') facts.push(['slot_out', service.slotOut]);
    else facts.push([service.role === 'acceptor' ? 'promised' : 'ballot', service.ballot]);
    if (service.role === 'leader') facts.push(['active', service.active]);
    const queue =
      service.queueDepth === null ? null : `${service.queueDepth} (${service.queueLeased} leased)`;
    facts.push(['queue', queue]);
    facts.push(['epoch', service.epoch]);
    facts.push([
      'msgs in / out',
      service.messagesIn === null ? null : `${service.messagesIn} / ${service.messagesOut}`,
    ]);
    facts.push(['ignored', service.ignored]);
    facts.push(['dead letters', service.deadLetters]);
    if (service.error) facts.push([service.status === 'down' ? 'down' : 'note', service.error]);
    fillFacts(card.facts, facts);
    card.actions.hidden = !view.control.enabled;
    card.kill.disabled = card.busy || !service.controllable || service.status === 'down';
    card.restart.disabled = card.busy || !service.controllable;
  }

  function makeCard(service) {
    const root = el('article', 'service');
    root.dataset.service = service.name;
    root.dataset.role = service.role;
    const head = el('div', 'service-head');
    const title = el('h3');
    title.textContent = service.name;
    const badge = el('span', 'badge');
    badge.textContent = 'ACTIVE';
    badge.hidden = true;
    const membership = el('span', 'membership');
    membership.hidden = true;
    const status = el('span', 'status');
    head.append(title, badge, membership, status);
    const facts = el('dl', 'facts');
    const actions = el('div', 'actions');
    const kill = button('Kill', 'kill', service.name);
    kill.classList.add('danger');
    const restart = button('Restart', 'restart', service.name);
    actions.append(kill, restart);
    root.append(head, facts, actions);
    const card = { root, status, badge, membership, facts, actions, kill, restart, busy: false };
    kill.addEventListener('click', () => act(card, service.name, 'kill'));
    restart.addEventListener('click', () => act(card, service.name, 'restart'));
    return card;
  }

  function fillFacts(dl, facts) {
    dl.replaceChildren();
    for (const [label, value] of facts) {
      const dt = el('dt');
      dt.textContent = label;
      const dd = el('dd');
      dd.textContent = value === null || value === undefined ? '–' : String(value);
      dl.append(dt, dd);
    }
  }

  function renderQueue(view) {
    const box = $('#queue-bars');
    box.replaceChildren();
    if (!view.queue.ok) {
      box.textContent = `queue depth unavailable: ${view.queue.error}`;
      return;
    }
    const depthOf = new Map(view.queue.depths.map((d) => [d.dst, d]));
    const names = [...new Set([...view.services.map((s) => s.name), ...depthOf.keys()])];
    const max = Math.max(1, ...view.queue.depths.map((d) => d.depth));
    for (const name of names) {
      const d = depthOf.get(name) ?? { depth: 0, leased: 0 };
      const label = el('span');
      label.textContent = name;
      const bar = el('div', 'bar');
      const fill = el('span');
      fill.style.width = `${(100 * d.depth) / max}%`;
      bar.append(fill);
      const figure = el('span', 'muted');
      figure.textContent = `${d.depth} / ${d.leased}`;
      figure.title = 'waiting / leased';
      box.append(label, bar, figure);
    }
  }

  // ---- events ----------------------------------------------------------------------------

  function noteEvents(before, after) {
    if (!before) {
      addEvent(after.atMs, 'info', `watching ${after.services.length} services`);
      if (after.activeLeader) {
        const text = `${after.activeLeader} is the active leader`;
        addEvent(after.atMs, 'leader', text, `${after.activeLeader} active`);
      }
      return;
    }
    const was = new Map(before.services.map((s) => [s.name, s.status]));
    for (const s of after.services) {
      const old = was.get(s.name);
      if (old === s.status) continue;
      if (s.status === 'down') addEvent(after.atMs, 'down', `${s.name} is down`, `${s.name} down`);
      else if (s.status === 'up') addEvent(after.atMs, 'up', `${s.name} is up`);
      else addEvent(after.atMs, 'info', `${s.name} is starting`);
    }
    noteConfigurationEvents(before.configuration, after.configuration, after.atMs);
    if (before.activeLeader !== after.activeLeader) {
      if (after.activeLeader) {
        const text = `${after.activeLeader} became the active leader`;
        addEvent(after.atMs, 'leader', text, `${after.activeLeader} active`);
      } else {
        addEvent(after.atMs, 'leader', 'no active leader', 'no leader');
      }
    }
  }

  function noteConfigurationEvents(before, after, atMs) {
    const next = after.pending;
    if (next && next.epoch !== before.pending?.epoch) {
      const text = `configuration ${next.epoch} decided: ${describePending(next).replace(/^pending: epoch \d+ /, '')}`;
      addEvent(atMs, 'config', text, `e${next.epoch} decided`);
    }
    const now = after.inForce;
    if (now && before.inForce && now.epoch > before.inForce.epoch) {
      const members = [...now.acceptors, ...now.leaders, ...now.replicas].join(', ');
      const text = `configuration ${now.epoch} in force from slot ${now.startSlot}: ${members}`;
      addEvent(atMs, 'config', text, `e${now.epoch} in force`);
    }
  }

  /** `mark`, when given, labels a marker on the chart at the event's time. */
  function addEvent(atMs, kind, text, mark) {
    events.unshift({ atMs, kind, text, mark });
    events.length = Math.min(events.length, MAX_EVENTS);
  }

  function renderEvents() {
    const list = $('#events');
    list.replaceChildren(
      ...events.map((e) => {
        const li = el('li', `event-${e.kind}`);
        const time = el('time');
        time.textContent = clock(e.atMs);
        li.append(time, document.createTextNode(e.text));
        return li;
      }),
    );
  }

  // ---- actions ---------------------------------------------------------------------------

  async function act(card, name, action) {
    card.busy = true;
    card.kill.disabled = true;
    card.restart.disabled = true;
    addEvent(Date.now(), 'info', `${action} ${name} requested from this page`);
    renderEvents();
    try {
      const body = await post(`api/services/${encodeURIComponent(name)}/${action}`, {});
      if (action === 'kill') {
        toast(
          body.killedPid
            ? `${name}: SIGKILL sent to pid ${body.killedPid}`
            : `${name} was not running`,
        );
      } else {
        toast(`${name}: restarted as pid ${body.pid}`);
      }
    } catch (err) {
      toast(`${action} ${name} failed: ${err.message}`);
    } finally {
      card.busy = false;
    }
  }

  function wireCommandForm() {
    const form = $('#command-form');
    const kind = $('#command-kind');
    const showFields = () => {
      form.querySelector('.needs-value').hidden = kind.value === 'get' || kind.value === 'delete';
      form.querySelector('.needs-expected').hidden = kind.value !== 'cas';
    };
    kind.addEventListener('change', showFields);
    showFields();
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const op = { kind: kind.value, key: $('#command-key').value };
      if (op.kind === 'put' || op.kind === 'cas') op.value = $('#command-value').value;
      if (op.kind === 'cas') op.expected = $('#command-expected').value;
      const out = $('#command-result');
      out.textContent = `${op.kind} ${op.key}: waiting for a decision…`;
      out.dataset.state = 'waiting';
      try {
        const r = await post('api/commands', { op });
        out.textContent =
          `${op.kind} ${op.key} → ${r.result.ok ? 'ok' : 'not applied'}, value ${JSON.stringify(r.result.value)}\n` +
          `decided in slot ${r.slot}, answered by ${r.replica} (session ${r.sessionId}, request ${r.requestId})`;
        out.dataset.state = 'answered';
      } catch (err) {
        out.textContent = `${op.kind} ${op.key} failed: ${err.message}`;
        out.dataset.state = 'failed';
      }
    });
  }

  // The server puts its state-change token in the page; only this page can read it.
  const TOKEN = document.querySelector('meta[name="dashboard-token"]')?.content ?? '';

  async function post(url, body) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Dashboard-Token': TOKEN },
      body: JSON.stringify(body),
    });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(json.error || `HTTP ${res.status}`);
    return json;
  }

  // ---- helpers ---------------------------------------------------------------------------

  function el(tag, className) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    return e;
  }

  function button(label, action, service) {
    const b = el('button');
    b.type = 'button';
    b.textContent = label;
    b.dataset.action = action;
    b.dataset.service = service;
    return b;
  }

  function setText(selector, text) {
    $(selector).textContent = text;
  }

  function clock(ms) {
    return new Date(ms).toLocaleTimeString([], { hour12: false });
  }

  let toastTimer = null;
  function toast(text) {
    const t = $('#toast');
    t.textContent = text;
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (t.hidden = true), 4_000);
  }

  wireCommandForm();
  connect();
})();
