/*
 * The letter editor: CodeMirror over the MJML body, variable insertion everywhere.
 *
 * The textarea stays in the form and is updated on every change (CodeMirror's save()),
 * so the form posts normally and Wagtail's preview panel, unsaved-changes check and
 * autosave see each keystroke. A body error with a line number (data-error-line)
 * highlights that line and moves the cursor there.
 */
(function () {
  'use strict';

  // MJML tags and their usual children, for Ctrl+Space completion.
  var CONTENT = ['mj-text', 'mj-image', 'mj-button', 'mj-divider', 'mj-spacer', 'mj-table', 'mj-raw', 'mj-social', 'mj-navbar', 'mj-accordion', 'mj-carousel'];
  var SCHEMA = {
    '!top': ['mjml'],
    mjml: { children: ['mj-head', 'mj-body'] },
    'mj-head': { children: ['mj-title', 'mj-preview', 'mj-attributes', 'mj-style', 'mj-font', 'mj-breakpoint', 'mj-include'] },
    'mj-body': { attrs: { 'background-color': null, width: null }, children: ['mj-section', 'mj-wrapper', 'mj-hero', 'mj-include', 'mj-raw'] },
    'mj-wrapper': { children: ['mj-section'] },
    'mj-section': { attrs: { 'background-color': null, padding: null, 'full-width': ['full-width'] }, children: ['mj-column', 'mj-group', 'mj-raw'] },
    'mj-group': { children: ['mj-column'] },
    'mj-column': { attrs: { width: null, 'background-color': null, padding: null }, children: CONTENT },
    'mj-hero': { children: CONTENT },
    'mj-text': { attrs: { align: ['left', 'center', 'right'], color: null, 'font-size': null, 'mj-class': null, padding: null }, children: [] },
    'mj-button': { attrs: { href: null, align: ['left', 'center', 'right'], 'background-color': null, color: null, 'mj-class': null }, children: [] },
    'mj-image': { attrs: { src: null, alt: null, href: null, width: null, align: ['left', 'center', 'right'] }, children: [] },
    'mj-divider': { attrs: { 'border-color': null, 'border-width': null }, children: [] },
    'mj-spacer': { attrs: { height: null }, children: [] },
    'mj-include': { attrs: { path: ['header.mjml', 'footer.mjml', 'lines.mjml', 'products.mjml', 'coupon.mjml', 'signature.mjml', 'robot.mjml', 'head.mjml'] }, children: [] },
    'mj-table': { children: [] },
    'mj-raw': { children: [] },
    'mj-title': { children: [] },
    'mj-preview': { children: [] },
    'mj-attributes': { children: ['mj-all', 'mj-class', 'mj-text', 'mj-button', 'mj-section', 'mj-column'] },
    'mj-style': { attrs: { inline: ['inline'] }, children: [] },
  };

  var lastTarget = null; // {cm: CodeMirror} or {input: HTMLInputElement}

  function notify(element) {
    element.dispatchEvent(new Event('input', { bubbles: true }));
    element.dispatchEvent(new Event('change', { bubbles: true }));
  }

  function markError(cm, line) {
    var index = line - 1;
    if (index < 0 || index >= cm.lineCount()) return;
    cm.addLineClass(index, 'background', 'w-triggers-error-line');
    cm.addLineClass(index, 'gutter', 'w-triggers-error-gutter');
    cm.setCursor({ line: index, ch: 0 });
    cm.scrollIntoView({ line: index, ch: 0 }, 120);
    var cleared = false;
    cm.on('change', function () {
      if (cleared) return;
      cleared = true;
      cm.removeLineClass(index, 'background', 'w-triggers-error-line');
      cm.removeLineClass(index, 'gutter', 'w-triggers-error-gutter');
    });
  }

  function initEditor(textarea) {
    if (textarea.dataset.triggersReady || typeof window.CodeMirror === 'undefined') return;
    textarea.dataset.triggersReady = '1';
    var cm = window.CodeMirror.fromTextArea(textarea, {
      mode: 'django',
      lineNumbers: true,
      lineWrapping: true,
      indentUnit: 2,
      tabSize: 2,
      autoCloseTags: true,
      matchTags: { bothTags: true },
      styleActiveLine: true,
      readOnly: textarea.disabled || textarea.readOnly,
      hintOptions: { schemaInfo: SCHEMA, completeSingle: false },
      extraKeys: {
        'Ctrl-Space': 'autocomplete',
        'Alt-G': 'jumpToLine',
        Tab: function (editor) {
          if (editor.somethingSelected()) editor.indentSelection('add');
          else editor.replaceSelection('  ', 'end');
        },
        'Shift-Tab': function (editor) {
          editor.indentSelection('subtract');
        },
      },
    });
    cm.getWrapperElement().classList.add('w-triggers-codemirror');
    cm.getWrapperElement().setAttribute('data-triggers-editor-for', textarea.id);
    textarea.codemirror = cm; // for tests and other scripts
    cm.on('change', function () {
      cm.save();
      notify(textarea);
    });
    cm.on('focus', function () {
      lastTarget = { cm: cm };
    });
    cm.on('inputRead', function (editor, change) {
      if (change.text.length === 1 && change.text[0] === '<') {
        editor.showHint({ completeSingle: false });
      }
    });
    // The label points at the hidden textarea: send its clicks to the editor.
    document.querySelectorAll('label[for="' + textarea.id + '"]').forEach(function (label) {
      label.addEventListener('click', function () {
        cm.focus();
      });
    });
    var errorLine = parseInt(textarea.dataset.errorLine || '', 10);
    if (errorLine) markError(cm, errorLine);
    if (!lastTarget) lastTarget = { cm: cm };
  }

  function insertIntoInput(input, text) {
    var start = typeof input.selectionStart === 'number' ? input.selectionStart : input.value.length;
    var end = typeof input.selectionEnd === 'number' ? input.selectionEnd : start;
    input.setRangeText(text, start, end, 'end');
    input.focus();
    notify(input);
  }

  function insert(text) {
    if (lastTarget && lastTarget.input && document.body.contains(lastTarget.input)) {
      insertIntoInput(lastTarget.input, text);
    } else if (lastTarget && lastTarget.cm) {
      lastTarget.cm.replaceSelection(text, 'end');
      lastTarget.cm.focus();
    }
  }

  // "Preview as": Wagtail's chooser writes the chosen customer into a hidden input, which fires
  // no input or change event. Say so to the form, and tell the preview panel to reload: it
  // listens for Wagtail's "unsaved edits" event on the document. Wagtail's own check would not
  // send it when the choice is cleared (the form is then back as loaded), so the preview kept
  // the last customer; this sends it either way (the edits warning it may show is cleared by
  // Wagtail's next check).
  function refreshPreview() {
    document.dispatchEvent(new CustomEvent('w-unsaved:add', { detail: { type: 'edits' } }));
  }

  // The preview iframe is sandboxed (an opaque origin, no scripts). When Wagtail swaps in a
  // reloaded preview it first waits for the preview page to report its scroll position, which a
  // script-less letter never does, so every update after the first one waited for Wagtail's
  // 10-second timeout before it showed. Answer for the letter: there is no position to restore.
  document.addEventListener(
    'load',
    function (event) {
      var frame = event.target;
      if (!frame || frame.tagName !== 'IFRAME' || !frame.hasAttribute('sandbox')) return;
      if (!frame.closest('[data-controller~="w-preview"]')) return;
      var origin = window.location.origin;
      window.postMessage({ wagtail: { type: 'w-preview:set-scroll-position', origin: origin } }, origin);
    },
    true
  );

  function watchPreviewInput(input) {
    if (input.dataset.triggersWatched) return;
    input.dataset.triggersWatched = '1';
    var last = input.value;
    new MutationObserver(function () {
      if (input.value === last) return;
      last = input.value;
      notify(input);
      refreshPreview();
    }).observe(input, { attributes: true, attributeFilter: ['value'] });
  }

  function init() {
    document.querySelectorAll('textarea[data-triggers-editor="mjml"]').forEach(initEditor);
    document.querySelectorAll('input[data-triggers-preview-input]').forEach(watchPreviewInput);
  }

  document.addEventListener('focusin', function (event) {
    var target = event.target;
    if (target && target.matches && target.matches('input[data-triggers-insert-target]')) {
      lastTarget = { input: target };
    }
  });

  document.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('[data-triggers-insert]');
    if (!button) return;
    event.preventDefault();
    insert(button.getAttribute('data-triggers-insert'));
  });

  document.addEventListener('change', function (event) {
    var select = event.target;
    if (!select.matches || !select.matches('select[data-triggers-insert-into]') || !select.value) return;
    var input = document.getElementById(select.getAttribute('data-triggers-insert-into'));
    if (input) insertIntoInput(input, select.value);
    select.value = '';
  });

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
