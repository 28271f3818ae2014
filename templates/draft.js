// Minyi: a resident's unsent answers, kept on their own phone (the browser's localStorage) so
// that a page reloaded, or closed by mistake, comes back as it was left. Nothing here sends
// anything anywhere. The thank-you page deletes the sent form's answers (on a phone that keeps
// no cookies, only if this script marked them sent minutes ago); answers older than the
// page's data-draft-days (counted from the first one kept) are deleted by the next Minyi page
// this phone opens. The form works the same without this script. Written for old phones'
// browsers: ES5, no modules.
(function () {
  'use strict';
  var PREFIX = 'minyi:draft:';
  // How recent a sending must be for a thank-you page that cannot tell who sent to count it.
  var JUST_SENT_MS = 10 * 60 * 1000;
  var store;
  try {
    store = window.localStorage;
    store.setItem('minyi:probe', '1');
    store.removeItem('minyi:probe');
  } catch (e) {
    return; // no storage (private mode, switched off): nothing is kept, nothing is said
  }

  var form = document.querySelector('form[data-draft]');
  var done = document.querySelector('[data-draft-done]');
  var perhaps = document.querySelector('[data-draft-perhaps-sent]');
  var marked = form || done || perhaps;
  if (!marked) return;
  var maxAge = Number(marked.getAttribute('data-draft-days')) * 24 * 60 * 60 * 1000;

  function read(key) {
    try {
      var saved = JSON.parse(store.getItem(key));
      var age = Date.now() - saved.at;
      // A time in the future (the phone's clock was wrong) is not trusted either.
      return saved.answers && age >= 0 && age < maxAge ? saved : null;
    } catch (e) {
      return null;
    }
  }

  // Every copy too old to keep, of any survey.
  var keys = [];
  for (var k = 0; k < store.length; k++) keys.push(store.key(k));
  for (k = 0; k < keys.length; k++) {
    if (keys[k] && keys[k].indexOf(PREFIX) === 0 && !read(keys[k])) store.removeItem(keys[k]);
  }

  if (done) {
    // Sent: the copy of the form sent goes (the public link's, or an invitation's).
    store.removeItem(done.getAttribute('data-draft-done'));
    return;
  }
  if (perhaps) {
    // The thank-you page on a phone that kept no cookie to say it sent the form: it may be a
    // page forwarded in a chat. The answers go only if this phone sent them just now.
    var perhapsKey = perhaps.getAttribute('data-draft-perhaps-sent');
    var kept = read(perhapsKey);
    var since = kept && kept.sent ? Date.now() - kept.sent : -1;
    if (since >= 0 && since < JUST_SENT_MS) store.removeItem(perhapsKey);
    return;
  }
  var key = form.getAttribute('data-draft');
  var skip = form.getAttribute('data-draft-skip');
  // The token of the page on which the form was begun goes with the answers and comes back
  // with them, so that the time taken counts from then: finished within a minute of coming
  // back, it would otherwise read as answered too fast. (The server trusts only a token it
  // signed for this survey, and only to measure the time.)
  var token = form.elements._token;
  var started = form.elements._started;
  // When this page sent the form, if it did: kept with the answers until the next page (the
  // thank-you page, or the form sent back, which keeps the answers afresh).
  var sending = 0;

  // The answer fields: not the form's hidden fields, not the field kept empty for robots.
  function eachField(visit) {
    var all = form.elements;
    for (var i = 0; i < all.length; i++) {
      var f = all[i];
      if (!f.name || f.type === 'hidden' || f.type === 'submit' || f.type === 'button') continue;
      if (f.name === skip || f.name.charAt(0) === '_') continue;
      visit(f);
    }
  }
  function isChoice(f) {
    return f.type === 'radio' || f.type === 'checkbox';
  }

  function save() {
    var answers = [];
    eachField(function (f) {
      if (isChoice(f) ? f.checked : f.value !== '') answers.push([f.name, f.value]);
    });
    try {
      if (answers.length) {
        // The days kept count from the first answer kept, not from the last.
        var earlier = read(key);
        var at = earlier ? earlier.at : Date.now();
        var begun = (earlier && earlier.started) || (started && started.value) ||
          (token && token.value) || '';
        var copy = { at: at, answers: answers, started: begun };
        if (sending) copy.sent = sending;
        store.setItem(key, JSON.stringify(copy));
      } else {
        store.removeItem(key);
      }
    } catch (e) {
      // storage full: the form still works, only this copy is not kept
    }
  }

  // Puts the copy kept on the phone into the form; `over` empties the form's answers first
  // (the server's, when the copy is newer).
  function restore(over) {
    var saved = read(key);
    if (!saved) return false;
    if (over) {
      eachField(function (f) {
        if (f.disabled) return;
        if (isChoice(f)) f.checked = false;
        else f.value = '';
      });
    }
    var byName = Object.create(null);
    for (var i = 0; i < saved.answers.length; i++) {
      var pair = saved.answers[i];
      (byName[pair[0]] = byName[pair[0]] || []).push(pair[1]);
    }
    var restored = false;
    eachField(function (f) {
      var values = byName[f.name];
      if (!values || f.disabled) return; // a county since filled is not chosen again
      if (!isChoice(f)) {
        f.value = values[0];
        restored = true;
      } else if (values.indexOf(f.value) >= 0) {
        f.checked = true;
        restored = true;
      }
    });
    if (restored && saved.started && started) started.value = saved.started;
    return restored;
  }

  // The nearest fieldset around `f`: a matrix's row, or the question.
  function fieldsetOf(f) {
    var node = f.parentNode;
    while (node && node.tagName !== 'FIELDSET') node = node.parentNode;
    return node;
  }

  // Where the first answer still missing is (a question, or one row of a matrix), if any; a
  // question that may be left unanswered is not missing.
  function firstUnanswered() {
    var questions = form.querySelectorAll('fieldset.q');
    for (var i = 0; i < questions.length; i++) {
      var q = questions[i];
      if (q.offsetParent === null) continue; // hidden: asked only after some other answer
      if (q.hasAttribute('data-optional')) continue;
      var given = Object.create(null);
      var first = Object.create(null);
      var names = [];
      var fields = q.querySelectorAll('input, textarea');
      for (var j = 0; j < fields.length; j++) {
        var f = fields[j];
        if (!(f.name in given)) {
          given[f.name] = false;
          first[f.name] = f;
          names.push(f.name);
        }
        if (isChoice(f) ? f.checked : f.value !== '') given[f.name] = true;
      }
      for (j = 0; j < names.length; j++) if (!given[names[j]]) return fieldsetOf(first[names[j]]);
    }
    return null;
  }

  function show(id, visible) {
    var element = document.getElementById(id);
    if (element) element.hidden = !visible;
  }

  // A form the server sent back holds the answers this page's predecessor sent, and the copy
  // was marked sent when they went. A copy without the mark changed after that: a reload or
  // Back sent an older form again, and the copy, newer, is put back rather than overwritten.
  var onPhone = read(key);
  var newer = form.hasAttribute('data-draft-sent-back') && onPhone && !onPhone.sent;
  if ((form.hasAttribute('data-draft-restore') && restore(false)) || (newer && restore(true))) {
    show('draft-restored', true);
    var next = firstUnanswered();
    var link = document.getElementById('draft-next');
    if (next && next.id && link) link.setAttribute('href', '#' + next.id);
    else if (link) link.parentNode.hidden = true;
  }
  // A form the server sent back holds the answers as they now are.
  save();
  show('draft-kept', true);
  form.addEventListener('change', save);
  form.addEventListener('input', save);
  // Some phones' keyboards for Chinese tell of typed text only when the word is chosen, and a
  // page left for a chat may be closed without another event.
  form.addEventListener('compositionend', save);
  // While the answers are on their way the button says so, and more taps within a while are
  // not sent again (on a slow network an older resident taps twice; the server would keep the
  // answers once anyway). Back on this page (the browser's Back), it is ready again.
  var send = document.getElementById('send');
  var label = send && send.textContent;
  // Said to a screen reader too: a button's new text is not announced.
  var status = document.getElementById('send-status');
  var busyUntil = 0;
  function ready() {
    busyUntil = 0;
    if (send) send.textContent = label;
    if (status) status.textContent = '';
  }
  // The button that sent the form, where the browser does not say (event.submitter is newer
  // than some phones still in use): the last one pressed, or none for Enter in a text box.
  var pressed = null;
  document.addEventListener('click', function (event) {
    pressed = event.target.closest ? event.target.closest('button') : null;
  }, true);
  form.addEventListener('submit', function (event) {
    var now = Date.now();
    if (now < busyUntil) {
      event.preventDefault();
      return;
    }
    sending = now;
    save();
    // The language and text-size buttons send the form too (and say nothing of sending): they
    // are the ones with a name; Submit and Enter's hidden default button have none.
    var by = event.submitter || pressed;
    pressed = null;
    if (send && !(by && by.name)) {
      busyUntil = now + 10000;
      send.textContent = send.getAttribute('data-sending');
      if (status) status.textContent = send.textContent;
      setTimeout(ready, 10000);
    }
  });
  window.addEventListener('pageshow', function (event) {
    if (event.persisted) ready();
  });
  window.addEventListener('pagehide', save);
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'hidden') save();
  });

  var clear = document.getElementById('draft-clear');
  if (clear) {
    clear.addEventListener('click', function () {
      // Back to the form as it came (an invitation's county stays chosen).
      form.reset();
      if (started) started.value = '';
      store.removeItem(key);
      show('draft-restored', false);
      form.scrollIntoView();
    });
  }
})();
