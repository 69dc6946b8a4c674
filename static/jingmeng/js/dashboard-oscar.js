/* The dashboard's fixes to Oscar 4.2's own scripts, loaded after oscar/js/oscar/dashboard.js
 * and before any page's ready handlers (templates/oscar/dashboard/layout.html):
 *
 * - oscar.dashboard.orders.initTable: order_detail.html calls it, dashboard.js no longer has it
 *   (every order page threw). As in Oscar 3, it puts a "select all" box in the lines table.
 * - the rich-text editor: Jodit (MIT, vendored in static/vendor/jodit, in Chinese) in place of
 *   TinyMCE 7 (GPL or a paid licence key). Oscar's initWYSIWYG picks the same textareas as
 *   before; Jodit's script is fetched only on the pages that have one.
 * - the product images' upload button, shown and hidden by inline onload/onerror handlers in
 *   Oscar's widget, which the Content-Security-Policy blocks (dashboard/catalogue/forms.py).
 *
 * Words come from the script element's data attributes (translated in the template). */
(function (o, $) {
  'use strict';
  if (!o || !o.dashboard || !$) {
    return;
  }
  var script = document.currentScript;
  var words = (script && script.dataset) || {};

  // --- Orders: the lines table's "select all" box ------------------------------------------
  o.dashboard.orders = o.dashboard.orders || {};
  if (typeof o.dashboard.orders.initTable !== 'function') {
    o.dashboard.orders.initTable = function () {
      $('#order_lines_form table').each(function () {
        var $boxes = $(this).find('tbody input[type=checkbox][name=selected_line]');
        var $cell = $(this).find('thead th').first();
        if (!$boxes.length || !$cell.length || $cell.find('input').length) {
          return;
        }
        var $all = $('<input type="checkbox" class="jm-select-all">')
          .attr('aria-label', words.selectAll || 'Select all');
        $cell.prepend($all);
        $all.on('change', function () {
          $boxes.prop('checked', this.checked);
        });
        $boxes.on('change', function () {
          $all.prop('checked', $boxes.filter(':checked').length === $boxes.length);
        });
      });
    };
  }

  // --- Rich text: Jodit ------------------------------------------------------------------------
  var LANGUAGES = { 'zh-hans': 'zh_cn', 'zh-cn': 'zh_cn', 'zh-hant': 'zh_tw', 'zh-tw': 'zh_tw' };
  var language = (document.documentElement.lang || 'en').toLowerCase();
  var editorConfig = {
    language: LANGUAGES[language] || language.split('-')[0],
    toolbarAdaptive: false,
    buttons: [
      'bold', 'italic', 'underline', '|', 'ul', 'ol', '|', 'paragraph', '|', 'link', '|',
      'undo', 'redo', '|', 'eraser', 'source', 'fullsize'
    ],
    // Both default to scripts on a CDN (Ace, js-beautify): not reachable in China, and the
    // Content-Security-Policy allows none. The HTML source is a plain textarea.
    sourceEditor: 'area',
    beautifyHTML: false,
    askBeforePasteHTML: false,
    askBeforePasteFromWord: false,
    defaultActionOnPaste: 'insert_clear_html',
    showCharsCounter: false,
    showWordsCounter: false,
    showXPathInStatusbar: false,
    hidePoweredByJodit: true,
    minHeight: 240,
    width: '100%'
  };
  var editorLoading = null;

  function loadEditor() {
    if (window.Jodit) {
      return $.Deferred().resolve().promise();
    }
    if (!editorLoading) {
      editorLoading = $.Deferred();
      var css = document.createElement('link');
      css.rel = 'stylesheet';
      css.href = words.editorCss;
      document.head.appendChild(css);
      var js = document.createElement('script');
      js.src = words.editorJs;
      js.onload = editorLoading.resolve;
      js.onerror = editorLoading.reject;
      document.head.appendChild(js);
    }
    return editorLoading.promise();
  }

  o.dashboard.initWYSIWYG = function (el) {
    // The same textareas as Oscar's TinyMCE: in a form.wysiwyg, or themselves .wysiwyg.
    var textareas = $(el).find('textarea')
      .not('.no-widget-init textarea').not('.no-widget-init')
      .filter('form.wysiwyg textarea, .wysiwyg')
      .filter(function () { return !this.hasAttribute('data-rich-text'); })
      .attr('data-rich-text', 'loading')
      .get();
    if (!textareas.length || !words.editorJs) {
      return;
    }
    loadEditor().done(function () {
      textareas.forEach(function (textarea) {
        window.Jodit.make(textarea, editorConfig);
        textarea.setAttribute('data-rich-text', 'jodit');
      });
    });
  };

  // --- Product images: the upload button ------------------------------------------------------
  function uploadButton(img) {
    var box = img.closest && img.closest('.image-input');
    return box ? box.querySelector('button') : null;
  }
  // load and error do not bubble: listen while they go down (capture).
  document.addEventListener('load', function (event) {
    var button = event.target.tagName === 'IMG' && uploadButton(event.target);
    if (button) {
      button.style.display = 'none';
    }
  }, true);
  document.addEventListener('error', function (event) {
    var img = event.target;
    var button = img.tagName === 'IMG' && img.getAttribute('src') && uploadButton(img);
    if (button) {
      button.style.display = '';
      window.alert(img.getAttribute('data-unreadable') || words.unreadable || '');
    }
  }, true);
})(window.oscar, window.jQuery);
