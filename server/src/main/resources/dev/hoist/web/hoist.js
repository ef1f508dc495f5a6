// Behaviour the pages declare with data- attributes (the Content-Security-Policy allows no inline
// script): a button with data-copy="ID" copies the text of the element with that id.
"use strict";
(function () {
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      // The API refuses when the page lacks focus or permission: then copy a selection.
      return navigator.clipboard.writeText(text).catch(function () {
        return copySelection(text);
      });
    }
    // Plain HTTP on another host than localhost has no clipboard API: copy a selection instead.
    return copySelection(text);
  }

  function copySelection(text) {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand("copy");
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-copy]");
    if (!button) {
      return;
    }
    const source = document.getElementById(button.dataset.copy);
    if (!source) {
      return;
    }
    const label = button.textContent;
    copyText(source.textContent.trim()).then(
      function () {
        button.textContent = "Copied";
        button.dataset.copied = "true";
        setTimeout(function () { button.textContent = label; }, 1500);
      },
      function () {
        button.textContent = "Select and copy";
      });
  });
})();
