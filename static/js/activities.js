// The activity block of a card: its buttons open <dialog>s; a form refused by the server comes
// back (swapped in by htmx) with its dialog marked data-open, shown again with the reasons.
"use strict";

if (!window.crmActivities) {
  window.crmActivities = true;

  document.addEventListener("click", (event) => {
    const opener = event.target.closest("[data-dialog-open]");
    if (opener) {
      document.getElementById(opener.dataset.dialogOpen)?.showModal();
      return;
    }
    if (event.target.closest("[data-dialog-close]")) {
      event.target.closest("dialog")?.close();
    }
  });

  const openRefused = (root) => {
    root.querySelectorAll("dialog[data-open]").forEach((dialog) => {
      if (!dialog.open) dialog.showModal();
    });
  };
  document.addEventListener("htmx:load", (event) => openRefused(event.detail.elt));
}
