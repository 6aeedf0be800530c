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
      // a request that never ends must not hold every later refresh back (refreshing stays set)
      const res = await fetch(liveUrl(), { credentials: 'same-origin', headers: { accept: 'text/html' }, signal: AbortSignal.timeout(30000) });
      if (res.redirected || res.status === 401) {
        location.reload();
        return;
      }
      if (!res.ok) {
        // a busy service (503 with Retry-After) or a failed rendering: ask again rather than wait
        // for an event that may never come (a finished campaign sends none)
        retryLater(Number(res.headers.get('retry-after')));
        return;
      }
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
      const focusedId = document.activeElement && document.activeElement.id;
      doc.querySelectorAll('[data-live]').forEach(function (fresh) {
        const current = fresh.id && document.getElementById(fresh.id);
        if (!current) return;
        // A section someone is choosing in (an open select, or a form they changed and have not
        // sent yet) is left alone until they are done: a refresh would put the old choices back.
        if (current.contains(document.activeElement) && document.activeElement.tagName === 'SELECT') return;
        if (current.querySelector('form[data-unsent]')) return;
        current.replaceWith(document.importNode(fresh, true));
      });
      if (focusedId && document.activeElement === body) {
        const refocus = document.getElementById(focusedId);
        if (refocus) refocus.focus({ preventScroll: true });
      }
      body.dispatchEvent(new CustomEvent('athanor:refreshed'));
    } catch (e) {
      // offline for a moment, or no answer in time: try again shortly
      retryLater(0);
    } finally {
      refreshing = false;
      if (again) {
        again = false;
        schedule();
      }
    }
  }

  function retryLater(seconds) {
    again = false;
    setTimeout(refresh, 1000 * (seconds > 0 ? Math.min(seconds, 30) : 2));
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
      } else if (action === 'assign-quarantined') {
        const answer = await askReason('Assign this report to an experiment?', 'The number of an experiment without a result: the report\'s values become its result.', true);
        if (!answer) return;
        const number = Number(answer);
        if (!Number.isInteger(number) || number < 1) throw new Error('an experiment number (1, 2 …) is needed, not "' + answer + '"');
        await api('POST', base + '/quarantine/' + button.dataset.quarantine + '/assign', { experiment: number });
        toast('Stored as the result of experiment ' + number + '.');
      } else if (action === 'approve-batch') {
        const reply = await api('POST', base + '/approval/approve', {});
        toast('Approved ' + reply.experiments.length + ': they go to the lab.');
      } else if (action === 'reject-batch') {
        const reason = await askReason('Reject the whole batch?', 'The planner proposes others and never these again. Your reason is kept with them.', true);
        if (!reason) return;
        await api('POST', base + '/approval/reject', { reason: reason });
        toast('Batch rejected: the planner proposes a new one.');
      } else if (action === 'drop-proposal') {
        const reason = await askReason('Drop experiment ' + seq + '?', 'It is not run, and the planner never proposes it again.', true);
        if (!reason) return;
        await api('POST', base + '/approval/reject', { reason: reason, experiments: [Number(seq)] });
        toast('Experiment ' + seq + ' dropped.');
      } else if (action === 'discard-quarantined') {
        const reason = await askReason('Discard this report?', 'It stays listed, marked discarded with your reason.', true);
        if (!reason) return;
        await api('POST', base + '/quarantine/' + button.dataset.quarantine + '/discard', { reason: reason });
        toast('Report discarded.');
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
    // The approval gate: a changed condition of a waiting proposal is saved at once.
    document.addEventListener('change', async function (event) {
      const select = event.target;
      if (!select.matches || !select.matches('select[data-edit-seq]')) return;
      const change = {};
      change[select.dataset.parameter] = select.value;
      try {
        await api('PATCH', base + '/proposals/' + select.dataset.editSeq, { parameters: change });
        toast('Experiment ' + select.dataset.editSeq + ': ' + select.dataset.parameter + ' is now ' + select.value + '.');
        select.blur();
      } catch (error) {
        toast(error.message || String(error), true);
      }
      await refresh();
    });
    bindForm('suggest-form', async function (form) {
      const entry = formObject(form);
      const reason = entry.reason;
      delete entry.reason;
      const reply = await api('POST', base + '/suggestions', { parameters: entry, reason: reason });
      toast('Experiment ' + reply.experiment.seq + ' added to the queue.');
      form.reset();
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
      showOutcomes(form, reply.results);
      form.reset();
    });
    /** What happened to each row of an upload: stored, a repeat, a conflict or quarantined, with why. */
    function showOutcomes(form, results) {
      let box = document.getElementById('upload-outcomes');
      if (!box) {
        box = document.createElement('div');
        box.id = 'upload-outcomes';
        box.setAttribute('aria-live', 'polite');
        form.parentNode.insertBefore(box, form.nextSibling);
      }
      box.textContent = '';
      const heading = document.createElement('p');
      heading.className = 'small';
      heading.textContent = 'Each row of the last upload:';
      box.appendChild(heading);
      const list = document.createElement('ul');
      list.className = 'outcomes small';
      results.forEach(function (r) {
        const item = document.createElement('li');
        item.className = 'outcome-' + r.outcome;
        item.textContent = 'experiment ' + r.experiment + ': ' + r.outcome + (r.reason ? ' — ' + r.reason : '');
        list.appendChild(item);
      });
      box.appendChild(list);
    }
    // A picker changed but not yet sent keeps its section from being refreshed under it.
    document.addEventListener('change', function (event) {
      const form = event.target.closest && event.target.closest('[data-live] form');
      if (form) form.setAttribute('data-unsent', '');
    });
    // The landscape and explanation pickers change the page's query and refresh in place.
    document.addEventListener('submit', function (event) {
      const form = event.target;
      form.removeAttribute('data-unsent');
      if (!form.matches('[data-landscape-form],[data-explain-form],[data-table-form]')) return;
      event.preventDefault();
      const params = new URLSearchParams(location.search);
      new FormData(form).forEach(function (value, key) {
        // an emptied filter ("any") leaves the query rather than filtering on ''
        if (value === '') params.delete(key);
        else params.set(key, value);
      });
      history.replaceState(null, '', location.pathname + '?' + params.toString());
      refresh();
    });
    // The experiment table's (and a Pareto campaign's trade-off table's) sort, page and clear links
    // change the query and refresh in place too.
    document.addEventListener('click', function (event) {
      const link = event.target.closest && event.target.closest('#experiments a.sort, #experiments .pager a, #experiments .table-filters a, #pareto a.sort');
      if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      const url = new URL(link.href);
      history.replaceState(null, '', location.pathname + url.search);
      const heading = link.closest('#pareto') ? 'pareto-h' : 'experiments-h';
      refresh().then(function () {
        const again = document.getElementById(heading);
        if (again) again.scrollIntoView({ block: 'start' });
      });
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

  // ---------------------------------------------------------------- molecules and printing

  /** A molecule drawing opens large in a dialog (click, Enter or Space); Escape or the button closes it. */
  function enlarge(img) {
    let dialog = document.getElementById('molecule-dialog');
    if (!dialog) {
      dialog = document.createElement('dialog');
      dialog.id = 'molecule-dialog';
      dialog.className = 'molecule-dialog';
      dialog.setAttribute('aria-labelledby', 'molecule-dialog-title');
      dialog.innerHTML = '<h2 id="molecule-dialog-title"></h2><img alt="" width="560" height="420"><p class="small muted smiles"></p><form method="dialog"><button type="submit">Close</button></form>';
      body.appendChild(dialog);
    }
    const title = img.dataset.name || img.alt;
    dialog.querySelector('h2').textContent = title;
    const big = dialog.querySelector('img');
    big.src = img.dataset.enlarge;
    const size = new URL(img.dataset.enlarge, location.href).searchParams;
    big.width = Number(size.get('width')) || 560;
    big.height = Number(size.get('height')) || 420;
    big.alt = img.alt;
    const smiles = (img.title || '').replace(/ \(click to enlarge\)$/, '');
    dialog.querySelector('.smiles').textContent = smiles;
    if (dialog.showModal) dialog.showModal();
    else window.open(img.dataset.enlarge);
  }
  document.addEventListener('click', function (event) {
    const img = event.target.closest && event.target.closest('img[data-enlarge]');
    if (img) enlarge(img);
    const print = event.target.closest && event.target.closest('[data-print]');
    if (print) window.print();
  });
  document.addEventListener('keydown', function (event) {
    if ((event.key === 'Enter' || event.key === ' ') && event.target.matches && event.target.matches('img[data-enlarge]')) {
      event.preventDefault();
      enlarge(event.target);
    }
  });

  // ---------------------------------------------------------------- row filters (a screen's ranked molecules)

  // <input data-filter-rows="TABLE-ID">: rows whose text contains every word typed stay visible
  document.addEventListener('input', function (event) {
    const input = event.target;
    if (!input.matches || !input.matches('input[data-filter-rows]')) return;
    const table = document.getElementById(input.dataset.filterRows);
    if (!table) return;
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    table.querySelectorAll('tbody tr').forEach(function (row) {
      const text = (row.textContent + ' ' + (row.dataset.smiles || '')).toLowerCase();
      row.hidden = !words.every(function (w) { return text.includes(w); });
    });
  });

  // ---------------------------------------------------------------- background screens (large libraries)

  function sizeOf(bytes) {
    if (bytes < 1024) return bytes + ' bytes';
    if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + ' kB';
    if (bytes < 1024 * 1024 * 1024) return (bytes / 1024 / 1024).toFixed(1) + ' MB';
    return (bytes / 1024 / 1024 / 1024).toFixed(2) + ' GB';
  }

  // The screen form: a library beyond the request limit goes to a background screen, uploaded with
  // its progress shown; the page of that screen follows it from there.
  function screenForm() {
    const form = document.getElementById('screen-request');
    if (!form) return;
    const fileInput = form.elements.library;
    const background = document.getElementById('screen-background');
    const requestLimit = Number(form.dataset.requestLimit || 1000000);
    const uploadLimit = Number(form.dataset.uploadLimit || 0);
    const status = document.getElementById('upload-status');
    const bar = document.getElementById('upload-progress');
    const text = document.getElementById('upload-text');
    function say(message, isError) {
      status.hidden = false;
      text.textContent = message;
      text.className = isError ? 'error' : '';
      if (isError) text.setAttribute('role', 'alert');
    }
    // multipart adds a few hundred bytes to the file: keep a margin under the limit
    const tooLargeForPage = function (file) { return file.size > requestLimit - 2048; };
    fileInput.addEventListener('change', function () {
      const file = fileInput.files[0];
      if (!file || !tooLargeForPage(file)) return;
      if (background) {
        background.checked = true;
        say(file.name + ' (' + sizeOf(file.size) + ') is larger than a page may carry: it will be screened in the background.');
      } else {
        say(file.name + ' (' + sizeOf(file.size) + ') is larger than a page may carry (' + sizeOf(requestLimit) + '): an operator can screen it in the background, or use athanor screen.', true);
      }
    });
    form.addEventListener('submit', function (event) {
      const file = fileInput.files[0];
      if (!file) return;
      if (!form.dataset.jobUpload) {
        if (tooLargeForPage(file)) {
          event.preventDefault();
          say(file.name + ' (' + sizeOf(file.size) + ') is larger than a page may carry (' + sizeOf(requestLimit) + '): an operator can screen it in the background, or use athanor screen.', true);
        }
        return;
      }
      if (!(background && background.checked) && !tooLargeForPage(file)) return; // answered with the page
      event.preventDefault();
      if (uploadLimit && file.size > uploadLimit) return say(file.name + ' (' + sizeOf(file.size) + ') is larger than the upload limit of ' + sizeOf(uploadLimit) + '.', true);
      const query = new URLSearchParams({ role: form.elements.role.value, top: form.elements.top.value, rank: form.elements.rank.value, name: file.name });
      const request = new XMLHttpRequest();
      request.open('POST', form.dataset.jobUpload + '?' + query.toString());
      request.setRequestHeader('accept', 'application/json');
      request.setRequestHeader('content-type', 'application/octet-stream');
      request.upload.addEventListener('progress', function (e) {
        if (!e.lengthComputable) return;
        bar.value = e.loaded / e.total;
        say('uploading ' + file.name + ': ' + sizeOf(e.loaded) + ' of ' + sizeOf(e.total));
      });
      request.addEventListener('load', function () {
        let json = null;
        try {
          json = JSON.parse(request.responseText);
        } catch (e) {
          json = null;
        }
        if (request.status === 202 && json) return location.assign('/campaigns/' + json.campaignId + '/screens/' + json.id);
        const error = (json && json.error) || { message: request.status + ' ' + request.statusText };
        say(error.message, true);
      });
      request.addEventListener('error', function () {
        say('The upload was interrupted: try again.', true);
      });
      bar.value = 0;
      say('uploading ' + file.name + ' (' + sizeOf(file.size) + ')');
      request.send(file);
    });
  }

  // A background screen's page: its data-live section re-rendered every second while the job runs
  // (refresh(), as the campaign page's sections are), the whole page once it has ended.
  function screenJob() {
    document.addEventListener('click', async function (event) {
      const cancel = event.target.closest && event.target.closest('[data-cancel-url]');
      if (!cancel) return;
      cancel.disabled = true;
      try {
        await api('DELETE', cancel.dataset.cancelUrl);
        location.reload();
      } catch (error) {
        cancel.disabled = false;
        toast(error.message || String(error), true);
      }
    });
    const running = function () {
      const card = document.getElementById('screen-job');
      return card && card.hasAttribute('data-running');
    };
    if (!running()) return;
    body.addEventListener('athanor:refreshed', function () {
      if (!running()) location.reload(); // done, failed or cancelled: the molecules or the reason
    });
    setInterval(schedule, 1000);
  }

  // ---------------------------------------------------------------- tokens (operators)

  function tokens() {
    const form = document.getElementById('token-form');
    const role = document.getElementById('token-role');
    const bound = document.getElementById('token-campaigns');
    const issues = document.getElementById('token-issues');
    if (!form || !role || !bound) return;
    // campaigns bind lab tokens only: the choice is off for the other roles
    function showBinding() {
      bound.disabled = role.value !== 'lab';
      bound.hidden = role.value !== 'lab';
    }
    role.addEventListener('change', showBinding);
    showBinding();
    form.addEventListener('submit', async function (event) {
      event.preventDefault();
      issues.textContent = '';
      form.querySelectorAll('[aria-invalid]').forEach(function (el) {
        el.removeAttribute('aria-invalid');
      });
      const request = { name: form.elements.name.value.trim(), role: role.value };
      if (role.value === 'lab') {
        request.campaigns = Array.prototype.filter
          .call(form.querySelectorAll('input[name=campaigns]'), function (box) {
            return box.checked;
          })
          .map(function (box) {
            return box.value;
          });
      }
      const button = document.getElementById('create-token');
      button.disabled = true;
      try {
        const created = await api('POST', '/api/tokens', request);
        document.getElementById('token-created-name').textContent = created.name + ' (' + created.role + ')';
        document.getElementById('token-secret').textContent = created.token;
        document.getElementById('token-created').hidden = false;
        form.reset();
        showBinding();
        toast('Token created for ' + created.name + '.');
        await refresh();
        document.getElementById('copy-token').focus();
      } catch (error) {
        issueList(issues, error);
        const name = error.field && error.field.split('.')[0];
        // the campaigns are a group of boxes: the group is marked, its first box takes the focus
        const marked = name === 'campaigns' ? bound : name && form.querySelector('[name="' + name + '"]');
        if (marked) {
          marked.setAttribute('aria-invalid', 'true');
          const focusable = marked.matches('fieldset') ? marked.querySelector('input') : marked;
          if (focusable) focusable.focus();
        }
        toast(error.message || String(error), true);
      } finally {
        button.disabled = false;
      }
    });
    document.getElementById('copy-token').addEventListener('click', function () {
      const secret = document.getElementById('token-secret');
      const done = function () {
        toast('Copied.');
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(secret.textContent).then(done, function () {
          window.getSelection().selectAllChildren(secret);
        });
      } else {
        // plain HTTP on another host has no clipboard API: select it for Ctrl-C instead
        window.getSelection().selectAllChildren(secret);
        toast('Selected: press Ctrl-C (⌘-C) to copy.');
      }
    });
    document.addEventListener('click', async function (event) {
      const button = event.target.closest && event.target.closest('button[data-revoke]');
      if (!button) return;
      const dialog = document.getElementById('revoke-dialog');
      document.getElementById('revoke-text').textContent =
        'The token "' + button.dataset.name + '" stops working at once, and its panel sessions end.' +
        (button.dataset.yours === 'yes' ? ' It is the token you are signed in with: you will be signed out.' : '');
      dialog.returnValue = '';
      dialog.showModal();
      const confirmed = await new Promise(function (resolve) {
        dialog.addEventListener(
          'close',
          function () {
            resolve(dialog.returnValue === 'confirm');
          },
          { once: true },
        );
      });
      if (!confirmed) return button.focus();
      try {
        await api('DELETE', '/api/tokens/' + button.dataset.revoke);
        if (button.dataset.yours === 'yes') return location.assign('/signin');
        toast('Revoked ' + button.dataset.name + '.');
        await refresh();
      } catch (error) {
        toast(error.message || String(error), true);
      }
    });
  }

  if (data.page === 'editor') editor();
  if (data.page === 'tokens') tokens();
  screenForm();
  screenJob();
  follow();
})();
