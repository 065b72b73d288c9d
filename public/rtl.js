// WebNova: language choice and right-to-left layout for Chainlit's UI.
//
// Chainlit picks its UI language from navigator.language and never sets <html dir>. This script
// runs as a blocking classic script before the app bundle (config.toml: custom_js), so it can
//   1. remember a per-user choice given as ?lang=ar or ?lang=en (?lang=auto forgets it) in
//      localStorage, plus a `ui_lang` cookie the server reads to answer in the same language;
//   2. make navigator.language report that choice, which switches Chainlit's own UI language;
//   3. set <html lang> and <html dir="rtl"> for Arabic (and other right-to-left languages).
(function () {
  "use strict";
  var TAG = /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,4})?$/;
  var KEY = "ui-lang";
  var COOKIE = "ui_lang";

  function remember(tag) {
    try { localStorage.setItem(KEY, tag); } catch (e) { /* storage disabled: cookie only */ }
    document.cookie = COOKIE + "=" + tag + "; path=/; max-age=31536000; SameSite=Lax";
  }

  function forget() {
    try { localStorage.removeItem(KEY); } catch (e) { /* nothing stored */ }
    document.cookie = COOKIE + "=; path=/; max-age=0; SameSite=Lax";
  }

  function stored() {
    var tag = null;
    try { tag = localStorage.getItem(KEY); } catch (e) { tag = null; }
    if (!tag) {
      var match = document.cookie.match(/(?:^|;\s*)ui_lang=([^;]*)/);
      tag = match ? match[1] : null;
    }
    return tag && TAG.test(tag) ? tag : null;
  }

  var asked = new URLSearchParams(window.location.search).get("lang");
  if (asked === "auto") {
    forget();
  } else if (asked && TAG.test(asked)) {
    remember(asked);
  }

  var chosen = stored();
  if (chosen) {
    Object.defineProperty(Navigator.prototype, "language", {
      get: function () { return chosen; },
      configurable: true
    });
    // Keep the cookie in step with localStorage so the server greets in the same language.
    remember(chosen);
  }

  var lang = navigator.language || "en-US";
  var root = document.documentElement;
  root.lang = lang;
  root.dir = /^(ar|he|fa|ur)(-|$)/i.test(lang) ? "rtl" : "ltr";
})();
