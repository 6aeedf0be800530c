// Athanor control panel: the one script of the panel (no framework, no build step, no network
// requests beyond this service). Pages are rendered on the server; this script follows the live
// event stream and swaps in fresh sections, and turns the operator's buttons and forms into API calls.
'use strict';

(function () {
  const body = document.body;
  const data = body.dataset;

  // ---------------------------------------------------------------- small helpers

  function toast(message, isError) {
    const box = document.getElementById('toast');
    if (!box) return;
    box.textContent = message;
    box.className = 'toast show' + (isError ? ' error' : '');
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () {
      box.className = 'toast';
    }, isError ? 8000 : 4000);
  }

  /** Calls the API; resolves with the JSON body, rejects with {message, issues} in the API's error shape. */
  async function api(method, url, body, contentType) {
    const init = { method: method, headers: { accept: 'application/json' }, credentials: 'same-origin' };
    if (body !== undefined) {
      init.headers['content-type'] = contentType || 'application/json';
      init.body = contentType ? body : JSON.stringify(body);
    }
    const res = await fetch(url, init);
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch (e) {
      json = null;
    }
    if (!res.ok) {
      const error = (json && json.error) || { message: res.status + ' ' + res.statusText };
      if (res.status === 401) error.message = 'Your session has ended: sign in again.';
      throw error;
    }
    return json;
  }

  function issueList(container, error) {
    container.textContent = '';
    if (!error) return;
    const heading = document.createElement('p');
    heading.className = 'error';
    heading.setAttribute('role', 'alert');
    heading.textContent = error.message && !error.issues ? error.message : (error.issues || []).length + ' problem(s):';
    container.appendChild(heading);
    if (!error.issues) return;
    const list = document.createElement('ul');
    error.issues.forEach(function (issue) {
      const item = document.createElement('li');
      item.textContent = (issue.line ? 'line ' + issue.line + ' · ' : '') + (issue.path ? issue.path + ': ' : '') + issue.message;
      list.appendChild(item);
    });
    container.appendChild(list);
  }

  // ---------------------------------------------------------------- live sections

  let refreshing = false;
  let again = false;
  let lastRefresh = 0;
  let timer = null;

  function liveUrl() {
    const query = location.search ? location.search : data.query ? '?' + data.query : '';
    return data.live + query;
  }

  /** Replaces every data-live section by its fresh rendering, keeping keyboard focus where it was. */
  async function refresh() {
    if (!data.live) return;
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = true;
    lastRefresh = Date.now();
    try {
      const res = await fetch(liveUrl(), { credentials: 'same-origin', headers: { accept: 'text/html' } });
      if (res.redirected || res.status === 401) {
        location.reload();
        return;
      }
      if (!res.ok) return;
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
      const focusedId = document.activeElement && document.activeElement.id;
      doc.querySelectorAll('[data-live]').forEach(function (fresh) {
        const current = fresh.id && document.getElementById(fresh.id);
        if (!current) return;
        // A section someone is choosing in (an open select) is left alone until they are done.
        if (current.contains(document.activeElement) && document.activeElement.tagName === 'SELECT') return;
        current.replaceWith(document.importNode(fresh, true));
      });
      if (focusedId && document.activeElement === body) {
        const refocus = document.getElementById(focusedId);
        if (refocus) refocus.focus({ preventScroll: true });
      }
      body.dispatchEvent(new CustomEvent('athanor:refreshed'));
    } catch (e) {
      // offline for a moment: the next event tries again
    } finally {
      refreshing = false;
      if (again) {
        again = false;
        schedule();
      }
    }
  }

  /** At most one refresh per second, however fast events arrive. */
  function schedule() {
    if (timer) return;
    const wait = Math.max(150, 1000 - (Date.now() - lastRefresh));
    timer = setTimeout(function () {
      timer = null;
      refresh();
    }, wait);
  }

  function follow() {
    if (!data.stream || !window.EventSource) return;
    const indicator = document.getElementById('live-indicator');
    const source = new EventSource(data.stream);
    source.addEventListener('ready', function () {
      if (indicator) {
        indicator.textContent = 'live';
        indicator.className = 'live-indicator on';
      }
      body.dataset.streaming = 'yes';
    });
    source.addEventListener('campaign-event', function (message) {
      body.dataset.lastEvent = message.lastEventId;
      schedule();
    });
    source.onerror = function () {
      if (indicator) {
        indicator.textContent = 'reconnecting…';
        indicator.className = 'live-indicator';
      }
    };
  }

  // ---------------------------------------------------------------- campaign actions

  const campaign = data.campaign;

  function askReason(title, text, required) {
    const dialog = document.getElementById('reason-dialog');
    if (!dialog || !dialog.showModal) {
      const answer = window.prompt(title + '\n' + text);
      return Promise.resolve(answer === null ? null : answer);
    }
    const input = document.getElementById('reason-input');
    document.getElementById('reason-title').textContent = title;
    document.getElementById('reason-text').textContent = text;
    input.value = '';
    input.required = !!required;
    dialog.showModal();
    input.focus();
    return new Promise(function (resolve) {
      dialog.addEventListener(
        'close',
        function () {
          resolve(dialog.returnValue === 'confirm' ? input.value.trim() : null);
        },
        { once: true },
      );
    });
  }

  async function act(button) {
    const action = button.dataset.action;
    const seq = button.dataset.seq;
    const base = '/api/campaigns/' + campaign;
    const returnFocus = button.id;
    try {
      if (action === 'pause' || action === 'resume') {
        await api('POST', base + '/' + action);
        toast(action === 'pause' ? 'Paused: nothing new is planned; experiments in the lab go on.' : 'Resumed.');
      } else if (action === 'stop') {
        const reason = await askReason('Stop the campaign?', 'What is planned or in the lab is cancelled, and the campaign ends for good.', false);
        if (reason === null) return;
        await api('POST', base + '/stop', reason ? { reason: reason } : {});
        toast('Stopped.');
      } else if (action === 'cancel') {
        const reason = await askReason('Cancel experiment ' + seq + '?', 'The planner proposes another in its place.', false);
        if (reason === null) return;
        await api('POST', base + '/experiments/' + seq + '/cancel', reason ? { reason: reason } : {});
        toast('Experiment ' + seq + ' cancelled.');
      } else if (action === 'exclude') {
        const reason = await askReason('Exclude the result of experiment ' + seq + '?', 'It stays stored but no longer trains the model or counts as best.', true);
        if (!reason) return;
        await api('POST', base + '/results/' + seq + '/exclude', { reason: reason });
        toast('Result of experiment ' + seq + ' excluded.');
      } else if (action === 'include') {
        await api('DELETE', base + '/results/' + seq + '/exclude');
        toast('Result of experiment ' + seq + ' included again.');
      }
      await refresh();
      const back = returnFocus && document.getElementById(returnFocus);
      if (back && !back.disabled) back.focus();
    } catch (error) {
      toast(error.message || String(error), true);
    }
  }

  document.addEventListener('click', function (event) {
    const button = event.target.closest && event.target.closest('button[data-action]');
    if (button && campaign) {
      event.preventDefault();
      act(button);
    }
  });

  /** Form fields named like "budget.batch" into {budget: {batch}}; data-type="number" becomes a number. */
  function formObject(form) {
    const out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === 'submit' || el.type === 'file') return;
      let value = el.type === 'checkbox' ? el.checked : el.value;
      if (el.dataset.type === 'number') {
        if (value === '') return;
        value = Number(value);
      }
      const path = el.name.split('.');
      let at = out;
      path.slice(0, -1).forEach(function (key) {
        at = at[key] = at[key] || {};
      });
      at[path[path.length - 1]] = value;
    });
    return out;
  }

  function bindForm(id, handler) {
    const form = document.getElementById(id);
    if (!form) return;
    form.addEventListener('submit', async function (event) {
      event.preventDefault();
      const issues = document.getElementById('operate-issues');
      if (issues) issues.textContent = '';
      const submit = form.querySelector('[type=submit]');
      if (submit) submit.disabled = true;
      try {
        await handler(form);
        await refresh();
      } catch (error) {
        if (issues) issueList(issues, error);
        toast(error.message || String(error), true);
      } finally {
        if (submit) submit.disabled = false;
      }
    });
  }

  function outcomeText(results) {
    const counts = {};
    results.forEach(function (r) {
      counts[r.outcome] = (counts[r.outcome] || 0) + 1;
    });
    return Object.keys(counts)
      .map(function (k) {
        return counts[k] + ' ' + k;
      })
      .join(', ');
  }

  if (campaign) {
    const base = '/api/campaigns/' + campaign;
    bindForm('settings-form', async function (form) {
      await api('PATCH', base, formObject(form));
      toast('Settings saved; they apply from the next planning round.');
    });
    bindForm('manual-form', async function (form) {
      const entry = formObject(form);
      const reply = await api('POST', base + '/results', { results: [{ experiment: entry.experiment, values: entry.values || {} }] });
      toast('Result: ' + outcomeText(reply.results) + '.');
      form.reset();
    });
    bindForm('csv-form', async function (form) {
      const file = form.elements.file.files && form.elements.file.files[0];
      const text = file ? await file.text() : form.elements.text.value;
      if (!text.trim()) throw { message: 'Choose a CSV file or paste its text.' };
      const reply = await api('POST', base + '/results/csv', text, 'text/csv');
      toast('Uploaded: ' + outcomeText(reply.results) + '.');
      form.reset();
    });
    // The landscape and explanation pickers change the page's query and refresh in place.
    document.addEventListener('submit', function (event) {
      const form = event.target;
      if (!form.matches('[data-landscape-form],[data-explain-form]')) return;
      event.preventDefault();
      const params = new URLSearchParams(location.search);
      new FormData(form).forEach(function (value, key) {
        params.set(key, value);
      });
      history.replaceState(null, '', location.pathname + '?' + params.toString());
      refresh();
    });
  }

  // ---------------------------------------------------------------- campaign editor

  function editor() {
    const textarea = document.getElementById('spec');
    const gutter = document.getElementById('gutter');
    const issues = document.getElementById('issues');
    const form = document.getElementById('campaign-form');
    if (!textarea || !form) return;
    let escaped = false;
    let checkTimer = null;
    let checked = 0;

    function numberLines(bad) {
      const count = textarea.value.split('\n').length;
      let text = '';
      for (let i = 1; i <= count; i++) text += (bad && bad[i] ? '▸' : '') + i + '\n';
      gutter.textContent = text;
      gutter.scrollTop = textarea.scrollTop;
    }

    function goToLine(line) {
      const lines = textarea.value.split('\n');
      let start = 0;
      for (let i = 0; i < line - 1 && i < lines.length; i++) start += lines[i].length + 1;
      textarea.focus();
      textarea.setSelectionRange(start, start + (lines[line - 1] || '').length);
      const lineHeight = textarea.scrollHeight / Math.max(1, lines.length);
      textarea.scrollTop = Math.max(0, (line - 3) * lineHeight);
    }

    function show(error) {
      issues.textContent = '';
      textarea.removeAttribute('aria-invalid');
      if (!error) {
        const ok = document.createElement('p');
        ok.className = 'ok';
        ok.textContent = '✓ The campaign file is valid.';
        issues.appendChild(ok);
        numberLines();
        return;
      }
      textarea.setAttribute('aria-invalid', 'true');
      const list = error.issues || [{ path: error.field || '', message: error.message }];
      const heading = document.createElement('p');
      heading.className = 'error';
      heading.textContent = list.length === 1 ? '1 problem:' : list.length + ' problems:';
      issues.appendChild(heading);
      const ul = document.createElement('ul');
      const bad = {};
      list.forEach(function (issue) {
        const li = document.createElement('li');
        if (issue.line) {
          bad[issue.line] = true;
          const jump = document.createElement('button');
          jump.type = 'button';
          jump.className = 'link';
          jump.textContent = 'line ' + issue.line;
          jump.addEventListener('click', function () {
            goToLine(issue.line);
          });
          li.appendChild(jump);
          li.appendChild(document.createTextNode(' · '));
        }
        li.appendChild(document.createTextNode((issue.path ? issue.path + ': ' : '') + issue.message));
        ul.appendChild(li);
      });
      issues.appendChild(ul);
      numberLines(bad);
    }

    async function check() {
      const ticket = ++checked;
      try {
        await api('POST', '/api/campaigns/validate', textarea.value, 'application/yaml');
        if (ticket === checked) show(null);
        return true;
      } catch (error) {
        if (ticket === checked) show(error);
        return false;
      }
    }

    textarea.addEventListener('input', function () {
      numberLines();
      clearTimeout(checkTimer);
      checkTimer = setTimeout(check, 700);
    });
    textarea.addEventListener('scroll', function () {
      gutter.scrollTop = textarea.scrollTop;
    });
    // Tab indents (YAML needs it); Escape first lets Tab move focus on, as keyboard users expect.
    textarea.addEventListener('keydown', function (event) {
      if (event.key === 'Escape') {
        escaped = true;
        return;
      }
      if (event.key === 'Tab' && !escaped && !event.shiftKey) {
        event.preventDefault();
        const start = textarea.selectionStart;
        textarea.setRangeText('  ', start, textarea.selectionEnd, 'end');
        numberLines();
        return;
      }
      escaped = false;
    });
    document.getElementById('validate').addEventListener('click', check);
    form.addEventListener('submit', async function (event) {
      event.preventDefault();
      const button = document.getElementById('create');
      button.disabled = true;
      try {
        const created = await api('POST', '/api/campaigns', textarea.value, 'application/yaml');
        location.assign('/campaigns/' + created.campaignId);
      } catch (error) {
        show(error);
        toast(error.message || 'The campaign could not be created.', true);
        button.disabled = false;
      }
    });
    numberLines();
    check();
  }

  if (data.page === 'editor') editor();
  follow();
})();
